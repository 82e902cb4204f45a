/**
 * One plan row through the journal: read the user, then per step claim (or reuse an earlier entry), decide, send,
 * settle. Shared by apply and resume so a first run and a resumed one follow the same rules.
 */

import type { AccountState, InstanceConnector } from './instance-port.ts';
import { isUnresolvedAccountId, unresolvedAccountId, type AccountRef } from '../domain/account.ts';
import type { InstanceCapabilities } from '../domain/instance-capabilities.ts';
import type { Store } from './store-port.ts';
import type { Clock } from './clock.ts';
import type { ActionStep, PlanRow } from '../domain/plan.ts';
import type { JournalEntry, StepOutcome, UserState } from '../domain/journal.ts';
import type { Protection } from '../domain/policy.ts';
import { applyStep, directApplicationsOf } from '../domain/action-step.ts';
import { decideStep } from '../domain/step-reconciliation.ts';
import { NotDirectMember, UnaddressableName, WriteRefused } from './connector-error.ts';
import { NameSet, sameName } from '../domain/names.ts';
import { GuardTripped } from '../domain/errors.ts';
import { unableReason } from '../domain/step-capability.ts';

/** How a step can end. */
export type SettledOutcome = Exclude<StepOutcome, 'planned' | 'claimed'>;

/** Why later steps of a user are skipped after one failed: resume retries entries skipped for this reason. */
export const EARLIER_STEP_FAILED = 'an earlier step for this user failed';

/** How the reason of a step that cannot succeed begins (UnaddressableName's message begins so too). */
const NOT_POSSIBLE = 'not possible: ';

/** Why later steps of a user are skipped after one was not possible; final (resume leaves them). */
export const EARLIER_STEP_NOT_POSSIBLE = `${NOT_POSSIBLE}an earlier step for this user was not possible`;

/** Whether a journal entry is a step skipped for good because it could not succeed (refused, or not addressable). */
export function isNotPossible(entry: Pick<JournalEntry, 'outcome' | 'error'>): boolean {
  return entry.outcome === 'skipped' && entry.error !== null && entry.error.startsWith(NOT_POSSIBLE) && entry.error !== EARLIER_STEP_NOT_POSSIBLE;
}

/** Individual permissions that make a user an administrator: such a user is never changed. */
const ADMIN_PERMISSIONS = ['system/administer', 'application/administer'];

/**
 * What running a row needs; `onSettled` sees every step's outcome once it is written, with the error of a failed one
 * (the run's failure-rate brake, and its stop when the circuit breaker gave up).
 */
export interface RowRunnerContext {
  readonly store: Store;
  readonly connector: InstanceConnector;
  readonly clock: Clock;
  readonly runId: string;
  /** The application a use-grant step revokes or grants individually (read from the instance when the run starts). */
  readonly application: string;
  /** What the instance can do, as its probe read it when the run started: a step it cannot take is never sent. */
  readonly capabilities: InstanceCapabilities;
  /** The account Seatkeeper connects as, which is never changed. */
  readonly connectedAs: string;
  readonly protection: Protection;
  /**
   * Groups that give administration now (read from the instance when the run starts or resumes): a member is never
   * changed, whatever the plan's scan said. Absent: only the protected groups and individual grants are checked.
   */
  readonly adminGroups?: NameSet;
  /** The protected groups and every group nested inside them, read when the run starts; absent: the configured names only. */
  readonly protectedGroups?: NameSet;
  /**
   * The plan's groups that give "can use": a row meant to free a seat is re-read after its steps, and a user still in
   * one of them (or still granted individually) is reported as failed, never counted freed. Absent: no check.
   */
  readonly seatGroups?: NameSet;
  /**
   * Per application key, its name and the groups granting it (the plan's `applications`): a row that frees only some
   * applications is checked against their groups alone. Absent: `seatGroups` for every row.
   */
  readonly applicationGroups?: ReadonlyMap<string, { readonly name: string; readonly groups: readonly string[] }>;
  readonly signal?: AbortSignal;
  onSettled(outcome: SettledOutcome, error?: unknown): void;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** True when an entry is settled for good: resume leaves it as it is. */
export function isFinal(entry: JournalEntry): boolean {
  if (entry.outcome === 'done' || entry.outcome === 'already-done') return true;
  return entry.outcome === 'skipped' && entry.error !== EARLIER_STEP_FAILED;
}

/**
 * Runs one row. `existing` holds the row's entries from an earlier attempt of the same run (empty on a first apply):
 * final ones are left alone, claimed ones are reconciled against the user's current state, failed ones retried.
 */
export async function runPlanRow(ctx: RowRunnerContext, row: PlanRow, existing: ReadonlyMap<number, JournalEntry> = new Map()): Promise<void> {
  const { store, connector, clock, signal } = ctx;
  const settle = async (entryId: number, outcome: SettledOutcome, reason: string | null, error?: unknown): Promise<void> => {
    await store.journal.settle(entryId, outcome, reason, clock.now());
    ctx.onSettled(outcome, error);
  };
  const pending = [...row.steps.entries()].filter(([seq]) => {
    const entry = existing.get(seq);
    return entry === undefined || !isFinal(entry);
  });
  const check = existing.get(row.steps.length);
  // A row whose steps are all final is done with, unless its seat check failed before: that is looked at again.
  if (pending.length === 0 && (check === undefined || isFinal(check))) return;

  let state: UserState | null;
  try {
    state = await readPlannedAccount(connector, row, signal);
  } catch (error) {
    for (const [seq, step] of pending) {
      const id = await claimOrReuse(ctx, row, seq, step, existing.get(seq), null);
      await settle(id.entryId, 'failed', `could not read the user before changing it: ${message(error)}`, error);
    }
    return;
  }
  let blocked = blockedReason(ctx, row, state);
  const settled = new Map<number, { entryId: number; outcome: SettledOutcome }>();
  for (const [seq, entry] of existing) {
    if (entry.outcome === 'done' || entry.outcome === 'already-done' || entry.outcome === 'skipped') settled.set(seq, { entryId: entry.id, outcome: entry.outcome });
  }
  // Another account behind the name: nothing is settled on its state (a step it "already holds" was never ours).
  const stranger = state !== null && otherAccount(row, state) ? blocked : null;
  for (const [seq, step] of pending) {
    const { entryId, prior, maybeSent } = await claimOrReuse(ctx, row, seq, step, existing.get(seq), state);
    if (stranger !== null) {
      await settle(entryId, 'skipped', stranger);
      settled.set(seq, { entryId, outcome: 'skipped' });
      continue;
    }
    const decision = decideStep({ step, prior, current: state, blocked, maybeSent });
    if (decision.action === 'settle') {
      await settle(entryId, decision.outcome, decision.reason);
      settled.set(seq, { entryId, outcome: decision.outcome });
      if (decision.outcome === 'done' && state !== null) state = applyStep(step, state);
      continue;
    }
    // Whatever the plan says (a forged journal row, an undo of a group nested under the administrators' since): no
    // one is made administrator by Seatkeeper.
    if (step.kind === 'add-group' && ctx.adminGroups?.has(step.group) === true) {
      await settle(entryId, 'skipped', `${NOT_POSSIBLE}${step.group} gives administration now, and Seatkeeper never adds anyone to it: add the user in ${ctx.capabilities.productName} if that is intended`);
      blocked = EARLIER_STEP_NOT_POSSIBLE;
      continue;
    }
    // A plan made on an older scan, or an undo, may hold a step the instance (as read when the run started) cannot do.
    const unable = unableReason(ctx.capabilities, step);
    if (unable !== null) {
      await settle(entryId, 'skipped', `${NOT_POSSIBLE}${unable}`);
      blocked = EARLIER_STEP_NOT_POSSIBLE;
      continue;
    }
    try {
      // Addressed by its id, under the name it has now: a rename since the plan leaves it the same account.
      const addressed = state?.username ?? row.username;
      await sendStep(connector, { accountId: accountOf(row).accountId, username: addressed }, step, ctx.application, signal);
      if (state !== null) state = applyStep(step, state);
      // Read back: the write must have reached the planned account, not one a proxy or a rename put behind the name.
      // A rename's own write leaves the account under its new name.
      const changed = await wrongAccountAfterWrite(ctx, row, step.kind === 'rename' ? step.to : addressed);
      if (changed !== null) {
        await settle(entryId, 'failed', changed);
        blocked = changed;
        continue;
      }
      await settle(entryId, 'done', null);
      settled.set(seq, { entryId, outcome: 'done' });
    } catch (error) {
      const notPossible = await notPossibleReason(ctx, step, error);
      if (notPossible !== null) {
        // The instance understood and refused: trying again tomorrow changes nothing, so it is not a failure to brake on.
        await settle(entryId, 'skipped', notPossible);
        blocked = EARLIER_STEP_NOT_POSSIBLE;
        continue;
      }
      await settle(entryId, 'failed', message(error), error);
      blocked = EARLIER_STEP_FAILED;
    }
  }
  await verifySeatFreed(ctx, row, settled, check);
}

/** The account a row is about; a row planned without a user key stands for its username until a scan resolves it. */
export function accountOf(row: Pick<PlanRow, 'username' | 'userKey'>): AccountRef {
  return { accountId: row.userKey === '' ? unresolvedAccountId(row.username) : row.userKey, username: row.username };
}

/** The account's state in the journal's terms: its individual grants as one use grant, its key as the user key. */
export function toUserState(state: AccountState, username: string): UserState {
  return {
    username: state.username ?? username,
    userKey: state.accountId,
    status: state.status,
    displayName: state.displayName,
    email: state.email,
    groups: state.groups,
    useGrant: state.directApplications.length > 0,
    directApplications: [...state.directApplications].sort(),
    otherPermissions: state.otherPermissions,
  };
}

/** Reads the account's current state in the journal's terms; null when it no longer exists. */
export async function readUserState(connector: InstanceConnector, account: AccountRef, signal?: AbortSignal): Promise<UserState | null> {
  const state = await connector.readAccountState(account, signal);
  return state === null ? null : toUserState(state, account.username ?? account.accountId);
}

/**
 * The planned account's state, read by its id. When the id no longer leads to an account, the name is read too: an
 * account found there is another person's, which the row then says (and never settles anything on).
 */
async function readPlannedAccount(connector: InstanceConnector, row: PlanRow, signal?: AbortSignal): Promise<UserState | null> {
  const account = accountOf(row);
  const byId = await readUserState(connector, account, signal);
  if (byId !== null || isUnresolvedAccountId(account.accountId)) return byId;
  return readUserState(connector, { accountId: unresolvedAccountId(row.username), username: row.username }, signal);
}

/** Whether the account read is another than the one planned (the planned userKey is known and differs). */
function otherAccount(row: PlanRow, state: UserState): boolean {
  return row.userKey !== '' && state.userKey !== undefined && state.userKey !== row.userKey;
}

/**
 * Why the user must not be changed now, or null. Names are compared case-insensitively, as Confluence does; the account
 * must be the one the plan was made for (a user deleted and created again under the same name is another person).
 */
function blockedReason(ctx: RowRunnerContext, row: PlanRow, state: UserState | null): string | null {
  if (state === null) return 'the user no longer exists';
  if (otherAccount(row, state)) {
    return `${row.username} is now another account (userKey ${state.userKey ?? ''}, planned ${row.userKey}): left alone; plan again`;
  }
  // The account may carry another name than the plan's by now (a rename since): both names are judged.
  if (sameName(row.username, ctx.connectedAs) || sameName(state.username, ctx.connectedAs)) return 'the account Seatkeeper connects as is never changed';
  const protectedGroups = ctx.protectedGroups ?? new NameSet(ctx.protection.groups);
  const protectedUsers = new NameSet(ctx.protection.users);
  if (state.groups.some((g) => protectedGroups.has(g)) || protectedUsers.has(row.username) || protectedUsers.has(state.username)) {
    return 'the user is protected now';
  }
  const adminGroup = state.groups.find((g) => ctx.adminGroups?.has(g) === true);
  if (adminGroup !== undefined) return `the user is protected now: member of ${adminGroup}, which gives administration`;
  // Read before every change: the permissions list may not name individually granted administrators (undocumented).
  if (state.otherPermissions.some((p) => ADMIN_PERMISSIONS.includes(p))) return 'the user is protected now: holds administration individually';
  return null;
}

/**
 * After a write, reads the planned account again and says what is wrong when it is gone, when another account answers
 * for it, or when it no longer has the name the write was addressed to (renamed meanwhile: the name may lead to someone
 * else); null when it is the planned account under that name. A failed read is not proof of a wrong account: the step
 * went out and the seat check and undo look again.
 */
async function wrongAccountAfterWrite(ctx: RowRunnerContext, row: PlanRow, addressed: string): Promise<string | null> {
  if (row.userKey === '') return null;
  let after: UserState | null;
  try {
    after = await readUserState(ctx.connector, accountOf(row), ctx.signal);
  } catch {
    return null;
  }
  if (after === null) return `read again after the change, ${row.username} does not exist: check by hand which account was changed`;
  if (otherAccount(row, after)) {
    return `read again after the change, ${row.username} is another account (userKey ${after.userKey ?? ''}, planned ${row.userKey}): ` +
      'check by hand which account was changed';
  }
  if (!sameName(after.username, addressed)) {
    return `read again after the change, the planned account is now named ${after.username}, not ${addressed} as the change was addressed: ` +
      'check by hand which account was changed';
  }
  return null;
}

/**
 * Groups that give administration now: those the instance grants it to and every group nested inside them (at any
 * depth, cycles tolerated). Read once per run and resume, so a user made administrator after the scan is left alone.
 */
export async function readAdminGroups(connector: InstanceConnector, signal?: AbortSignal): Promise<NameSet> {
  return (await readLiveAccess(connector, signal)).adminGroups;
}

/**
 * What a run reads from the instance when it starts: the groups that give administration now (readAdminGroups), and
 * the application a use-grant step is about (the instance's first; Confluence has one).
 */
export async function readLiveAccess(connector: InstanceConnector, signal?: AbortSignal): Promise<{ adminGroups: NameSet; application: string }> {
  const access = await connector.readAccess(signal);
  const adminGroups = await readNestedGroups(connector, access.adminGroups, signal);
  return { adminGroups, application: access.applications[0]?.key ?? '' };
}

/** The given groups and every group nested inside them, read live (cycles tolerated); refused past MAX_NESTED_GROUPS. */
export async function readNestedGroups(connector: InstanceConnector, roots: readonly string[], signal?: AbortSignal): Promise<NameSet> {
  const found = new NameSet();
  const stack = [...roots];
  while (stack.length > 0) {
    const group = stack.pop() ?? '';
    if (found.has(group)) continue;
    // Cut short, the set would leave someone out: nobody is changed on a partial answer.
    if (found.size >= MAX_NESTED_GROUPS) {
      throw new GuardTripped(
        `more than ${MAX_NESTED_GROUPS} groups are nested under ${roots.join(', ')}: Seatkeeper cannot tell whom they protect, so the run does not start`,
        'run.nestedGroups',
        found.size,
        MAX_NESTED_GROUPS,
      );
    }
    found.add(group);
    try {
      for await (const nesting of connector.listChildGroups(group, signal)) if (!found.has(nesting.child)) stack.push(nesting.child);
    } catch (error) {
      // A name that cannot be addressed keeps its own protection; nested groups under it are not known.
      if (!(error instanceof UnaddressableName)) throw error;
    }
  }
  return found;
}

/** Groups a run reads at most under the administrators' and the protected groups. */
const MAX_NESTED_GROUPS = 10_000;

/**
 * The row's reason when a step cannot succeed however often it is tried, or null for a failure worth retrying. A group
 * whose membership the instance refused to change is remembered, so later scans treat it as not writable through
 * the instance and plans stop proposing it.
 */
async function notPossibleReason(ctx: RowRunnerContext, step: ActionStep, error: unknown): Promise<string | null> {
  // Its message starts with the same words.
  if (error instanceof UnaddressableName) return error.message;
  if (!(error instanceof WriteRefused)) return null;
  // Not a refusal of the group: the membership is held through a nested group, which the step cannot remove.
  if (error instanceof NotDirectMember) return `${NOT_POSSIBLE}${error.message}`;
  // Only a refused removal, answered 403 or 400, marks the group: that is how a read-only directory's group answers,
  // whereas a refused add (a full licence, a tracking group) says nothing about removing members.
  if (step.kind === 'remove-group' && (error.status === 403 || error.status === 400)) {
    await ctx.store.unwritableGroups.remember({ instance: ctx.connector.instance, group: step.group, message: error.message, at: ctx.clock.now() });
    return `${NOT_POSSIBLE}${error.message}; group ${step.group} is remembered as not writable through ${ctx.capabilities.productName}: change it in its directory ` +
      `(seatkeeper instance forget-group ${step.group} once it is writable)`;
  }
  return `${NOT_POSSIBLE}${error.message}`;
}

/**
 * After a row that was to free a seat, reads the user again: a seat counts as freed only when the user holds no
 * "can use" any more. One who still does gets a failed `confirm-seat-freed` entry naming what still grants it (the
 * change entries stay as they are: they went out, and undo needs them). A resume checks again and settles it.
 */
async function verifySeatFreed(
  ctx: RowRunnerContext,
  row: PlanRow,
  settled: ReadonlyMap<number, { entryId: number; outcome: SettledOutcome }>,
  earlier: JournalEntry | undefined,
): Promise<void> {
  const seatGroups = ctx.seatGroups;
  if (seatGroups === undefined || row.reason.rule === 'undo') return;
  if (earlier !== undefined && isFinal(earlier)) return;
  // A row planned per application frees those applications' seats: groups of an application it keeps may stay.
  const targets = row.freesApplications === undefined ? null : ctx.applicationGroups;
  const freed = (row.freesApplications ?? []).map((key) => ({ key, groups: targets?.get(key)?.groups ?? [], name: targets?.get(key)?.name ?? key }));
  const checked = targets === null || targets === undefined ? seatGroups : new NameSet(freed.flatMap((a) => a.groups));
  const freesSeat = row.steps.some((step) => step.kind === 'revoke-use-grant' || step.kind === 'revoke-application' || (step.kind === 'remove-group' && checked.has(step.group)));
  if (!freesSeat) return;
  // Only a row whose every step went through is checked: a failed or skipped one is reported already.
  for (let seq = 0; seq < row.steps.length; seq += 1) {
    const outcome = settled.get(seq)?.outcome;
    if (outcome !== 'done' && outcome !== 'already-done') return;
  }
  const step: ActionStep = { kind: 'confirm-seat-freed' };
  let after: UserState | null;
  let problem: string | null;
  try {
    after = await readUserState(ctx.connector, accountOf(row), ctx.signal);
    // Gone or deactivated holds no seat; an unreadable status proves nothing either way, so it does not confirm.
    const seated = after !== null && after.status !== 'disabled' ? after : null;
    const still = seated === null ? [] : seated.groups.filter((g) => checked.has(g));
    const granted =
      seated !== null && (targets === null || targets === undefined ? seated.useGrant : freed.some((a) => directApplicationsOf(seated).includes(a.key)));
    const via = [...still.map((g) => `group ${g}`), ...(granted ? ['an individual grant'] : [])].join(', ');
    const what = targets === null || targets === undefined ? '"can use"' : freed.map((a) => a.name).join(', ');
    if (via !== '') problem = `the seat was not freed: read again, ${row.username} still holds ${what} through ${via}`;
    else if (after !== null && after.status === 'unknown') problem = `the seat could not be confirmed freed: ${row.username}'s account status was unreadable`;
    else problem = null;
  } catch (error) {
    after = null;
    problem = `the seat could not be confirmed freed: reading the user again failed: ${message(error)}`;
  }
  if (problem === null && earlier === undefined) return;
  const seq = row.steps.length;
  const { entryId } = await claimOrReuse(ctx, row, seq, step, earlier, after);
  await ctx.store.journal.settle(entryId, problem === null ? 'already-done' : 'failed', problem, ctx.clock.now());
  if (problem !== null) ctx.onSettled('failed');
}

/** A claimed entry for the step: a new one, the earlier claimed one, or a failed/skipped one claimed again. */
async function claimOrReuse(
  ctx: RowRunnerContext,
  row: PlanRow,
  seq: number,
  step: ActionStep,
  entry: JournalEntry | undefined,
  state: UserState | null,
): Promise<{ entryId: number; prior: UserState | null; maybeSent: boolean }> {
  if (entry === undefined) {
    const entryId = await ctx.store.journal.claim({ runId: ctx.runId, username: row.username, userKey: row.userKey, seq, step, prior: state, at: ctx.clock.now() });
    return { entryId, prior: state, maybeSent: false };
  }
  if (entry.outcome !== 'claimed') await ctx.store.journal.reclaim(entry.id, ctx.clock.now());
  // A skipped entry never went out; a claimed or failed one may have.
  return { entryId: entry.id, prior: entry.prior ?? state, maybeSent: entry.outcome !== 'skipped' };
}

/** The one place a step becomes a connector call; `application` is the one a legacy use-grant step is about. */
export async function sendStep(connector: InstanceConnector, account: AccountRef, step: ActionStep, application: string, signal?: AbortSignal): Promise<void> {
  switch (step.kind) {
    case 'remove-group':
      return connector.removeFromGroup(account, step.group, signal);
    case 'add-group':
      return connector.addToGroup(account, step.group, signal);
    case 'revoke-use-grant':
      return connector.revokeApplication(account, application, signal, step.restore);
    case 'grant-use':
      return connector.grantApplication(account, application, signal, step.restore);
    case 'revoke-application':
      return connector.revokeApplication(account, step.application, signal, step.restore);
    case 'grant-application':
      return connector.grantApplication(account, step.application, signal, step.restore);
    case 'rename':
      return connector.rename(account, step.to, signal);
    case 'disable':
      return connector.disable(account, signal);
    case 'enable':
      return connector.enable(account, signal);
    case 'set-display-name':
      return connector.updateProfile(account, { displayName: step.displayName }, signal);
    case 'set-email':
      return connector.updateProfile(account, { email: step.email }, signal);
    case 'confirm-seat-freed':
      // A check, carried out by the runner's re-read; nothing is sent.
      return;
  }
}
