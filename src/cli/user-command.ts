/**
 * `seatkeeper user change`: plan changes asked for by hand (one user from flags, a CSV or JSON file, or an e-mail
 * domain move), print a verdict per request and the plan; with --yes apply it at once, else apply it later with
 * `apply --plan ID` like any plan (so it is journaled, resumable and undoable).
 */

import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { progressFor, type CommandContext } from './command-context.ts';
import { provenActor } from './proven-actor.ts';
import { emailDomainMoveRequests, planAndApplyUserChanges, planUserChanges, type UserChangesOutcome } from '../app/user-changes.ts';
import { parseChangeFile } from '../app/user-change-file.ts';
import type { UserChangeRequest } from '../domain/user-changes.ts';
import { describeStep } from '../domain/action-step.ts';
import { InvalidInput } from '../domain/errors.ts';
import { heldPlanError, holdOf } from '../app/plan-guards.ts';
import { planLines } from './plan-printer.ts';
import { printRun } from './apply-command.ts';
import { withInterrupt } from './interrupt-signal.ts';
import { EXIT } from './exit-codes.ts';

export interface UserChangeOptions {
  readonly instance?: string;
  readonly user?: string;
  readonly removeGroup?: string[];
  readonly removeAllGroups?: boolean;
  readonly addGroup?: string[];
  readonly setGroups?: string[];
  readonly deactivate?: boolean;
  readonly reactivate?: boolean;
  readonly email?: string;
  readonly displayName?: string;
  readonly renameTo?: string;
  readonly file?: string;
  /** `OLD=NEW`: every address of domain OLD moves to NEW. */
  readonly emailDomain?: string;
  readonly validOnly?: boolean;
  readonly dryRun?: boolean;
  readonly yes?: boolean;
  readonly rows: number;
}

/** The one request the flags describe. */
function flagRequest(username: string, o: UserChangeOptions): UserChangeRequest {
  if (o.removeAllGroups === true && (o.removeGroup ?? []).length > 0) {
    throw new InvalidInput('--remove-all-groups and --remove-group ask two things', ['give one of them']);
  }
  return {
    username,
    ...(o.removeAllGroups === true ? { removeGroups: 'all' } : o.removeGroup !== undefined ? { removeGroups: o.removeGroup } : {}),
    ...(o.addGroup !== undefined ? { addGroups: o.addGroup } : {}),
    ...(o.setGroups !== undefined ? { setGroups: o.setGroups.flatMap((g) => g.split(',')).map((g) => g.trim()).filter((g) => g !== '') } : {}),
    ...(o.deactivate === true ? { deactivate: true } : {}),
    ...(o.reactivate === true ? { reactivate: true } : {}),
    ...(o.email !== undefined ? { email: o.email } : {}),
    ...(o.displayName !== undefined ? { displayName: o.displayName } : {}),
    ...(o.renameTo !== undefined ? { renameTo: o.renameTo } : {}),
  };
}

const CHANGE_FLAGS: readonly (keyof UserChangeOptions)[] = ['removeGroup', 'removeAllGroups', 'addGroup', 'setGroups', 'deactivate', 'reactivate', 'email', 'displayName', 'renameTo'];

/** The requests the options ask for: exactly one of --user with change flags, --file, --email-domain. */
async function requestsOf(ctx: CommandContext, instance: string, o: UserChangeOptions): Promise<UserChangeRequest[]> {
  const sources = [o.user, o.file, o.emailDomain].filter((s) => s !== undefined).length;
  const flags = CHANGE_FLAGS.some((flag) => o[flag] !== undefined && o[flag] !== false);
  if (sources !== 1 || (flags && o.user === undefined)) {
    throw new InvalidInput('user change needs one of --user, --file and --email-domain', [
      '--user NAME with change flags (--remove-group, --add-group, --set-groups, --deactivate, --email, …)',
      '--file FILE: a .csv (header: username,removeGroups,removeAllGroups,addGroups,setGroups,deactivate,reactivate,email,displayName,renameTo) or a .json list',
      '--email-domain OLD=NEW: move every e-mail address of domain OLD to NEW',
    ]);
  }
  if (o.user !== undefined) {
    if (!flags) throw new InvalidInput(`no change asked for user ${o.user}`, ['give --remove-group, --add-group, --deactivate, --email or another change flag']);
    return [flagRequest(o.user, o)];
  }
  if (o.file !== undefined) {
    const format = extname(o.file).toLowerCase() === '.json' ? 'json' : 'csv';
    return parseChangeFile(await readFile(o.file, 'utf8'), format);
  }
  const [from = '', to = '', ...rest] = (o.emailDomain ?? '').split('=');
  if (from === '' || to === '' || rest.length > 0) throw new InvalidInput('--email-domain takes OLD=NEW', ['e.g. --email-domain old.example=new.example']);
  return emailDomainMoveRequests({ store: ctx.runtime.store }, { instance, from, to });
}

/** One line per request: ok with its steps (or nothing to do), or refused with every reason. */
export function verdictLines(outcome: UserChangesOutcome, rows: number): string[] {
  const lines = [`${outcome.verdicts.length} requests checked against scan ${outcome.scanId} of ${outcome.instance}: ${outcome.verdicts.length - outcome.refused} ok, ${outcome.refused} refused`];
  const shown = [...outcome.verdicts].sort((a, b) => (a.status === b.status ? a.index - b.index : a.status === 'refused' ? -1 : 1)).slice(0, rows);
  for (const v of shown) {
    const what = v.status === 'refused' ? v.reasons.join('; ') : v.steps.length > 0 ? v.steps.map(describeStep).join('; ') : 'nothing to change';
    lines.push(`  ${v.status.padEnd(8)} #${String(v.index + 1).padEnd(5)} ${v.username.padEnd(22)} ${what}`);
    for (const note of v.notes) lines.push(`  ${''.padEnd(38)} ! ${note}`);
  }
  if (outcome.verdicts.length > shown.length) lines.push(`  … and ${outcome.verdicts.length - shown.length} more (--rows N, or --json for all)`);
  if (outcome.notPlanned !== null) lines.push('', `Nothing planned: ${outcome.notPlanned}.`);
  return lines;
}

function printOutcome(ctx: CommandContext, outcome: UserChangesOutcome, rows: number, applying: boolean): void {
  if (ctx.json) return;
  const plan = outcome.planned === null ? [] : ['', ...planLines({ ...outcome.planned, limits: ctx.runtime.limits, pending: [], rows, cli: ctx.cli, applying })];
  ctx.print([...verdictLines(outcome, rows), ...plan]);
}

export async function userChangeCommand(ctx: CommandContext, options: UserChangeOptions): Promise<number> {
  if (options.dryRun === true && options.yes === true) throw new InvalidInput('--dry-run and --yes contradict each other', ['--dry-run (the default) plans and shows; --yes also applies']);
  const { runtime } = ctx;
  const instance = runtime.resolveInstance(options.instance);
  const requests = await requestsOf(ctx, instance, options);
  const actor = await provenActor(ctx, 'making a plan');
  const input = { instance, requests, protection: runtime.protection, limits: runtime.limits, actor, validOnly: options.validOnly === true };
  if (options.yes !== true) {
    const outcome = await planUserChanges({ store: runtime.store, clock: runtime.clock }, input);
    if (ctx.json) ctx.printJson(outcome);
    printOutcome(ctx, outcome, options.rows, false);
    if (outcome.planned === null) return outcome.refused > 0 ? EXIT.badInput : EXIT.done;
    return outcome.planned.verdict.ok ? EXIT.done : EXIT.guard;
  }
  return runtime.withRunDeps(instance, { sendNotices: false, log: ctx.note, progress: progressFor(ctx, 'apply') }, (deps) =>
    withInterrupt(ctx.note, async (interrupt) => {
      const outcome = await planAndApplyUserChanges({ ...deps, interrupt: interrupt.signal, onPlanned: (o) => printOutcome(ctx, o, options.rows, true) }, input);
      if (outcome.planned === null) {
        if (ctx.json) ctx.printJson(outcome);
        return outcome.refused > 0 ? EXIT.badInput : EXIT.done;
      }
      const hold = holdOf(outcome.planned.verdict);
      if (hold !== null) throw heldPlanError(outcome.planned.planId, outcome.planned.status, hold);
      if (ctx.json) {
        // The verdicts with the run, in one document.
        ctx.printJson(outcome);
        if (outcome.report === null || outcome.report.interrupted === true) return EXIT.interrupted;
        return outcome.report.status === 'done' ? EXIT.done : EXIT.failures;
      }
      if (outcome.report === null) {
        ctx.print([`Interrupted before anything was applied. Plan ${outcome.planned.planId} is stored: apply it with ${ctx.cli} apply --plan ${outcome.planned.planId}`]);
        return EXIT.interrupted;
      }
      return printRun(ctx, outcome.report);
    }),
  );
}
