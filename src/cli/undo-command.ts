/** `seatkeeper undo --run RUN | --user NAME`: puts back what Seatkeeper changed, as a journaled run of its own. */

import { withExecutor } from './executor-deps.ts';
import type { CommandContext } from './command-context.ts';
import type { UndoScope } from '../domain/undo-planner.ts';
import { instanceOfRun, undoRun, type UndoPlanned } from '../app/undo-run.ts';
import { describeStep } from '../domain/action-step.ts';
import { GuardTripped, InvalidInput } from '../domain/errors.ts';
import { limitsOf, protectionOf, resolveInstance } from './cli-runtime.ts';
import { runLines } from './plan-printer.ts';
import { EXIT } from './exit-codes.ts';

export interface UndoOptions {
  readonly run?: string;
  readonly user?: string;
  readonly instance?: string;
  readonly force: boolean;
  readonly rows: number;
}

const n = (value: number): string => value.toLocaleString('en-US');

/** The undo plan as the admin reads it before the run report: what is put back, per user, and any drift. */
export function undoPlanLines(outcome: UndoPlanned, scope: UndoScope, rows: number): string[] {
  const what = scope.kind === 'run' ? `run ${scope.runId}` : `user ${scope.username} on ${outcome.instance}`;
  const lines: string[] = [];
  const { plan } = outcome;
  if (plan === null || outcome.planId === null) {
    lines.push(`Nothing to undo for ${what}: none of Seatkeeper's changes there is still in effect.`);
  } else {
    lines.push(`Undo plan ${outcome.planId} for ${plan.instance}: puts back ${plan.undoOf.map((r) => `run ${r}`).join(', ')}`);
    const stepCounts = new Map<string, number>();
    for (const row of plan.rows) for (const step of row.steps) stepCounts.set(step.kind, (stepCounts.get(step.kind) ?? 0) + 1);
    lines.push(`  users ${n(plan.rows.length)} · steps: ${[...stepCounts].map(([k, c]) => `${k} ${n(c)}`).join(', ')}`);
    const drifted = outcome.drifted.length;
    if (drifted > 0) lines.push(`  ${n(drifted)} ${drifted === 1 ? 'user' : 'users'} changed by hand since: ${outcome.drifted.slice(0, 20).join(', ')}${drifted > 20 ? ', …' : ''}`);
    lines.push('');
    for (const row of plan.rows.slice(0, rows)) {
      lines.push(`  ${row.username.padEnd(22)} ${row.reason.text}`);
      lines.push(`  ${''.padEnd(22)} → ${row.steps.map(describeStep).join('; ')}`);
      for (const note of row.notes) lines.push(`  ${''.padEnd(22)} ! ${note}`);
    }
    if (plan.rows.length > rows) lines.push(`  … and ${n(plan.rows.length - rows)} more (--rows N, or --json for all)`);
  }
  const leftAlone = new Map<string, string[]>();
  for (const left of outcome.leftAlone) leftAlone.set(left.username, [...(leftAlone.get(left.username) ?? []), left.text]);
  for (const [username, texts] of [...leftAlone].slice(0, rows)) lines.push(`  left alone: ${username}: ${texts.join('; ')}`);
  if (leftAlone.size > rows) lines.push(`  … and ${n(leftAlone.size - rows)} more users left alone`);
  if (!outcome.verdict.ok) lines.push('', `Refused by ${outcome.verdict.guard}: ${outcome.verdict.message}`);
  return lines;
}

export async function undoCommand(ctx: CommandContext, options: UndoOptions): Promise<number> {
  const scope: UndoScope | null =
    options.run !== undefined && options.user === undefined
      ? { kind: 'run', runId: options.run }
      : options.user !== undefined && options.run === undefined
        ? { kind: 'user', username: options.user }
        : null;
  if (scope === null) {
    throw new InvalidInput('undo needs one of --run and --user', ['--run RUN puts back one run (run ids are printed by apply and undo)', '--user NAME puts back every change to one user']);
  }
  const instance = scope.kind === 'run'
    ? resolveInstance(ctx.config, await instanceOfRun(ctx.store, scope.runId, options.instance))
    : resolveInstance(ctx.config, options.instance);
  return withExecutor(ctx, instance, { label: 'undo', sendNotices: false }, async (deps) => {
    const outcome = await undoRun(
      deps,
      { instance, scope, force: options.force, actor: ctx.actor, limits: limitsOf(ctx.config), protection: protectionOf(ctx.config) },
    );
    ctx.progress.finish();
    if (ctx.json) ctx.printJson(outcome);
    else ctx.print([...undoPlanLines(outcome, scope, options.rows), ...(outcome.report === null ? [] : ['', ...runLines(outcome.report)])]);
    const v = outcome.verdict;
    if (!v.ok) throw new GuardTripped(v.message, v.guard, v.count, v.limit);
    if (outcome.report === null) return EXIT.done;
    return outcome.report.status === 'done' ? EXIT.done : EXIT.failures;
  });
}
