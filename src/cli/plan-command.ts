/** `seatkeeper plan`: scan (unless --no-scan), evaluate the policies, store and print the plan. Changes nothing in Confluence. */

import type { CommandContext } from './command-context.ts';
import { provenActor } from './proven-actor.ts';
import { scanAndPlan, type PlanWatch, type ScanPlanDeps } from '../app/scan-plan-apply.ts';
import type { PlanOutcome } from '../app/plan-instance.ts';
import type { PendingPolicy } from '../config/policy-mapping.ts';
import { planLines, scanLines } from './plan-printer.ts';
import { EXIT } from './exit-codes.ts';
import { eachInstance } from './each-instance.ts';
import { auditedCli } from './cli-audit.ts';

export interface PlanOptions {
  readonly instance?: string;
  readonly policy?: string[];
  readonly scan: boolean;
  readonly rows: number;
}

/** The scan's progress on the progress line, and its summary once it is stored (not with --json). */
export function scanWatch(ctx: CommandContext): PlanWatch {
  return {
    scanProgress: (e) => ctx.progress.update(e.phase, e.done, e.total),
    onScanned: (scanned) => {
      ctx.progress.finish();
      if (!ctx.json) ctx.print(scanLines(scanned.scan, null));
    },
  };
}

/** Plans the instance named, or every configured one (runs.parallelInstances at a time); `--policy` picks policies of them. */
export async function planCommand(ctx: CommandContext, options: PlanOptions): Promise<number> {
  // `--policy` without `--instance`: the instances those policies belong to (an unknown one is refused by planOne).
  const owners = (options.policy ?? []).flatMap((id) => {
    const instance = Object.hasOwn(ctx.runtime.config.policies, id) ? ctx.runtime.config.policies[id]?.instance : undefined;
    return instance === undefined ? [] : [instance];
  });
  return eachInstance(ctx, options.instance, (one, instance) => planOne(one, instance, options), [...new Set(owners)]);
}

async function planOne(ctx: CommandContext, instance: string, options: PlanOptions): Promise<number> {
  const { runtime } = ctx;
  const { policies, pending } = runtime.policies(instance, options.policy ?? []);
  const actor = await provenActor(ctx, 'making a plan');
  const request = { instance, policies, protection: runtime.protection, limits: runtime.limits, actor, mustRead: runtime.groupsToRead(instance) };
  const deps: ScanPlanDeps = { store: runtime.store, clock: runtime.clock, directories: runtime.directories(policies), ...scanWatch(ctx) };
  const { planned } = await auditedCli(
    ctx,
    { action: 'plan.create', target: instance, detail: { scan: options.scan } },
    () =>
      options.scan
        ? runtime.withConnector(instance, ctx.note, (connector) => scanAndPlan({ ...deps, connector, concurrency: runtime.concurrency(instance) }, request))
        : scanAndPlan(deps, request),
    (outcome) => ({ planId: outcome.planned.planId, status: outcome.planned.status }),
  );
  printPlan(ctx, planned, pending, options.rows);
  return planned.verdict.ok ? EXIT.done : EXIT.guard;
}

function printPlan(ctx: CommandContext, outcome: PlanOutcome, pending: PendingPolicy[], rows: number): void {
  if (ctx.json) {
    ctx.printJson({ planId: outcome.planId, status: outcome.status, verdict: outcome.verdict, pending, plan: outcome.plan });
  } else {
    ctx.print(planLines({ ...outcome, limits: ctx.runtime.limits, pending, rows, cli: ctx.cli }));
  }
}
