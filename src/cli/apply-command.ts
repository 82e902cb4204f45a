/** `seatkeeper apply --plan ID` runs a stored plan; `apply --yes` scans, plans and applies in one go. */

import { withExecutor } from './executor-deps.ts';
import type { CommandContext } from './command-context.ts';
import { applyPlan } from '../app/apply-plan.ts';
import { InvalidInput } from '../domain/errors.ts';
import { heldPlanError, holdOf } from '../app/plan-guards.ts';
import { runSeats } from '../app/list-plans.ts';
import { limitsOf, protectionOf, resolveInstance } from './cli-runtime.ts';
import { makePlan } from './plan-command.ts';
import { planLines, runLines } from './plan-printer.ts';
import { withInterrupt } from './interrupt-signal.ts';
import { EXIT } from './exit-codes.ts';

export async function applyCommand(ctx: CommandContext, options: { plan?: string; yes: boolean; instance?: string; rows: number }): Promise<number> {
  let planId = options.plan;
  if (planId === undefined) {
    if (!options.yes) throw new InvalidInput('apply needs a plan', ['pass --plan ID (from `seatkeeper plan`, or listed by `seatkeeper plans`), or --yes to scan, plan and apply in one go']);
    const { outcome, pending } = await makePlan(ctx, { instance: options.instance, scan: true, rows: options.rows });
    if (!ctx.json) ctx.print(planLines({ ...outcome, limits: limitsOf(ctx.config), pending, rows: options.rows, cli: ctx.cli, applying: true }));
    const hold = holdOf(outcome.verdict);
    if (hold !== null) throw heldPlanError(outcome.planId, outcome.status, hold);
    planId = outcome.planId;
  }
  const stored = await ctx.store.plans.get(planId);
  const instance = resolveInstance(ctx.config, stored?.plan.instance ?? options.instance);
  if (stored !== null && options.plan !== undefined && !ctx.json) {
    const steps = stored.plan.rows.reduce((sum, row) => sum + row.steps.length, 0);
    ctx.print([`Applying plan ${planId} to ${instance} once its checks pass: ${stored.plan.rows.length} users, ${steps} steps (Ctrl-C stops after the users in flight).`]);
  }
  return withExecutor(ctx, instance, { label: 'apply', sendNotices: true }, (deps) =>
    withInterrupt(ctx.note, async (interrupt) => {
      const report = await applyPlan({ ...deps, interrupt: interrupt.signal }, { planId, limits: limitsOf(ctx.config), protection: protectionOf(ctx.config) });
      ctx.progress.finish();
      const plan = (await ctx.store.plans.get(report.planId))?.plan;
      const scan = plan === undefined ? null : await ctx.store.scans.get(plan.scanId);
      const seats = plan === undefined || plan.kind !== 'policy' ? undefined : runSeats(plan, scan?.license.max ?? null, await ctx.store.journal.entries(report.runId));
      if (ctx.json) ctx.printJson({ ...report, ...(seats === undefined ? {} : { seats }) });
      else ctx.print(runLines(report, { ...(seats === undefined ? {} : { seats }), cli: ctx.cli }));
      if (report.interrupted === true) return EXIT.interrupted;
      return report.status === 'done' ? EXIT.done : EXIT.failures;
    }),
  );
}
