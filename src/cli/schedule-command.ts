/** `seatkeeper schedule`, `seatkeeper run POLICY` and `seatkeeper serve`: policies on their cron, from the store. */

import { hostname } from 'node:os';
import { provenActor } from './proven-actor.ts';
import { once } from 'node:events';
import type { CommandContext } from './command-context.ts';
import type { PlanOutcome } from '../app/plan-instance.ts';
import { runSeats } from '../app/list-plans.ts';
import { planLines, runLines } from './plan-printer.ts';
import { withInterrupt } from './interrupt-signal.ts';
import { syncSchedules } from '../jobs/schedule-sync.ts';
import { createPolicyScheduler, runPolicyJob } from '../jobs/policy-jobs.ts';
import { EXIT } from './exit-codes.ts';
import { listenApi } from '../server/api-listener.ts';
import { auditedCli } from './cli-audit.ts';

export async function scheduleCommand(ctx: CommandContext): Promise<number> {
  const schedules = await syncSchedules(ctx.runtime);
  if (ctx.json) {
    ctx.printJson({ timeZone: ctx.runtime.config.scheduler.timeZone, schedules });
    return EXIT.done;
  }
  const lines = [`Schedules (time zone ${ctx.runtime.config.scheduler.timeZone}; \`seatkeeper serve\` runs them):`];
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
    ctx.print(planLines({ ...planned, limits: ctx.runtime.limits, pending: [], rows: 20, cli: ctx.cli, applying: true }));
  };
  const actor = await provenActor(ctx, 'making a plan');
  const result = await withInterrupt(ctx.note, (interrupt) =>
    auditedCli(ctx, { action: 'policy.run', target: policyId }, () => runPolicyJob(ctx.runtime, policyId, { actor, log: ctx.note, onPlanned, interrupt: interrupt.signal }), (r) => ({
      outcome: r.outcome,
      runId: r.report?.runId ?? null,
    })),
  );
  const { report } = result;
  const stored = report === undefined ? null : await ctx.runtime.store.plans.get(report.planId);
  const scan = stored === null ? null : await ctx.runtime.store.scans.get(stored.plan.scanId);
  const seats = report === undefined || stored === null ? undefined : runSeats(stored.plan, scan?.license.max ?? null, await ctx.runtime.store.journal.entries(report.runId));
  if (ctx.json) ctx.printJson({ ...result, ...(seats === undefined ? {} : { seats }) });
  else {
    if (report !== undefined) ctx.print(runLines(report, { ...(seats === undefined ? {} : { seats }), cli: ctx.cli }));
    ctx.print([`${policyId}: ${result.outcome}: ${result.detail}`]);
  }
  if (report?.interrupted === true || result.interrupted === true) return EXIT.interrupted;
  if (result.outcome === 'done') return EXIT.done;
  return result.outcome === 'waiting-approval' || result.outcome === 'blocked' ? EXIT.guard : EXIT.failures;
}

/** Runs the scheduler, and the REST API when `server.listen` is set, until SIGINT or SIGTERM; a run in progress finishes first. */
export async function serveCommand(ctx: CommandContext, options: { once: boolean }): Promise<number> {
  await syncSchedules(ctx.runtime);
  const log = (line: string) => ctx.print([`${ctx.runtime.clock.now().toISOString()} ${line}`]);
  const scheduler = createPolicyScheduler(ctx.runtime, { actor: ctx.actor, processId: `${hostname()}:${process.pid}`, log });
  if (options.once) {
    const report = await scheduler.tick();
    log(`one pass: ran ${report.ran.length}, missed ${report.missed.length}`);
    return EXIT.done;
  }
  const api = await listenApi(ctx.runtime, log);
  if (api !== null) log(`API listening on ${api.address} (OpenAPI at ${api.address}/api/v1/openapi.json)`);
  log(`scheduler started (${Object.keys(ctx.runtime.config.policies).length} policies)`);
  const stopping = Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]).then(async () => {
    await api?.close();
    await scheduler.stop();
  });
  await scheduler.start();
  await stopping;
  log(api === null ? 'scheduler stopped' : 'API and scheduler stopped');
  return EXIT.done;
}
