/** Use case: one policy's job, as the scheduler or a person running one policy now runs it: scan, plan, and apply if allowed. */

import type { OrgDirectory } from './directory-port.ts';
import type { ScheduleOutcome } from './store/schedule-repository-port.ts';
import type { InactiveUsersPolicy, Protection } from '../domain/policy.ts';
import type { SafetyLimits } from '../domain/safety-guard.ts';
import { GuardTripped } from '../domain/errors.ts';
import type { RunDeps, RunReport } from './apply-plan.ts';
import { scanPlanApply, type PlanWatch } from './scan-plan-apply.ts';
import { planHasWork } from '../domain/plan.ts';
import { raiseRunAlert } from './guard-alerts.ts';

/** How one job ended, in words an operator reads in `seatkeeper schedule`. */
export interface PolicyRunResult {
  readonly outcome: Exclude<ScheduleOutcome, 'running' | 'missed'>;
  readonly detail: string;
  readonly planId: string | null;
  readonly runId: string | null;
  /** What the run did, when the plan was applied. */
  readonly report?: RunReport;
  /** Interrupted (Ctrl-C) before the plan was applied. */
  readonly interrupted?: true;
}

/**
 * Scans the policy's instance, plans that policy alone and applies the plan when every guard lets it. A plan over a
 * limit is left for approval, a guard that trips blocks the job; neither is an error of the job itself.
 */
export async function runPolicy(
  deps: RunDeps & PlanWatch & { readonly directories?: ReadonlyMap<string, OrgDirectory> },
  input: { policy: InactiveUsersPolicy; limits: SafetyLimits; protection: Protection; actor: string },
): Promise<PolicyRunResult> {
  const { store, clock } = deps;
  try {
    const { policy, protection } = input;
    const mustRead = [...protection.groups, ...policy.exclude.groups, ...(policy.select.group === null ? [] : [policy.select.group])];
    // A lifecycle plan may only send notices or clear records: that is work too; a plan without any is not applied.
    const { planned, report, interrupted } = await scanPlanApply(deps, {
      instance: policy.instance,
      policies: [policy],
      protection,
      limits: input.limits,
      actor: input.actor,
      mustRead,
      shouldApply: (p) => planHasWork(p.plan),
    });
    if (!planned.verdict.ok) {
      // Over a limit the plan waits for an approver; a refused plan (too few administrators left) is blocked for good.
      const outcome = planned.status === 'waiting-approval' ? 'waiting-approval' : 'blocked';
      return { outcome, detail: `plan ${planned.planId}: ${planned.verdict.message}`, planId: planned.planId, runId: null };
    }
    if (interrupted) {
      return { outcome: 'failed', detail: `plan ${planned.planId}: interrupted before it was applied; nothing was changed`, planId: planned.planId, runId: null, interrupted: true };
    }
    if (report === null) {
      return { outcome: 'done', detail: `plan ${planned.planId}: nobody to change`, planId: planned.planId, runId: null };
    }
    const { counts } = report;
    // Nobody watches a scheduled run: failed steps leave an alert naming the run (a brake stop raised its own already).
    if (report.status === 'done-with-failures') {
      const message = `run ${report.runId} of policy ${policy.id} ended with ${counts.failed} failed steps; retry them with \`seatkeeper resume ${report.runId}\``;
      await raiseRunAlert(store, { instance: policy.instance, scanId: planned.plan.scanId, runId: report.runId, kind: 'run.failures', message, every: false }, clock.now());
    }
    return {
      outcome: report.status === 'done' ? 'done' : 'done-with-failures',
      detail:
        `run ${report.runId}: ${report.usersChanged} users changed, ${counts.failed} steps failed` +
        (report.stoppedBecause === undefined ? '' : `; stopped: ${report.stoppedBecause}, resume with \`seatkeeper resume ${report.runId}\``),
      planId: planned.planId,
      runId: report.runId,
      report,
    };
  } catch (error) {
    if (error instanceof GuardTripped) return { outcome: 'blocked', detail: `${error.guard}: ${error.message}`, planId: null, runId: null };
    return { outcome: 'failed', detail: error instanceof Error ? error.message : String(error), planId: null, runId: null };
  }
}
