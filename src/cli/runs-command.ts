/** `seatkeeper runs` lists runs with counts per journal state; `seatkeeper resume RUN` continues an interrupted one. */

import { progressFor, type CommandContext } from './command-context.ts';
import { listRuns, runDetail } from '../app/list-runs.ts';
import { resumeRun } from '../app/resume-run.ts';
import { runLines } from './plan-printer.ts';
import { EXIT } from './exit-codes.ts';
import { NotFound } from '../domain/errors.ts';
import { auditedCli } from './cli-audit.ts';

/** Prints the runs, newest first. */
export async function runsCommand(ctx: CommandContext, options: { instance?: string }): Promise<number> {
  const instance = options.instance === undefined ? undefined : ctx.runtime.resolveInstance(options.instance);
  const runs = await listRuns(ctx.runtime.store, instance);
  if (ctx.json) {
    ctx.printJson(runs);
    return EXIT.done;
  }
  if (runs.length === 0) {
    ctx.print([`No runs${instance === undefined ? '' : ` for ${instance}`}.`]);
    return EXIT.done;
  }
  const lines = ['run                 instance  started (UTC)        status              claimed  done  already-done  failed  skipped'];
  for (const r of runs) {
    const c = r.counts;
    lines.push(
      `${r.id.padEnd(19)} ${r.instance.padEnd(9)} ${r.startedAt.slice(0, 19).replace('T', ' ').padEnd(20)} ${r.status.padEnd(19)} ${String(c.claimed).padStart(7)} ${String(c.done).padStart(5)} ${String(c['already-done']).padStart(13)} ${String(c.failed).padStart(7)} ${String(c.skipped).padStart(8)}`,
    );
  }
  if (runs.some((r) => r.status === 'running' || r.counts.claimed > 0 || r.counts.failed > 0)) {
    lines.push(`Continue an interrupted run, or retry its failed steps, with: ${ctx.cli} resume RUN`);
  }
  ctx.print(lines);
  return EXIT.done;
}

/** Prints one run: its counts, what is not started, and each failed or claimed step with its last error. */
export async function runCommandDetail(ctx: CommandContext, runId: string): Promise<number> {
  const run = await runDetail(ctx.runtime.store, runId);
  if (ctx.json) {
    ctx.printJson(run);
    return EXIT.done;
  }
  const c = run.counts;
  const lines = [
    `Run ${run.id} on ${run.instance}: ${run.status} (started ${run.startedAt}${run.finishedAt === null ? '' : `, finished ${run.finishedAt}`}), plan ${run.planId}`,
    `  ${run.plannedSteps} planned steps: ${c.done} done, ${c['already-done']} already done, ${c.failed} failed, ${c.skipped} skipped, ${c.claimed} claimed, ${run.notStarted} not started`,
  ];
  const failed = run.attention.filter((s) => s.outcome === 'failed');
  const claimed = run.attention.filter((s) => s.outcome === 'claimed');
  if (failed.length > 0) {
    lines.push('  Failed steps, with the last error:');
    for (const s of failed) lines.push(`    ${s.username.padEnd(20)} ${s.step.padEnd(34)} ${s.error ?? ''}`);
  }
  if (claimed.length > 0) {
    lines.push('  Steps claimed by a process that stopped (resume checks each against Confluence before sending anything):');
    for (const s of claimed) lines.push(`    ${s.username.padEnd(20)} ${s.step}`);
  }
  if (run.status !== 'done' && (failed.length > 0 || claimed.length > 0 || run.notStarted > 0)) {
    lines.push(`Retry the failed steps and finish the run with: ${ctx.cli} resume ${run.id}`);
  }
  ctx.print(lines);
  return EXIT.done;
}

/** Resumes one run and prints its report like apply does. */
export async function resumeCommand(ctx: CommandContext, runId: string): Promise<number> {
  const run = await ctx.runtime.store.journal.getRun(runId);
  if (run === null) throw new NotFound(`no run ${runId}: list runs with \`${ctx.cli} runs\``);
  const instance = ctx.runtime.resolveInstance(run.instance);
  return ctx.runtime.withRunDeps(instance, { sendNotices: true, log: ctx.note, progress: progressFor(ctx, 'resume') }, async (deps) => {
    const report = await auditedCli(ctx, { action: 'run.resume', target: runId }, () => resumeRun(deps, { runId, protection: ctx.runtime.protection, limits: ctx.runtime.limits }), (r) => ({ status: r.status }));
    ctx.progress.finish();
    if (ctx.json) ctx.printJson(report);
    else ctx.print(runLines(report));
    return report.status === 'done' ? EXIT.done : EXIT.failures;
  });
}
