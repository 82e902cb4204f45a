/** The CLI's writes in the audit log: recorded as `cli:<actor>` from address `cli`, with their outcome. */

import type { CommandContext } from './command-context.ts';
import { audited } from '../app/audit-trail.ts';

/** Who a CLI write is recorded as: the OS user (or --as, or SEATKEEPER_ACTOR), from the command line. */
export function cliActor(ctx: CommandContext): { actor: string; address: string } {
  return { actor: `cli:${ctx.actor}`, address: 'cli' };
}

/** Runs a CLI write and records it (see app/audit-trail.ts `audited`). */
export function auditedCli<T>(
  ctx: CommandContext,
  what: { action: string; target: string | null; detail?: Readonly<Record<string, unknown>> },
  write: () => Promise<T>,
  detail?: (result: T) => Readonly<Record<string, unknown>>,
): Promise<T> {
  return audited(ctx.runtime, cliActor(ctx), what, write, detail);
}
