/** `seatkeeper schedule`, `seatkeeper run POLICY` and `seatkeeper serve`: policies on their cron, from the store. */

import { hostname } from 'node:os';
import { once } from 'node:events';
import type { CommandContext } from './command-context.ts';
import type { ScheduleRecord } from '../app/store/schedule-repository-port.ts';
import { runPolicy, type PolicyRunResult } from '../app/run-policy.ts';
import type { PlanOutcome } from '../app/plan-instance.ts';
import { runSeats } from '../app/list-plans.ts';
import { planLines, runLines } from './plan-printer.ts';
import { withInterrupt } from './interrupt-signal.ts';
import { planHasWork } from '../domain/plan.ts';
import { Scheduler } from '../jobs/scheduler.ts';
import { nextRunAfter } from '../jobs/schedule-timing.ts';
import { InvalidInput } from '../domain/errors.ts';
import { directoriesFor, limitsOf, policiesOf, protectionOf, resolveInstance } from './cli-runtime.ts';
import { resumeInterruptedRuns, resumeRun } from '../app/resume-run.ts';
import { withExecutor } from './executor-deps.ts';
import { EXIT } from './exit-codes.ts';

/** Brings the stored schedules in line with the config's policies; first runs are due after now. */
async function syncSchedules(ctx: CommandContext): Promise<ScheduleRecord[]> {
  const timeZone = ctx.config.scheduler.timeZone;
  const wanted = Object.entries(ctx.config.policies).map(([policy, p]) => ({ instance: p.instance, policy, cron: p.schedule, timeZone }));
  const now = ctx.clock.now();
  return ctx.store.schedules.sync(wanted, (cron, zone) => nextRunAfter(cron, zone, now));
}

/** How a front door follows one policy's job: the plan before it is applied, and Ctrl-C. */
interface RunWatch {
  readonly onPlanned: (planned: PlanOutcome) => void;
  readonly interrupt?: AbortSignal;
}

/** Runs one configured policy now (scan, plan, apply when the guards allow); `log` gets the circuit breaker's lines. */
async function runOne(ctx: CommandContext, policyId: string, log: (line: string) => void, watch: RunWatch): Promise<PolicyRunResult> {
  const settings = ctx.config.policies[policyId];
  if (settings === undefined) throw new InvalidInput(`no policy "${policyId}" in the config`, [`known: ${Object.keys(ctx.config.policies).join(', ') || 'none'}`]);
  const { policies, pending } = policiesOf(ctx.config, settings.instance, [policyId]);
  const policy = policies[0];
  if (policy === undefined) throw new InvalidInput(`policy ${policyId} cannot run yet`, pending.map((p) => p.reason));
  const directories = directoriesFor(ctx.config, [policy]);
  return withExecutor(ctx, settings.instance, { sendNotices: true, log }, (deps) =>
    runPolicy(
      { ...deps, directories, onPlanned: watch.onPlanned, ...(watch.interrupt === undefined ? {} : { interrupt: watch.interrupt }) },
      { policy, limits: limitsOf(ctx.config), protection: protectionOf(ctx.config), actor: ctx.actor },
    ),
  );
}

/** One line for the serve log: what a scheduled run is about to apply. */
function plannedLogLine(policyId: string, planned: PlanOutcome): string {
  const steps = planned.plan.rows.reduce((sum, row) => sum + row.steps.length, 0);
  if (!planned.verdict.ok) return `${policyId}: plan ${planned.planId} is ${planned.status}: nothing is applied`;
  if (!planHasWork(planned.plan)) return `${policyId}: plan ${planned.planId}: nobody to change`;
  return `${policyId}: applying plan ${planned.planId}: ${planned.plan.rows.length} users, ${steps} steps`;
}

export async function scheduleCommand(ctx: CommandContext): Promise<number> {
  const schedules = await syncSchedules(ctx);
  if (ctx.json) {
    ctx.printJson({ timeZone: ctx.config.scheduler.timeZone, schedules });
    return EXIT.done;
  }
  const lines = [`Schedules (time zone ${ctx.config.scheduler.timeZone}; \`seatkeeper serve\` runs them):`];
  for (const s of schedules) {
    const last = s.lastOutcome ? `last: ${s.lastOutcome} (due ${s.lastDueAt ?? '?'})${s.lastDetail ? ` ${s.lastDetail}` : ''}` : 'never run';
    lines.push(`  ${`${s.instance}/${s.policy}`.padEnd(28)} ${s.cron.padEnd(14)} next ${s.nextRunAt}  ${last}`);
  }
  if (schedules.length === 0) lines.push('  no policies configured');
  ctx.print(lines);
  return EXIT.done;
}

export async function runCommand(ctx: CommandContext, policyId: string): Promise<number> {
  // What is about to be applied is shown before it is (the plan, its seats and "Applying plan … now"), then what was done.
  const onPlanned = (planned: PlanOutcome): void => {
    if (ctx.json) return;
    ctx.progress.finish();
    ctx.print(planLines({ ...planned, limits: limitsOf(ctx.config), pending: [], rows: 20, cli: ctx.cli, applying: true }));
  };
  const result = await withInterrupt(ctx.note, (interrupt) => runOne(ctx, policyId, ctx.note, { onPlanned, interrupt: interrupt.signal }));
  const { report } = result;
  const stored = report === undefined ? null : await ctx.store.plans.get(report.planId);
  const scan = stored === null ? null : await ctx.store.scans.get(stored.plan.scanId);
  const seats = report === undefined || stored === null ? undefined : runSeats(stored.plan, scan?.license.max ?? null, await ctx.store.journal.entries(report.runId));
  if (ctx.json) ctx.printJson({ ...result, ...(seats === undefined ? {} : { seats }) });
  else {
    if (report !== undefined) ctx.print(runLines(report, { ...(seats === undefined ? {} : { seats }), cli: ctx.cli }));
    ctx.print([`${policyId}: ${result.outcome}: ${result.detail}`]);
  }
  if (report?.interrupted === true) return EXIT.interrupted;
  if (result.outcome === 'done') return EXIT.done;
  return result.outcome === 'waiting-approval' || result.outcome === 'blocked' ? EXIT.guard : EXIT.failures;
}

/** Resumes the runs a dead process left `running` (seatkeeper resume, done by the scheduler), and logs each. */
async function resumeInterrupted(ctx: CommandContext, log: (line: string) => void): Promise<void> {
  const outcomes = await resumeInterruptedRuns({ store: ctx.store }, async (run) => {
    log(`run ${run.id} on ${run.instance} was left unfinished: resuming it`);
    const instance = resolveInstance(ctx.config, run.instance);
    return withExecutor(ctx, instance, { sendNotices: true, log }, (deps) =>
      resumeRun(deps, { runId: run.id, protection: protectionOf(ctx.config), limits: limitsOf(ctx.config), onlyIfRunning: true }),
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

/** Runs the scheduler until SIGINT or SIGTERM; a run in progress finishes first. */
export async function serveCommand(ctx: CommandContext, options: { once: boolean }): Promise<number> {
  await syncSchedules(ctx);
  const log = (line: string) => ctx.print([`${ctx.clock.now().toISOString()} ${line}`]);
  const scheduler = new Scheduler({
    store: ctx.store,
    clock: ctx.clock,
    processId: `${hostname()}:${process.pid}`,
    log,
    runJob: (schedule) => runOne(ctx, schedule.policy, log, { onPlanned: (planned) => log(plannedLogLine(schedule.policy, planned)) }),
    recover: () => resumeInterrupted(ctx, log),
  });
  if (options.once) {
    const report = await scheduler.tick();
    log(`one pass: ran ${report.ran.length}, missed ${report.missed.length}`);
    return EXIT.done;
  }
  log(`scheduler started (${Object.keys(ctx.config.policies).length} policies)`);
  const stopping = Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]).then(() => scheduler.stop());
  await scheduler.start();
  await stopping;
  log('scheduler stopped');
  return EXIT.done;
}
