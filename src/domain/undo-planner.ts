/**
 * Undo plans from the journal: Seatkeeper's net change to each field of each user (one run, or one user across every
 * run), the step that puts each back, and drift — fields someone changed by hand since Seatkeeper last touched them.
 */

import type { ActionStep, Plan, PlanRow } from './plan.ts';
import type { JournalEntry, UserState } from './journal.ts';
import { applyStep, describeStep, inverseOf } from './action-step.ts';
import { hashPlan } from './plan-hash.ts';
import type { GuardVerdict } from './safety-guard.ts';

/** What an undo puts back: everything one run changed, or every change to one user that is still in effect. */
export type UndoScope = { readonly kind: 'run'; readonly runId: string } | { readonly kind: 'user'; readonly username: string };

type FieldValue = string | boolean;

/** One account field a step changes: a group's membership, the individual grant, the active flag, the display name. */
interface Field {
  readonly key: string;
  readonly label: string;
  read(state: UserState): FieldValue;
}

function fieldOf(step: ActionStep): Field {
  switch (step.kind) {
    case 'remove-group':
    case 'add-group': {
      const { group } = step;
      return { key: `group:${group}`, label: group, read: (s) => s.groups.includes(group) };
    }
    case 'revoke-use-grant':
    case 'grant-use':
      // One field with the other individual permissions: revoking "can use" removes them too.
      return { key: 'use-grant', label: 'individual "can use"', read: usePermissions };
    case 'disable':
    case 'enable':
      return { key: 'status', label: 'account', read: (s) => s.status };
    case 'set-display-name':
      return { key: 'display-name', label: 'display name', read: (s) => s.displayName };
    case 'confirm-seat-freed':
      // A check changes nothing, so it has no net change to put back.
      return { key: 'seat-check', label: 'seat check', read: () => true };
  }
}

/** The individual grant as one value: a boolean when no other individual permission is held, else a text naming them. */
function usePermissions(state: UserState): FieldValue {
  if (state.otherPermissions.length === 0) return state.useGrant;
  return `${state.useGrant ? 'granted' : 'not granted'} with ${state.otherPermissions.join(', ')}`;
}

/** The step that puts the individual permissions back as `before` held them. */
function restoreUsePermissions(before: UserState): ActionStep {
  const restore = before.otherPermissions.length > 0 ? { restore: [...before.otherPermissions] } : {};
  return before.useGrant ? { kind: 'grant-use', ...restore } : { kind: 'revoke-use-grant', ...restore };
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
    const undo = field.key === 'use-grant' ? restoreUsePermissions(first.prior) : inverseOf(last.step, first.prior);
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
  if (typeof now === 'string' && change.field === 'use-grant') return `${change.label}: now ${now} ${since}`;
  const what = change.field === 'use-grant' ? (now === true ? 'granted back' : 'revoked') : now === true ? 'added back' : 'removed';
  return `${change.label}: ${what} ${since}`;
}

/** Who a row is about, from the plan rows of the runs being undone. */
export interface UndoIdentity {
  readonly userKey: string;
  readonly directory: string | null;
}

/** Undo rows and the users someone changed by hand since Seatkeeper's change (the command refuses them without --force). */
export interface UndoRows {
  readonly rows: PlanRow[];
  /** Usernames, sorted. */
  readonly drifted: string[];
}

/**
 * One row per user with the undo steps in reverse order of the changes they put back. `current` holds each user's
 * state as read just now (`null`: the user no longer exists); a field that differs from what Seatkeeper left is drift.
 */
export function undoRows(input: {
  changes: readonly FieldChange[];
  current: ReadonlyMap<string, UserState | null>;
  identities: ReadonlyMap<string, UndoIdentity>;
}): UndoRows {
  const byUser = new Map<string, FieldChange[]>();
  for (const change of input.changes) {
    const list = byUser.get(change.username);
    if (list === undefined) byUser.set(change.username, [change]);
    else list.push(change);
  }
  const rows: PlanRow[] = [];
  const drifted: string[] = [];
  for (const username of [...byUser.keys()].sort(compareText)) {
    const changes = (byUser.get(username) ?? []).sort((a, b) => b.last.id - a.last.id);
    const current = input.current.get(username) ?? null;
    const notes: string[] = [];
    if (current === null) {
      notes.push('the user no longer exists: nothing can be put back');
    } else {
      for (const change of changes) {
        const field = fieldOf(change.undo);
        const now = field.read(current);
        if (now !== change.after) notes.push(driftText(change, now));
      }
      if (notes.length > 0) drifted.push(username);
    }
    for (const change of changes) if (change.note !== null) notes.push(change.note);
    const newest = changes[0];
    const identity = input.identities.get(username);
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
  return { rows, drifted };
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

/** The drift guard: users changed by hand since Seatkeeper's change stop the undo unless it is forced. */
export function driftVerdict(drifted: readonly string[], force: boolean): GuardVerdict {
  if (drifted.length === 0 || force) return { ok: true };
  const shown = drifted.slice(0, 20).join(', ') + (drifted.length > 20 ? ` and ${drifted.length - 20} more` : '');
  return {
    ok: false,
    guard: 'undo.drift',
    count: drifted.length,
    limit: 0,
    message:
      `${drifted.length} ${drifted.length === 1 ? 'user was' : 'users were'} changed by hand since Seatkeeper's change: ${shown}. ` +
      'Read the notes on their rows; undo again with --force to overwrite those changes.',
  };
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
