/** `seatkeeper runs` lists runs with counts per journal state; `seatkeeper resume RUN` continues an interrupted one. */

import { executorDeps } from './executor-deps.ts';
import type { CommandContext } from './command-context.ts';
import { listRuns } from '../app/list-runs.ts';
import { resumeRun } from '../app/resume-run.ts';
import { connectorFor, protectionOf, resolveInstance } from './cli-runtime.ts';
import { runLines } from './plan-printer.ts';
import { EXIT } from './exit-codes.ts';
import { NotFound } from '../domain/errors.ts';

/** Prints the runs, newest first. */
export async function runsCommand(ctx: CommandContext, options: { instance?: string }): Promise<number> {
  const instance = options.instance === undefined ? undefined : resolveInstance(ctx.config, options.instance);
  const runs = await listRuns(ctx.store, instance);
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

/** Resumes one run and prints its report like apply does. */
export async function resumeCommand(ctx: CommandContext, runId: string): Promise<number> {
  const run = await ctx.store.journal.getRun(runId);
  if (run === null) throw new NotFound(`no run ${runId}: list runs with \`${ctx.cli} runs\``);
  const instance = resolveInstance(ctx.config, run.instance);
  const connector = connectorFor(ctx.config, instance, ctx.note);
  const deps = executorDeps(ctx, instance, connector, 'resume', true);
  try {
    const report = await resumeRun(
      deps,
      { runId, protection: protectionOf(ctx.config) },
    );
    ctx.progress.finish();
    if (ctx.json) ctx.printJson(report);
    else ctx.print(runLines(report));
    return report.status === 'done' ? EXIT.done : EXIT.failures;
  } finally {
    await connector.close();
    await deps.notices?.notifier.close();
  }
}
