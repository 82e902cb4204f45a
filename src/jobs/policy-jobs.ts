/**
 * The scheduler's jobs on the runtime: one policy's run (also what a person runs with one policy now), the resume of
 * runs a dead process left unfinished, and the scheduler that runs both.
 */

import type { Runtime } from '../runtime/runtime.ts';
import type { PlanOutcome } from '../app/plan-instance.ts';
import { runPolicy, type PolicyRunResult } from '../app/run-policy.ts';
import { resumeInterruptedRuns, resumeRun } from '../app/resume-run.ts';
import { planHasWork } from '../domain/plan.ts';
import { Scheduler } from './scheduler.ts';

/** How a front door follows one policy's job: who runs it, the circuit breaker's lines, the plan before it is applied, and an interrupt. */
export interface PolicyJobWatch {
  readonly actor: string;
  readonly log: (line: string) => void;
  readonly onPlanned?: (planned: PlanOutcome) => void;
  readonly interrupt?: AbortSignal;
}

/** Runs one configured policy now (scan, plan, apply when the guards allow); InvalidInput when it is unknown or cannot run yet. */
export async function runPolicyJob(runtime: Runtime, policyId: string, watch: PolicyJobWatch): Promise<PolicyRunResult> {
  const policy = runtime.policy(policyId);
  const directories = runtime.directories([policy]);
  return runtime.withRunDeps(policy.instance, { sendNotices: true, log: watch.log }, (deps) =>
    runPolicy(
      {
        ...deps,
        directories,
        ...(watch.onPlanned === undefined ? {} : { onPlanned: watch.onPlanned }),
        ...(watch.interrupt === undefined ? {} : { interrupt: watch.interrupt }),
      },
      { policy, limits: runtime.limits, protection: runtime.protection, actor: watch.actor },
    ),
  );
}

/** Resumes the runs a dead process left `running` (as a person's resume does), and logs each. */
export async function resumeInterrupted(runtime: Runtime, log: (line: string) => void): Promise<void> {
  const outcomes = await resumeInterruptedRuns({ store: runtime.store }, async (run) => {
    log(`run ${run.id} on ${run.instance} was left unfinished: resuming it`);
    const instance = runtime.resolveInstance(run.instance);
    return runtime.withRunDeps(instance, { sendNotices: true, log }, (deps) =>
      resumeRun(deps, { runId: run.id, protection: runtime.protection, limits: runtime.limits, onlyIfRunning: true }),
    );
  });
  for (const outcome of outcomes) {
    if (outcome.action === 'resumed') {
      const { report } = outcome;
      const stopped = report.stoppedBecause === undefined ? '' : ` (${report.stoppedBecause})`;
      log(`run ${outcome.runId}: resumed, ${report.status}${stopped}: ${report.usersChanged} users changed, ${report.counts.failed} steps failed`);
    } else if (outcome.action === 'failed') {
      log(`run ${outcome.runId}: resume failed: ${outcome.detail}; it is tried again on the next pass`);
    }
    // Runs held by a live process are that process's business: nothing to say.
  }
}

/** One line for the scheduler's log: what a scheduled run is about to apply. */
export function plannedLogLine(policyId: string, planned: PlanOutcome): string {
  const steps = planned.plan.rows.reduce((sum, row) => sum + row.steps.length, 0);
  if (!planned.verdict.ok) return `${policyId}: plan ${planned.planId} is ${planned.status}: nothing is applied`;
  if (!planHasWork(planned.plan)) return `${policyId}: plan ${planned.planId}: nobody to change`;
  return `${policyId}: applying plan ${planned.planId}: ${planned.plan.rows.length} users, ${steps} steps`;
}

/** The scheduler over the runtime's store: each due policy's job, and before each pass the resume of interrupted runs. */
export function createPolicyScheduler(runtime: Runtime, options: { actor: string; processId: string; log: (line: string) => void }): Scheduler {
  const { log } = options;
  return new Scheduler({
    store: runtime.store,
    clock: runtime.clock,
    processId: options.processId,
    log,
    runJob: (schedule) => runPolicyJob(runtime, schedule.policy, { actor: options.actor, log, onPlanned: (planned) => log(plannedLogLine(schedule.policy, planned)) }),
    recover: () => resumeInterrupted(runtime, log),
  });
}
