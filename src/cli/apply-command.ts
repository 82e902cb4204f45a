/** `seatkeeper apply --plan ID` runs a stored plan; `apply --yes` scans, plans and applies in one go. */

import { progressFor, type CommandContext } from './command-context.ts';
import { provenActor } from './proven-actor.ts';
import { applyPlan, type RunReport } from '../app/apply-plan.ts';
import { scanPlanApply } from '../app/scan-plan-apply.ts';
import { InvalidInput } from '../domain/errors.ts';
import { heldPlanError, holdOf } from '../app/plan-guards.ts';
import { runSeats } from '../app/list-plans.ts';
import { scanWatch } from './plan-command.ts';
import { planLines, runLines } from './plan-printer.ts';
import { withInterrupt } from './interrupt-signal.ts';
import { EXIT } from './exit-codes.ts';
import { audited } from '../app/audit-trail.ts';
import { cliActor } from './cli-audit.ts';

export interface ApplyOptions {
  readonly plan?: string;
  readonly yes: boolean;
  readonly instance?: string;
  readonly rows: number;
}

export async function applyCommand(ctx: CommandContext, options: ApplyOptions): Promise<number> {
  const { runtime } = ctx;
  if (options.plan === undefined) {
    if (!options.yes) throw new InvalidInput('apply needs a plan', ['pass --plan ID (from `seatkeeper plan`, or listed by `seatkeeper plans`), or --yes to scan, plan and apply in one go']);
    return applyYes(ctx, options);
  }
  const planId = options.plan;
  const stored = await runtime.store.plans.get(planId);
  const instance = runtime.resolveInstance(stored?.plan.instance ?? options.instance);
  if (stored !== null && !ctx.json) {
    const steps = stored.plan.rows.reduce((sum, row) => sum + row.steps.length, 0);
    ctx.print([`Applying plan ${planId} to ${instance} once its checks pass: ${stored.plan.rows.length} users, ${steps} steps (Ctrl-C stops after the users in flight).`]);
  }
  return runtime.withRunDeps(instance, { sendNotices: true, log: ctx.note, progress: progressFor(ctx, 'apply') }, (deps) =>
    withInterrupt(ctx.note, async (interrupt) => {
      const report = await audited(runtime, cliActor(ctx), { action: 'plan.apply', target: planId }, () =>
        applyPlan({ ...deps, interrupt: interrupt.signal }, { planId, limits: runtime.limits, protection: runtime.protection }),
        (r) => ({ runId: r.runId, status: r.status }),
      );
      return printRun(ctx, report);
    }),
  );
}

/** Scans, plans every policy of the instance that can run, prints the plan, and applies it unless a guard holds it. */
async function applyYes(ctx: CommandContext, options: ApplyOptions): Promise<number> {
  const { runtime } = ctx;
  const instance = runtime.resolveInstance(options.instance);
  const { policies, pending } = runtime.policies(instance);
  const directories = runtime.directories(policies);
  const actor = await provenActor(ctx, 'making a plan');
  return runtime.withRunDeps(instance, { sendNotices: true, log: ctx.note, progress: progressFor(ctx, 'apply') }, (deps) =>
    withInterrupt(ctx.note, async (interrupt) => {
      const { planned, report, interrupted } = await audited(runtime, cliActor(ctx), { action: 'instance.apply', target: instance }, () => scanPlanApply(
        {
          ...deps,
          directories,
          interrupt: interrupt.signal,
          ...scanWatch(ctx),
          onPlanned: (outcome) => {
            if (!ctx.json) ctx.print(planLines({ ...outcome, limits: runtime.limits, pending, rows: options.rows, cli: ctx.cli, applying: true }));
          },
        },
        { instance, policies, protection: runtime.protection, limits: runtime.limits, actor, mustRead: runtime.groupsToRead(instance) },
      ), (outcome) => ({ planId: outcome.planned.planId, runId: outcome.report?.runId ?? null, status: outcome.report?.status ?? outcome.planned.status }));
      const hold = holdOf(planned.verdict);
      if (hold !== null) throw heldPlanError(planned.planId, planned.status, hold);
      if (report === null || interrupted) {
        if (ctx.json) ctx.printJson({ planId: planned.planId, interrupted: true });
        else ctx.print([`Interrupted before anything was applied. Plan ${planned.planId} is stored: apply it with ${ctx.cli} apply --plan ${planned.planId}`]);
        return EXIT.interrupted;
      }
      return printRun(ctx, report);
    }),
  );
}

/** Prints what a run did (with the seats it freed, for a policy plan) and returns its exit code. */
export async function printRun(ctx: CommandContext, report: RunReport): Promise<number> {
  const { store } = ctx.runtime;
  ctx.progress.finish();
  const plan = (await store.plans.get(report.planId))?.plan;
  const scan = plan === undefined ? null : await store.scans.get(plan.scanId);
  const seats = plan === undefined || plan.kind !== 'policy' ? undefined : runSeats(plan, scan?.license.max ?? null, await store.journal.entries(report.runId));
  if (ctx.json) ctx.printJson({ ...report, ...(seats === undefined ? {} : { seats }) });
  else ctx.print(runLines(report, { ...(seats === undefined ? {} : { seats }), cli: ctx.cli }));
  if (report.interrupted === true) return EXIT.interrupted;
  return report.status === 'done' ? EXIT.done : EXIT.failures;
}
