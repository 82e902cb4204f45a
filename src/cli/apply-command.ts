/** `seatkeeper apply --plan ID` runs a stored plan; `apply --yes` scans, plans and applies in one go. */

import { withExecutor } from './executor-deps.ts';
import type { CommandContext } from './command-context.ts';
import { applyPlan } from '../app/apply-plan.ts';
import { InvalidInput } from '../domain/errors.ts';
import { heldPlanError, holdOf } from '../app/plan-guards.ts';
import { limitsOf, protectionOf, resolveInstance } from './cli-runtime.ts';
import { makePlan } from './plan-command.ts';
import { planLines, runLines } from './plan-printer.ts';
import { EXIT } from './exit-codes.ts';

export async function applyCommand(ctx: CommandContext, options: { plan?: string; yes: boolean; instance?: string; rows: number }): Promise<number> {
  let planId = options.plan;
  if (planId === undefined) {
    if (!options.yes) throw new InvalidInput('apply needs a plan', ['pass --plan ID (from `seatkeeper plan`), or --yes to scan, plan and apply in one go']);
    const { outcome, pending } = await makePlan(ctx, { instance: options.instance, scan: true, rows: options.rows });
    if (!ctx.json) ctx.print(planLines({ ...outcome, limits: limitsOf(ctx.config), pending, rows: options.rows, cli: ctx.cli }));
    const hold = holdOf(outcome.verdict);
    if (hold !== null) throw heldPlanError(outcome.planId, outcome.status, hold);
    planId = outcome.planId;
  }
  const stored = await ctx.store.plans.get(planId);
  const instance = resolveInstance(ctx.config, stored?.plan.instance ?? options.instance);
  return withExecutor(ctx, instance, { label: 'apply', sendNotices: true }, async (deps) => {
    const report = await applyPlan(deps, { planId, limits: limitsOf(ctx.config), protection: protectionOf(ctx.config) });
    ctx.progress.finish();
    if (ctx.json) ctx.printJson(report);
    else ctx.print(runLines(report));
    return report.status === 'done' ? EXIT.done : EXIT.failures;
  });
}
