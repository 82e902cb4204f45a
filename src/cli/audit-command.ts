/** `seatkeeper audit verify` checks the audit log's hash chain; `seatkeeper audit export` writes it as NDJSON for a SIEM. */

import type { CommandContext } from './command-context.ts';
import { exportAudit, verifyAudit } from '../app/audit-trail.ts';
import { InvalidInput } from '../domain/errors.ts';
import { EXIT } from './exit-codes.ts';

export async function auditVerifyCommand(ctx: CommandContext): Promise<number> {
  const verified = await verifyAudit(ctx.runtime.store);
  if (ctx.json) ctx.printJson(verified);
  else if (verified.ok) ctx.print([`The audit log holds: ${verified.rows} rows, chained; head is row ${verified.head.seq} with hash ${verified.head.hash}.`, 'Compare the head with an exported copy to see that no rows were cut off the end.']);
  else ctx.print([`The audit log was changed: ${verified.breaks.length} ${verified.breaks.length === 1 ? 'break' : 'breaks'} in ${verified.rows} rows:`, ...verified.breaks.map((b) => `  ${b.message}`)]);
  return verified.ok ? EXIT.done : EXIT.failures;
}

export async function auditExportCommand(ctx: CommandContext, options: { since?: string }): Promise<number> {
  const since = options.since === undefined ? undefined : new Date(options.since);
  if (since !== undefined && Number.isNaN(since.getTime())) throw new InvalidInput(`--since must be an ISO-8601 instant, not ${JSON.stringify(options.since)}`);
  // One JSON object per line, as written: the chain fields stay exactly as stored so a SIEM can verify them too.
  for await (const row of exportAudit(ctx.runtime.store, since === undefined ? {} : { since })) ctx.printNdjson(row);
  return EXIT.done;
}
