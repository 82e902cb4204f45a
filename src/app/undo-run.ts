/**
 * Use case: undo a run, or every change to one user that is still in effect. The journal gives Seatkeeper's net change
 * per field, a live read of each user finds drift (changes by hand since), and the undo is stored as a plan and run
 * through the same journaled executor as any plan, so it is itself a run: journaled, resumable and undoable.
 */

import type { SignedJournalEntry } from './store/journal-repository-port.ts';
import type { Store } from './store-port.ts';
import type { Plan } from '../domain/plan.ts';
import type { UserState } from '../domain/journal.ts';
import type { Protection } from '../domain/policy.ts';
import type { PermissionGrants } from '../domain/snapshot.ts';
import type { SafetyLimits } from '../domain/safety-guard.ts';
import {
  adminGroupsOf,
  netChanges,
  undoPlan,
  undoRows,
  type AdminGroups,
  type DriftedUser,
  type LeftAlone,
  type UndoIdentity,
  type UndoScope,
} from '../domain/undo-planner.ts';
import { InvalidInput, NotFound } from '../domain/errors.ts';
import { ConnectorError } from './connector-error.ts';
import { escapeControl } from './instance-check.ts';
import { applyPlan, type RunDeps, type RunReport } from './apply-plan.ts';
import { mapConcurrent } from './map-concurrent.ts';
import { readUserState } from './plan-row-runner.ts';
import { unresolvedAccountId } from '../domain/account.ts';
import { verifyJournalEntries, verifyPlanRecord, verifyRunRecord } from './record-signing.ts';
import type { RecordKey } from '../domain/record-signature.ts';
import { accountEntries, checkAccountEntries, resolveUndoAccount, underOneName, type UndoAccount } from './undo-account.ts';

/** What `planUndo` found and stored. */
export interface UndoPlanned {
  readonly instance: string;
  /** `null` with `plan: null` when Seatkeeper's net effect in the scope is nothing. */
  readonly planId: string | null;
  readonly plan: Plan | null;
  /** For an undo of one user: the account the username was resolved to, and how. */
  readonly account?: UndoAccount;
  /** Users changed by hand since Seatkeeper's change to a field the undo touches, and what changed; sorted. Unforced, they are left out. */
  readonly drifted: readonly DriftedUser[];
  /** Changes in the scope that are not undone, and why. */
  readonly leftAlone: readonly LeftAlone[];
  /** Undo steps left out because they would give administration; none when forced. */
  readonly held: readonly LeftAlone[];
  /** Whether drifted users and held steps were included (the request's force). */
  readonly forced: boolean;
}

/** An undo as planned, and its run unless there was nothing to do or it was refused. */
export interface UndoOutcome extends UndoPlanned {
  readonly report: RunReport | null;
}

/** Undo runs through the executor like any plan; it sends no notices. */
type UndoDeps = Omit<RunDeps, 'notices'>;

/** What to undo, on which instance, and who asks. */
export interface UndoRequest {
  readonly instance: string;
  readonly scope: UndoScope;
  /** Undo even where users drifted (overwriting the changes made by hand) and steps that give administration. */
  readonly force: boolean;
  /** Who asks for the undo: recorded on the plan. */
  readonly actor: string;
  /** Protected groups: adding anyone to them (or a group inside them) needs force, as for administrators' groups. */
  readonly protectedGroups: readonly string[];
}

/** The instance a run belongs to; refuses a different one named by the caller. */
export async function instanceOfRun(store: Store, runId: string, requested?: string): Promise<string> {
  const run = await store.journal.getRun(runId);
  if (run === null) throw new NotFound(`no run ${runId}`, { next: { kind: 'list-runs' } });
  if (requested !== undefined && requested !== run.instance) {
    throw new InvalidInput(`run ${runId} is not of instance ${requested}`, [`it ran on instance ${run.instance}`], { next: { kind: 'instance-of-run', instance: run.instance } });
  }
  return run.instance;
}

/**
 * The journal entries the net change needs, in journal order: the run's and any later run's for its users, or the
 * account's that holds the username (undo-account.ts), with that account.
 */
async function scopeEntries(store: Store, instance: string, scope: UndoScope): Promise<{ entries: SignedJournalEntry[]; account: UndoAccount | null }> {
  if (scope.kind === 'user') {
    const account = await resolveUndoAccount(store, instance, scope.username);
    return { entries: await accountEntries(store, instance, account), account };
  }
  const run = await store.journal.getRun(scope.runId);
  if (run === null) throw new NotFound(`no run ${scope.runId}`);
  const own = await store.journal.entries(run.id);
  const users = new Set(own.map((e) => e.username));
  // Later runs may have put a change back or changed it again: the net change leaves those fields alone.
  const later = (await store.journal.listRuns(instance)).filter((r) => r.id !== run.id && r.startedAt >= run.startedAt);
  const entries = [...own];
  for (const other of later) {
    for (const entry of await store.journal.entries(other.id)) if (users.has(entry.username)) entries.push(entry);
  }
  return { entries: entries.sort((a, b) => a.id - b.id), account: null };
}

/**
 * userKey and directory of each user, from the plan rows of the runs being undone: the row of the account the user's
 * changes read (`wanted`: username → that key, null when unknown), found by key under any name, else by username.
 */
async function identitiesOf(store: Store, key: RecordKey, runIds: readonly string[], wanted: ReadonlyMap<string, string | null>): Promise<Map<string, UndoIdentity>> {
  const identities = new Map<string, UndoIdentity>();
  for (const runId of runIds) {
    const run = await store.journal.getRun(runId);
    if (run !== null) verifyRunRecord(key, run);
    const stored = run === null ? null : await store.plans.get(run.planId);
    // The plan names the account (userKey) the undo must reach: believed only when Seatkeeper signed it.
    if (stored !== null) verifyPlanRecord(key, stored);
    const rows = stored?.plan.rows ?? [];
    const byKey = new Map(rows.filter((row) => row.userKey !== '').map((row) => [row.userKey, row]));
    const byName = new Map(rows.map((row) => [row.username, row]));
    for (const [username, userKey] of wanted) {
      if (identities.has(username)) continue;
      const named = byName.get(username);
      const row = (userKey === null ? undefined : byKey.get(userKey)) ?? (named !== undefined && (userKey === null || named.userKey === '' || named.userKey === userKey) ? named : undefined);
      if (row !== undefined) identities.set(username, { userKey: row.userKey, directory: row.directory });
    }
  }
  return identities;
}

/**
 * The groups an undo may not add anyone to unless forced: administrators' groups as the newest complete scan and a
 * live read of the global permissions say (either is enough; the live read may fail), and protected groups.
 */
async function adminGroupsNow(deps: UndoDeps, instance: string, protectedGroups: readonly string[]): Promise<AdminGroups> {
  const grants: Pick<PermissionGrants, 'adminGroups'>[] = [];
  const scan = await deps.store.scans.latest(instance, { status: 'complete' });
  const snapshot = scan === null ? null : await deps.store.scans.loadSnapshot(scan.id);
  if (snapshot !== null) grants.push(snapshot.grants);
  try {
    grants.push(await deps.connector.readAccess(deps.signal));
  } catch (error) {
    // The scan's grants still speak; with neither, every group addition waits for force.
    if (!(error instanceof ConnectorError)) throw error;
  }
  return adminGroupsOf({ grants, nesting: snapshot?.nesting ?? [], protectedGroups });
}

/**
 * Usernames held now, lower-cased, with the key of the holder: the newest complete scan's accounts, overlaid by the
 * accounts just read (a renamed account holds its new name, not the old one).
 */
async function takenNamesNow(deps: UndoDeps, instance: string, current: ReadonlyMap<string, UserState | null>): Promise<Map<string, string>> {
  const scan = await deps.store.scans.latest(instance, { status: 'complete' });
  const taken = new Map<string, string>();
  const readKeys = new Set([...current.values()].flatMap((s) => (s?.userKey === undefined ? [] : [s.userKey])));
  if (scan !== null) {
    for (const user of (await deps.store.scans.loadSnapshot(scan.id)).users) {
      if (!readKeys.has(user.userKey)) taken.set(user.username.toLowerCase(), user.userKey);
    }
  }
  for (const state of current.values()) if (state !== null) taken.set(state.username.toLowerCase(), state.userKey ?? '');
  return taken;
}

/**
 * The entries of one account per username. A name can pass from one account to another (a rename frees it, a new hire
 * takes it): undoing a run ignores later changes made to another account under the same name, and undoing a user's
 * changes is refused when the journal holds changes to two accounts under that name, since they cannot be put back
 * into one account. Accounts are told apart by the user key each change read before it was made.
 */
export function oneAccountPerName(entries: readonly SignedJournalEntry[], scope: UndoScope): SignedJournalEntry[] {
  const keyOf = (entry: SignedJournalEntry): string => entry.prior?.userKey ?? '';
  if (scope.kind === 'user') {
    const keys = [...new Set(entries.map(keyOf).filter((key) => key !== ''))];
    if (keys.length > 1) {
      throw new InvalidInput(
        `the journal holds changes to ${keys.length} accounts that had the name ${escapeControl(scope.username)} at different times (user keys ${keys.join(', ')}): ` +
          'they cannot be undone as one user; undo each of their runs on its own',
      );
    }
    return [...entries];
  }
  const own = new Map<string, string>();
  for (const entry of entries) if (entry.runId === scope.runId && keyOf(entry) !== '') own.set(entry.username.toLowerCase(), keyOf(entry));
  return entries.filter((entry) => {
    const key = own.get(entry.username.toLowerCase());
    return entry.runId === scope.runId || key === undefined || keyOf(entry) === '' || keyOf(entry) === key;
  });
}

/**
 * The entries the net change is taken over, and its scope. An account found by key: its entries checked against what
 * they signed and put under one name, so one row undoes it however it was renamed. Else by name, one account per name.
 */
function oneAccount(entries: readonly SignedJournalEntry[], scope: UndoScope, account: UndoAccount | null): { inScope: SignedJournalEntry[]; netScope: UndoScope } {
  if (account === null || account.userKey === null) return { inScope: oneAccountPerName(entries, scope), netScope: scope };
  checkAccountEntries(entries, account);
  return { inScope: underOneName(entries, account.username), netScope: { kind: 'user', username: account.username } };
}

function nonEmpty(text: string | undefined): string | null {
  return text === undefined || text === '' ? null : text;
}

/** Builds and stores the undo plan: changes nothing in Confluence (it only reads each user's current state and grants). */
export async function planUndo(deps: UndoDeps, input: UndoRequest): Promise<UndoPlanned> {
  const { store, connector, clock, signal } = deps;
  const { instance, scope, force } = input;
  if (scope.kind === 'run') await instanceOfRun(store, scope.runId, instance);
  const { entries, account } = await scopeEntries(store, instance, scope);
  // The journal says what to put back: an entry inserted or altered in the database must not steer an undo.
  verifyJournalEntries(deps.key, entries);
  const { inScope, netScope } = oneAccount(entries, scope, account);
  const { changes, leftAlone } = netChanges(inScope, netScope);
  const accountOut = account === null ? {} : { account };
  const nothing = { instance, ...accountOut, planId: null, plan: null, drifted: [], leftAlone, held: [], forced: force };
  if (changes.length === 0) return nothing;

  const usernames = [...new Set(changes.map((c) => c.username))];
  const runIds = [...new Set(changes.flatMap((c) => c.runIds))];
  // The account each user's changes read (signed prior state), else the one the name was resolved to.
  const wanted = new Map<string, string | null>();
  for (const change of changes) if (!wanted.has(change.username)) wanted.set(change.username, nonEmpty(change.last.prior.userKey) ?? account?.userKey ?? null);
  const identities = await identitiesOf(store, deps.key, runIds, wanted);
  for (const [username, userKey] of wanted) if (!identities.has(username) && userKey !== null) identities.set(username, { userKey, directory: null });
  const current = new Map<string, UserState | null>();
  await mapConcurrent(usernames, deps.concurrency, async (username) => {
    // By the key the plan recorded where it has one: a renamed account is no longer found by the name it was planned by.
    const userKey = identities.get(username)?.userKey ?? '';
    current.set(username, await readUserState(connector, { accountId: userKey === '' ? unresolvedAccountId(username) : userKey, username }, signal));
  });
  const takenNames = changes.some((c) => c.undo.kind === 'rename') ? await takenNamesNow(deps, instance, current) : undefined;
  // Only a group addition needs to know the administrators' groups; a scan of 100k users is not loaded for less.
  const addsGroups = changes.some((c) => c.undo.kind === 'add-group');
  const admin = addsGroups ? await adminGroupsNow(deps, instance, input.protectedGroups) : adminGroupsOf({ grants: [], nesting: [], protectedGroups: [] });
  const { rows, drifted, held } = undoRows({ changes, current, identities, admin, force, ...(takenNames === undefined ? {} : { takenNames }) });
  if (rows.length === 0) return { ...nothing, drifted, held };
  const latestScan = await store.scans.latest(instance);
  // The plan undoes the runs of the users it kept: a run whose only users were left out is not put back by it.
  const kept = new Set(rows.map((r) => r.username));
  const plan = undoPlan({ instance, scanId: latestScan?.id ?? '', now: clock.now(), rows, changes: changes.filter((c) => kept.has(c.username)) });
  const planId = await store.plans.save(plan, 'planned', { createdBy: input.actor, hold: null });
  return { instance, ...accountOut, planId, plan, drifted, leftAlone, held, forced: force };
}

/** Plans the undo and, unless there is nothing to do, runs it like any plan; drifted users and held steps stay out. */
export async function undoRun(
  deps: UndoDeps,
  input: Omit<UndoRequest, 'protectedGroups'> & { limits: SafetyLimits; protection: Protection },
): Promise<UndoOutcome> {
  const planned = await planUndo(deps, { ...input, protectedGroups: input.protection.groups });
  if (planned.planId === null) return { ...planned, report: null };
  const report = await applyPlan(deps, { planId: planned.planId, limits: input.limits, protection: input.protection });
  return { ...planned, report };
}
