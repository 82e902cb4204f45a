/** `seatkeeper scan`: read the instance into a new snapshot. */

import type { CommandContext } from './command-context.ts';
import { scanInstance } from '../app/scan-instance.ts';
import { buildLicenceModel } from '../domain/licence-model.ts';
import { connectorFor, groupsToRead, resolveInstance } from './cli-runtime.ts';
import { scanLines } from './plan-printer.ts';
import { EXIT } from './exit-codes.ts';
import type { ScanOutcome } from '../app/scan-instance.ts';

/** Runs a scan with progress; shared by `scan`, `plan` and `apply --yes`. */
export async function runScan(ctx: CommandContext, instance: string): Promise<ScanOutcome> {
  const connector = connectorFor(ctx.config, instance, ctx.note);
  try {
    return await scanInstance({
      connector,
      store: ctx.store,
      clock: ctx.clock,
      concurrency: ctx.config.instances[instance]?.concurrency ?? 4,
      mustRead: groupsToRead(ctx.config, instance),
      progress: (e) => ctx.progress.update(e.phase, e.done, e.total),
    });
  } finally {
    ctx.progress.finish();
    await connector.close();
  }
}

export async function scanCommand(ctx: CommandContext, options: { instance?: string }): Promise<number> {
  const instance = resolveInstance(ctx.config, options.instance);
  const outcome = await runScan(ctx, instance);
  const licensed = outcome.snapshot ? buildLicenceModel(outcome.snapshot).licensedCount : null;
  if (ctx.json) ctx.printJson({ scan: outcome.scan, licensedUsers: licensed });
  else ctx.print(scanLines(outcome.scan, licensed));
  return outcome.scan.status === 'complete' ? EXIT.done : EXIT.failures;
}
