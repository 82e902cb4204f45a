/**
 * Undo plans from the journal: Seatkeeper's net change to each field of each user (one run, or one user across every
 * run), the step that puts each back, and drift — fields someone changed by hand since Seatkeeper last touched them.
 */

import type { ActionStep, Plan, PlanRow } from './plan.ts';
import type { JournalEntry, UserState } from './journal.ts';
import { applyStep, currentStep, describeStep, directApplicationsOf, inverseOf } from './action-step.ts';
import { hashPlan } from './plan-hash.ts';
import { LEGACY_APPLICATION_KEY } from './applications.ts';
import type { GroupNesting, PermissionGrants } from './snapshot.ts';
import { includesName, nameKey } from './names.ts';

/** What an undo puts back: everything one run changed, or every change to one user that is still in effect. */
export type UndoScope = { readonly kind: 'run'; readonly runId: string } | { readonly kind: 'user'; readonly username: string };

type FieldValue = string | boolean;

/** One account field a step changes: a group's membership, the individual grant, the active flag, the display name. */
interface Field {
  readonly key: string;
  readonly label: string;
  /** The application whose individual grant the field is. */
  readonly application?: string;
  read(state: UserState): FieldValue;
}

/** Field keys of individual application grants start with this. */
const APPLICATION_FIELD = 'application:';

function fieldOf(stored: ActionStep): Field {
  const step = currentStep(stored);
  switch (step.kind) {
    case 'remove-group':
    case 'add-group': {
      const { group } = step;
      // One field per group whatever its spelling: the config may spell a tracking group otherwise than Confluence.
      return { key: `group:${nameKey(group)}`, label: group, read: (s) => includesName(s.groups, group) };
    }
    case 'revoke-application':
    case 'grant-application': {
      // One field per application with the other individual permissions: revoking "can use" removes them too. A
      // journal's legacy "can use" is the `confluence` application (currentStep), so old and new entries share it.
      const { application } = step;
      const label = application === LEGACY_APPLICATION_KEY ? 'individual "can use"' : `individual ${application}`;
      return { key: `${APPLICATION_FIELD}${application}`, label, application, read: (s) => usePermissions(s, application) };
    }
    case 'disable':
    case 'enable':
      return { key: 'status', label: 'account', read: (s) => s.status };
    case 'set-display-name':
      return { key: 'display-name', label: 'display name', read: (s) => s.displayName };
    case 'set-email':
      // An entry journaled before e-mail was recorded reads as the empty address.
      return { key: 'email', label: 'e-mail', read: (s) => s.email ?? '' };
    case 'rename':
      return { key: 'username', label: 'username', read: (s) => s.username };
    case 'confirm-seat-freed':
      // A check changes nothing, so it has no net change to put back.
      return { key: 'seat-check', label: 'seat check', read: () => true };
  }
}

/** The individual grant as one value: a boolean when no other individual permission is held, else a text naming them. */
function usePermissions(state: UserState, application: string): FieldValue {
  const held = directApplicationsOf(state).includes(application);
  if (state.otherPermissions.length === 0) return held;
  return `${held ? 'granted' : 'not granted'} with ${state.otherPermissions.join(', ')}`;
}

/** The step that puts the individual grant of `application` and the other permissions back as `before` held them. */
function restoreUsePermissions(before: UserState, application: string): ActionStep {
  const restore = before.otherPermissions.length > 0 ? { restore: [...before.otherPermissions] } : {};
  return directApplicationsOf(before).includes(application)
    ? { kind: 'grant-application', application, ...restore }
    : { kind: 'revoke-application', application, ...restore };
}

/** A journal entry that changed the target: only `done` steps were Seatkeeper's doing, and only they are undone. */
type DoneEntry = JournalEntry & { readonly prior: UserState };

function isDone(entry: JournalEntry): entry is DoneEntry {
  return entry.outcome === 'done' && entry.prior !== null;
}

/** Seatkeeper's net change to one field of one user within the scope, and the step that puts it back. */
export interface FieldChange {
  readonly username: string;
  readonly field: string;
  readonly label: string;
  /** The field before Seatkeeper's first change in the scope. */
  readonly before: FieldValue;
  /** What Seatkeeper's last change in the scope left: the value drift is measured against. */
  readonly after: FieldValue;
  readonly undo: ActionStep;
  /** The last change in the scope: undo steps run in reverse order of these. */
  readonly last: DoneEntry;
  /** Every run whose steps make up this change. */
  readonly runIds: readonly string[];
  /** Said on the row, e.g. when the status before was unreadable. */
  readonly note: string | null;
}

/** A change in the scope that is not undone, and why (a later run already put it back or changed it again). */
export interface LeftAlone {
  readonly username: string;
  readonly text: string;
}

/**
 * The field before the first change. An unreadable status is not a value to put back: the step was sent, so the account
 * is taken to have held the other value (disabling a disabled account changes nothing either way), which also keeps a
 * second undo of the same user empty.
 */
function valueBefore(field: Field, first: DoneEntry): { before: FieldValue; unreadable: boolean } {
  const raw = field.read(first.prior);
  if (field.key !== 'status' || raw !== 'unknown') return { before: raw, unreadable: false };
  return { before: first.step.kind === 'disable' ? 'active' : 'disabled', unreadable: true };
}

/**
 * Seatkeeper's net change per user and field in the scope: the value before its first `done` step vs. the value its
 * last one left. A field changed and changed back (e.g. by an earlier undo) has no net change and is not touched, so
 * nothing is undone twice. For a run, a field that a later run changed again is left alone and said why.
 */
export function netChanges(entries: readonly JournalEntry[], scope: UndoScope): { changes: FieldChange[]; leftAlone: LeftAlone[] } {
  const ordered = [...entries].sort((a, b) => a.id - b.id);
  const inScope = (e: JournalEntry): boolean => (scope.kind === 'run' ? e.runId === scope.runId : e.username === scope.username);
  // Per user and field, the done entries in journal order: the scope's own, and (for a run) any that came after them.
  const touched = new Map<string, { field: Field; username: string; own: DoneEntry[]; later: DoneEntry[] }>();
  for (const entry of ordered) {
    if (!isDone(entry)) continue;
    const field = fieldOf(entry.step);
    const id = `${entry.username}\u0000${field.key}`;
    const own = inScope(entry);
    const slot = touched.get(id);
    if (slot === undefined) {
      if (own) touched.set(id, { field, username: entry.username, own: [entry], later: [] });
      continue;
    }
    if (own) slot.own.push(entry);
    else if (scope.kind === 'run' && slot.own.length > 0) slot.later.push(entry);
  }

  const changes: FieldChange[] = [];
  const leftAlone: LeftAlone[] = [];
  for (const { field, username, own, later } of touched.values()) {
    const first = own[0];
    const last = own[own.length - 1];
    if (first === undefined || last === undefined) continue;
    const { before, unreadable } = valueBefore(field, first);
    const after = field.read(applyStep(last.step, last.prior));
    if (before === after) continue;
    const superseding = later.filter((e) => e.id > last.id);
    const latest = superseding[superseding.length - 1];
    if (latest !== undefined) {
      const left = field.read(applyStep(latest.step, latest.prior));
      leftAlone.push({
        username,
        text:
          left === before
            ? `${field.label}: already put back by run ${latest.runId}`
            : `${field.label}: changed again by run ${latest.runId} since; undo that run first`,
      });
      continue;
    }
    // inverseOf(last step) restores `before`: each field is two-valued for these steps, and a display name is put
    // back to the name before the first change in the scope, not the one before the last.
    const undo = field.application !== undefined ? restoreUsePermissions(first.prior, field.application) : inverseOf(last.step, first.prior);
    changes.push({
      username,
      field: field.key,
      label: field.label,
      before,
      after,
      undo,
      last,
      runIds: [...new Set(own.map((e) => e.runId))],
      note: unreadable ? `account: its status was unreadable before run ${first.runId}; the undo will ${describeStep(undo)} it` : null,
    });
  }
  leftAlone.sort((a, b) => compareText(a.username, b.username) || compareText(a.text, b.text));
  return { changes, leftAlone };
}

function driftText(change: FieldChange, now: FieldValue): string {
  const since = `by hand since run ${change.last.runId}`;
  if (change.field === 'display-name') return `display name: changed to "${String(now)}" ${since}`;
  if (change.field === 'status') {
    const how = now === 'active' ? 'reactivated' : now === 'disabled' ? 'deactivated' : 'unreadable now, perhaps changed';
    return `account: ${how} ${since}`;
  }
  if (change.field === 'username') return `username: changed to "${String(now)}" ${since}`;
  const grant = change.field.startsWith(APPLICATION_FIELD);
  if (typeof now === 'string' && grant) return `${change.label}: now ${now} ${since}`;
  const what = grant ? (now === true ? 'granted back' : 'revoked') : now === true ? 'added back' : 'removed';
  return `${change.label}: ${what} ${since}`;
}

/** Who a row is about, from the plan rows of the runs being undone. */
export interface UndoIdentity {
  readonly userKey: string;
  readonly directory: string | null;
}

/**
 * The groups an undo must not add anyone to unless forced: those granting administration (held directly or nested
 * inside a group that holds it) and protected groups with theirs. A forged or mistaken journal row must not be able
 * to make someone an administrator.
 */
export interface AdminGroups {
  /** Lower-cased group name → why adding a user to it needs force. */
  readonly reasons: ReadonlyMap<string, string>;
  /** Nothing said which groups grant administration (no scan, no live read): every group addition needs force. */
  readonly unknown: boolean;
}

/** The individual global permissions that administer Confluence (`targetType/operationKey`, compared case-blind). */
const ADMIN_PERMISSIONS = new Set(['system/administer', 'application/administer']);

/**
 * Administrators' groups from every grant list given (the newest scan's, a live read) and protected groups, each with
 * the groups nested inside it at any depth, since their members are members of the parent. Case-insensitive.
 */
export function adminGroupsOf(input: {
  grants: readonly Pick<PermissionGrants, 'adminGroups'>[];
  nesting: readonly GroupNesting[];
  protectedGroups: readonly string[];
}): AdminGroups {
  const childrenOf = new Map<string, string[]>();
  for (const { parent, child } of input.nesting) {
    const key = parent.toLowerCase();
    childrenOf.set(key, [...(childrenOf.get(key) ?? []), child.toLowerCase()]);
  }
  const reasons = new Map<string, string>();
  const mark = (roots: readonly string[], reason: (root: string, group: string) => string): void => {
    for (const root of roots) {
      const stack = [root.toLowerCase()];
      while (stack.length > 0) {
        const group = stack.pop() ?? '';
        if (reasons.has(group)) continue;
        reasons.set(group, reason(root, group));
        stack.push(...(childrenOf.get(group) ?? []));
      }
    }
  };
  mark(input.grants.flatMap((g) => g.adminGroups), (root, group) =>
    group === root.toLowerCase() ? 'the group grants administration' : `the group sits inside ${root}, which grants administration`,
  );
  mark(input.protectedGroups, (root, group) => (group === root.toLowerCase() ? 'it is a protected group' : `the group sits inside protected group ${root}`));
  return { reasons, unknown: input.grants.length === 0 };
}

/** Why an undo step would give administration (so it needs force), or `null`. */
function adminReason(step: ActionStep, admin: AdminGroups): string | null {
  if (step.kind === 'add-group') {
    if (admin.unknown) return 'no scan or live read says which groups grant administration';
    return admin.reasons.get(step.group.toLowerCase()) ?? null;
  }
  if (step.kind === 'grant-application' || step.kind === 'revoke-application' || step.kind === 'grant-use' || step.kind === 'revoke-use-grant') {
    const granted = (step.restore ?? []).filter((p) => ADMIN_PERMISSIONS.has(p.toLowerCase()));
    return granted.length > 0 ? `it grants ${granted.join(', ')} individually` : null;
  }
  return null;
}

/** A user changed by hand since Seatkeeper's change, and what changed. */
export interface DriftedUser {
  readonly username: string;
  readonly changes: readonly string[];
}

/** Undo rows, the users changed by hand since, and the steps left out because they would give administration. */
export interface UndoRows {
  readonly rows: PlanRow[];
  /** Sorted by username. Unless forced, these users have no row: nothing of theirs is undone. */
  readonly drifted: DriftedUser[];
  /** Steps left out (unless forced) because they would make the user an administrator, and why. */
  readonly held: LeftAlone[];
}

/**
 * One row per user with the undo steps in reverse order of the changes they put back. `current` holds each user's
 * state as read just now (`null`: the user no longer exists). A field that differs from what Seatkeeper left is
 * drift, unless it already holds the value the undo puts back (the step will find it already done). Unless forced,
 * a drifted user is left out whole and a step that would give administration is left out and listed.
 */
export function undoRows(input: {
  changes: readonly FieldChange[];
  current: ReadonlyMap<string, UserState | null>;
  identities: ReadonlyMap<string, UndoIdentity>;
  admin: AdminGroups;
  force: boolean;
  /**
   * Usernames held now (lower-cased) → the key of the account holding each, for undoing renames: a name another
   * account has taken since is never renamed back to, forced or not. Absent: no rename is undone without a read.
   */
  takenNames?: ReadonlyMap<string, string>;
}): UndoRows {
  const byUser = new Map<string, FieldChange[]>();
  for (const change of input.changes) {
    const list = byUser.get(change.username);
    if (list === undefined) byUser.set(change.username, [change]);
    else list.push(change);
  }
  const rows: PlanRow[] = [];
  const drifted: DriftedUser[] = [];
  const held: LeftAlone[] = [];
  for (const username of [...byUser.keys()].sort(compareText)) {
    const all = (byUser.get(username) ?? []).sort((a, b) => b.last.id - a.last.id);
    const current = input.current.get(username) ?? null;
    const notes: string[] = [];
    const drift: string[] = [];
    if (current === null) {
      notes.push('the user no longer exists: nothing can be put back');
    } else {
      for (const change of all) {
        const now = fieldOf(change.undo).read(current);
        if (now === change.after) continue;
        if (now === change.before) notes.push(`${change.label}: already put back by hand since run ${change.last.runId}`);
        else drift.push(driftText(change, now));
      }
    }
    if (drift.length > 0) {
      drifted.push({ username, changes: drift });
      if (!input.force) continue;
      notes.push(...drift);
    }
    const changes: FieldChange[] = [];
    const identity = input.identities.get(username);
    for (const change of all) {
      if (change.undo.kind === 'rename') {
        const holder = input.takenNames?.get(change.undo.to.toLowerCase());
        if (holder !== undefined && holder !== (identity?.userKey ?? '')) {
          held.push({ username, text: `rename back to "${change.undo.to}" not possible: another account (key ${holder}) has that username now; rename one of them by hand` });
          continue;
        }
      }
      // A user who had no address: an empty one is not a value to send (the product may refuse or keep it), so it is said.
      if (change.undo.kind === 'set-email' && change.undo.email === '') {
        held.push({ username, text: `e-mail back to none not possible: ${username} had no address before run ${change.last.runId}; Seatkeeper does not clear addresses, clear it by hand if that is intended` });
        continue;
      }
      const reason = adminReason(change.undo, input.admin);
      if (reason === null) changes.push(change);
      else if (input.force) {
        changes.push(change);
        notes.push(`${describeStep(change.undo)}: ${reason}; included because the undo is forced`);
      } else held.push({ username, text: `${describeStep(change.undo)} left out: ${reason}` });
    }
    if (changes.length === 0) continue;
    for (const change of changes) if (change.note !== null) notes.push(change.note);
    const newest = changes[0];
    rows.push({
      username,
      userKey: identity?.userKey ?? '',
      displayName: current?.displayName ?? newest?.last.prior.displayName ?? username,
      directory: identity?.directory ?? null,
      policy: 'undo',
      reason: {
        rule: 'undo',
        text: reasonText(changes),
        lastLogin: null,
        referenceDate: newest === undefined ? null : newest.last.at.slice(0, 10),
        days: 0,
        thresholdDays: 0,
      },
      steps: changes.map((c) => c.undo),
      notes,
    });
  }
  return { rows, drifted, held };
}

/** "undo of run run_x (remove from confluence-users, add to confluence-inactive-users on 2026-11-26)". */
function reasonText(changes: readonly FieldChange[]): string {
  const byRun = new Map<string, FieldChange[]>();
  for (const change of [...changes].sort((a, b) => a.last.id - b.last.id)) {
    const list = byRun.get(change.last.runId);
    if (list === undefined) byRun.set(change.last.runId, [change]);
    else list.push(change);
  }
  const parts = [...byRun].map(([runId, list]) => {
    const day = list.reduce((d, c) => (c.last.at > d ? c.last.at : d), '').slice(0, 10);
    return `run ${runId} (${list.map((c) => describeStep(c.last.step)).join(', ')} on ${day})`;
  });
  return `undo of ${parts.join('; ')}`;
}

/** An undo plan: hashed like any plan, marked so the executor skips the scan and limit checks of policy plans. */
export function undoPlan(input: { instance: string; scanId: string; now: Date; rows: readonly PlanRow[]; changes: readonly FieldChange[] }): Plan {
  const body: Omit<Plan, 'hash'> = {
    kind: 'undo',
    undoOf: [...new Set(input.changes.flatMap((c) => c.runIds))].sort(compareText),
    instance: input.instance,
    scanId: input.scanId,
    createdAt: input.now.toISOString(),
    policies: [],
    licensedUsers: 0,
    rows: [...input.rows],
    summaries: [],
  };
  return { ...body, hash: hashPlan(body) };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
