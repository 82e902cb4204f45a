/** `seatkeeper scan`: read the instance into a new snapshot. */

import type { CommandContext } from './command-context.ts';
import { scanInstance, type ScanOutcome } from '../app/scan-instance.ts';
import { buildLicenceModel } from '../domain/licence-model.ts';
import { scanLines } from './plan-printer.ts';
import { EXIT } from './exit-codes.ts';
import { eachInstance } from './each-instance.ts';
import { auditedCli } from './cli-audit.ts';

/** Runs a scan of the instance with progress, for every group its policies need. */
async function runScan(ctx: CommandContext, instance: string): Promise<ScanOutcome> {
  const { runtime } = ctx;
  try {
    return await auditedCli(ctx, { action: 'scan.start', target: instance }, () => runtime.withConnector(instance, ctx.note, (connector) =>
      scanInstance({
        connector,
        store: runtime.store,
        clock: runtime.clock,
        concurrency: runtime.concurrency(instance),
        mustRead: runtime.groupsToRead(instance),
        progress: (e) => ctx.progress.update(e.phase, e.done, e.total),
      }),
    ), (outcome) => ({ scanId: outcome.scan.id, status: outcome.scan.status }));
  } finally {
    ctx.progress.finish();
  }
}

/** Scans the instance named, or every configured one (runs.parallelInstances at a time). */
export async function scanCommand(ctx: CommandContext, options: { instance?: string }): Promise<number> {
  return eachInstance(ctx, options.instance, scanOne);
}

async function scanOne(ctx: CommandContext, instance: string): Promise<number> {
  const outcome = await runScan(ctx, instance);
  const licensed = outcome.snapshot ? buildLicenceModel(outcome.snapshot).licensedCount : null;
  if (ctx.json) ctx.printJson({ scan: outcome.scan, licensedUsers: licensed });
  else ctx.print(scanLines(outcome.scan, licensed));
  return outcome.scan.status === 'complete' ? EXIT.done : EXIT.failures;
}
