/** `seatkeeper undo --run RUN | --user NAME`: puts back what Seatkeeper changed, as a journaled run of its own. */

import { progressFor, type CommandContext } from './command-context.ts';
import type { UndoScope } from '../domain/undo-planner.ts';
import { instanceOfRun, undoRun, type UndoPlanned } from '../app/undo-run.ts';
import type { UndoAccountSource } from '../app/undo-account.ts';
import { describeStep } from '../domain/action-step.ts';
import { InvalidInput } from '../domain/errors.ts';
import { escapeControl } from '../app/instance-check.ts';
import { runLines } from './plan-printer.ts';
import { EXIT } from './exit-codes.ts';
import { audited } from '../app/audit-trail.ts';
import { cliActor } from './cli-audit.ts';

export interface UndoOptions {
  readonly run?: string;
  readonly user?: string;
  readonly instance?: string;
  readonly force: boolean;
  readonly rows: number;
}

const n = (value: number): string => value.toLocaleString('en-US');

/** How `undo --user` found the account, as the admin reads it. */
const FOUND_BY: Readonly<Record<UndoAccountSource, string>> = {
  scan: 'the newest scan lists it under that name',
  memory: "Seatkeeper's memory of users has it under that name",
  journal: 'the journal changed it under that name, or renamed it to it',
  none: 'nothing knows the name',
};

/** Users and steps the undo left out, and why, with the flag that includes them; the output ends with these. */
function leftOutLines(outcome: UndoPlanned, rows: number): string[] {
  const lines: string[] = [];
  if (!outcome.forced && outcome.drifted.length > 0) {
    const count = outcome.drifted.length;
    lines.push('', `${n(count)} ${count === 1 ? 'user was' : 'users were'} changed by hand since Seatkeeper's change and left out (nothing of theirs is undone):`);
    for (const user of outcome.drifted.slice(0, rows)) lines.push(`  ${escapeControl(user.username)}: ${user.changes.map(escapeControl).join('; ')}`);
    if (count > rows) lines.push(`  … and ${n(count - rows)} more (--rows N, or --json for all)`);
  }
  if (outcome.held.length > 0) {
    lines.push('', `${n(outcome.held.length)} ${outcome.held.length === 1 ? 'step' : 'steps'} left out (giving administration, or not possible to put back as it was), each with why:`);
    for (const held of outcome.held.slice(0, rows)) lines.push(`  ${escapeControl(held.username)}: ${escapeControl(held.text)}`);
    if (outcome.held.length > rows) lines.push(`  … and ${n(outcome.held.length - rows)} more (--rows N, or --json for all)`);
  }
  if (lines.length > 0) lines.push('', 'Check them, then undo again with --force to include them.');
  return lines;
}

/** The undo plan as the admin reads it before the run report: what is put back, per user, and any drift. */
export function undoPlanLines(outcome: UndoPlanned, scope: UndoScope, rows: number): string[] {
  const what = scope.kind === 'run' ? `run ${scope.runId}` : `user ${escapeControl(scope.username)} on ${outcome.instance}`;
  const lines: string[] = [];
  const { account } = outcome;
  if (account !== undefined && account.userKey !== null) lines.push(`User ${escapeControl(account.username)} is account ${escapeControl(account.userKey)} (${FOUND_BY[account.foundBy]}): its changes under every name it had.`);
  const { plan } = outcome;
  const leftOut = (!outcome.forced && outcome.drifted.length > 0) || outcome.held.length > 0;
  if (plan === null || outcome.planId === null) {
    lines.push(leftOut ? `Nothing undone for ${what}: every change still in effect was left out (below).` : `Nothing to undo for ${what}: none of Seatkeeper's changes there is still in effect.`);
  } else {
    lines.push(`Undo plan ${outcome.planId} for ${plan.instance}: puts back ${plan.undoOf.map((r) => `run ${r}`).join(', ')}`);
    const stepCounts = new Map<string, number>();
    for (const row of plan.rows) for (const step of row.steps) stepCounts.set(step.kind, (stepCounts.get(step.kind) ?? 0) + 1);
    lines.push(`  users ${n(plan.rows.length)} · steps: ${[...stepCounts].map(([k, c]) => `${k} ${n(c)}`).join(', ')}`);
    if (outcome.forced && outcome.drifted.length > 0) {
      const names = outcome.drifted.map((d) => escapeControl(d.username));
      lines.push(`  ${n(names.length)} ${names.length === 1 ? 'user' : 'users'} changed by hand since, overwritten (forced): ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}`);
    }
    lines.push('');
    for (const row of plan.rows.slice(0, rows)) {
      lines.push(`  ${escapeControl(row.username).padEnd(22)} ${escapeControl(row.reason.text)}`);
      lines.push(`  ${''.padEnd(22)} → ${escapeControl(row.steps.map(describeStep).join('; '))}`);
      for (const note of row.notes) lines.push(`  ${''.padEnd(22)} ! ${escapeControl(note)}`);
    }
    if (plan.rows.length > rows) lines.push(`  … and ${n(plan.rows.length - rows)} more (--rows N, or --json for all)`);
  }
  const leftAlone = new Map<string, string[]>();
  for (const left of outcome.leftAlone) leftAlone.set(left.username, [...(leftAlone.get(left.username) ?? []), left.text]);
  for (const [username, texts] of [...leftAlone].slice(0, rows)) lines.push(`  left alone: ${escapeControl(username)}: ${escapeControl(texts.join('; '))}`);
  if (leftAlone.size > rows) lines.push(`  … and ${n(leftAlone.size - rows)} more users left alone`);
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
    ? ctx.runtime.resolveInstance(await instanceOfRun(ctx.runtime.store, scope.runId, options.instance))
    : ctx.runtime.resolveInstance(options.instance);
  return ctx.runtime.withRunDeps(instance, { sendNotices: false, log: ctx.note, progress: progressFor(ctx, 'undo') }, async (deps) => {
    const target = scope.kind === 'run' ? scope.runId : `${instance}/${scope.username}`;
    const outcome = await audited(ctx.runtime, cliActor(ctx), { action: scope.kind === 'run' ? 'run.undo' : 'user.undo', target, detail: { force: options.force } }, () =>
      undoRun(deps, { instance, scope, force: options.force, actor: ctx.actor, limits: ctx.runtime.limits, protection: ctx.runtime.protection }),
      (o) => ({ undoPlanId: o.planId, runId: o.report?.runId ?? null, status: o.report?.status ?? null }),
    );
    ctx.progress.finish();
    if (ctx.json) ctx.printJson(outcome);
    else {
      const report = outcome.report === null ? [] : ['', ...runLines(outcome.report)];
      ctx.print([...undoPlanLines(outcome, scope, options.rows), ...report, ...leftOutLines(outcome, options.rows)]);
    }
    if (outcome.report !== null && outcome.report.status !== 'done') return EXIT.failures;
    // Users or steps a guard left out: the rest ran, but the undo is not complete until someone looks at them.
    const leftOut = (!outcome.forced && outcome.drifted.length > 0) || outcome.held.length > 0;
    return leftOut ? EXIT.guard : EXIT.done;
  });
}
