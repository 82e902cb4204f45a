/** `seatkeeper plan`: scan (unless --no-scan), evaluate the policies, store and print the plan. Changes nothing in Confluence. */

import type { CommandContext } from './command-context.ts';
import { planInstance, type PlanOutcome } from '../app/plan-instance.ts';
import { directoriesFor, limitsOf, policiesOf, protectionOf, resolveInstance, type PendingPolicy } from './cli-runtime.ts';
import { planLines, scanLines } from './plan-printer.ts';
import { runScan } from './scan-command.ts';
import { EXIT } from './exit-codes.ts';
import type { InstanceSnapshot } from '../domain/snapshot.ts';

export interface PlanOptions {
  readonly instance?: string;
  readonly policy?: string[];
  readonly scan: boolean;
  readonly rows: number;
}

/** Scans if asked, then plans; an incomplete scan trips the scan guard inside planInstance. */
export async function makePlan(ctx: CommandContext, options: PlanOptions): Promise<{ outcome: PlanOutcome; pending: PendingPolicy[] }> {
  const instance = resolveInstance(ctx.config, options.instance);
  const { policies, pending } = policiesOf(ctx.config, instance, options.policy ?? []);
  // Plan on what the scan just read; an incomplete scan has no snapshot and trips the scan guard by its id.
  let source: { snapshot?: InstanceSnapshot; scanId?: string } = {};
  if (options.scan) {
    const scanned = await runScan(ctx, instance);
    if (!ctx.json) ctx.print(scanLines(scanned.scan, null));
    source = scanned.snapshot ? { snapshot: scanned.snapshot } : { scanId: scanned.scan.id };
  }
  const outcome = await planInstance(
    { store: ctx.store, clock: ctx.clock, directories: directoriesFor(ctx.config, policies) },
    { instance, policies, protection: protectionOf(ctx.config), limits: limitsOf(ctx.config), actor: ctx.actor, ...source },
  );
  return { outcome, pending };
}

export async function planCommand(ctx: CommandContext, options: PlanOptions): Promise<number> {
  const { outcome, pending } = await makePlan(ctx, options);
  if (ctx.json) {
    ctx.printJson({ planId: outcome.planId, status: outcome.status, verdict: outcome.verdict, pending, plan: outcome.plan });
  } else {
    ctx.print(planLines({ ...outcome, limits: limitsOf(ctx.config), pending, rows: options.rows, cli: ctx.cli }));
  }
  return outcome.verdict.ok ? EXIT.done : EXIT.guard;
}
