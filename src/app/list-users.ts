/**
 * Use case: search the users of the newest complete scan (inactive, never logged in, directory, group, licensed), as
 * Seatkeeper's journal says they are now: steps of runs since the scan are applied to the rows, which say so.
 */

import type { Store } from './store-port.ts';
import type { AccountStatus, InstanceSnapshot } from '../domain/snapshot.ts';
import type { JournalEntry } from '../domain/journal.ts';
import { buildLicenceModel } from '../domain/licence-model.ts';
import { overlayJournal } from '../domain/journal-overlay.ts';
import { daysBetween } from '../domain/policy.ts';
import { InvalidInput, NotFound } from '../domain/errors.ts';
import { escapeControl } from './instance-check.ts';

export interface UserFilter {
  /** Last login more than this many days ago (never-logged-in users count as inactive). */
  readonly inactiveDays?: number;
  readonly neverLoggedIn?: boolean;
  /** The user's directory, compared case-insensitively. */
  readonly directory?: string;
  /** Member of this group, directly or through nesting; compared case-insensitively. */
  readonly group?: string;
  readonly licensed?: boolean;
  /** The account's status now (as the journal leaves it): `disabled` lists the deactivated users. */
  readonly status?: AccountStatus;
  /** Created (or, where the source gives no creation date, first seen by Seatkeeper) more than this many days ago. */
  readonly createdBeforeDays?: number;
}

/** Filters that ask two things at once: each front door says it in its own words (flags, query parameters). */
export type FilterContradiction = 'licensed-and-unlicensed' | 'never-logged-in-and-inactive-days';

/**
 * What in a requested filter contradicts itself: licensed and unlicensed together match nobody; never-logged-in with
 * inactive-days asks two things (inactive-days already includes those who never logged in).
 */
export function filterContradictions(request: { licensed?: boolean; unlicensed?: boolean; neverLoggedIn?: boolean; inactiveDays?: number }): FilterContradiction[] {
  const found: FilterContradiction[] = [];
  if (request.licensed === true && request.unlicensed === true) found.push('licensed-and-unlicensed');
  if (request.neverLoggedIn === true && request.inactiveDays !== undefined) found.push('never-logged-in-and-inactive-days');
  return found;
}

export interface UserRow {
  readonly username: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly directory: string | null;
  readonly status: AccountStatus;
  readonly licensed: boolean;
  readonly admin: boolean;
  readonly lastLogin: string | null;
  readonly daysSinceLogin: number | null;
  readonly firstSeen: string;
  /** Direct memberships, sorted: a list, since group names may hold spaces and commas. */
  readonly groups: readonly string[];
  /** Seatkeeper's steps since the scan that this row already shows (empty: the row is as scanned). */
  readonly changesSinceScan: readonly string[];
}

export const USER_COLUMNS: readonly (keyof UserRow)[] = [
  'username', 'displayName', 'email', 'directory', 'status', 'licensed', 'admin', 'lastLogin', 'daysSinceLogin', 'firstSeen', 'groups', 'changesSinceScan',
];

/** The matching rows and where they come from. */
export interface UserListing {
  readonly scanId: string;
  /** When the scan started: runs since then are applied to the rows. */
  readonly scannedAt: string;
  /** Runs started or still going since the scan, whose steps the rows show; oldest first. */
  readonly runsSinceScan: readonly string[];
  readonly rows: Iterable<UserRow>;
}

/**
 * Done steps of the runs that may postdate the scan: started after it or still running when it started. A step the
 * scan already saw sets the value it holds, so taking a run that overlapped the scan whole is harmless.
 */
async function entriesSince(store: Pick<Store, 'journal'>, instance: string, since: string): Promise<{ runIds: string[]; entries: JournalEntry[] }> {
  const from = Date.parse(since);
  // listRuns gives newest first; reversed, a stable sort keeps runs that started at the same instant in creation order.
  const runs = (await store.journal.listRuns(instance))
    .filter((r) => Date.parse(r.startedAt) >= from || r.finishedAt === null || Date.parse(r.finishedAt) >= from)
    .reverse()
    .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const entries: JournalEntry[] = [];
  for (const run of runs) entries.push(...(await store.journal.entries(run.id)));
  return { runIds: runs.map((r) => r.id), entries };
}

/** Names within two edits of `wanted`, or containing it: what a typo most likely meant. */
function nearNames(wanted: string, names: Iterable<string>): string[] {
  const w = wanted.toLowerCase();
  const near = [...names].filter((name) => {
    const n = name.toLowerCase();
    if (n.includes(w) || w.includes(n)) return true;
    // Long or very different names cannot be two edits away: skipping them bounds the work on 100k-group instances.
    return n.length <= 64 && Math.abs(n.length - w.length) <= 2 && editDistance(n, w) <= 2;
  });
  return near.sort().slice(0, 5);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The scan's spelling of a group, found case-insensitively; InvalidInput naming likely ones when there is none. */
function groupIn(snapshot: InstanceSnapshot, wanted: string): string {
  const known = new Set([...snapshot.groups, ...snapshot.memberships.map((m) => m.group), ...snapshot.nesting.flatMap((n) => [n.parent, n.child])]);
  for (const group of known) if (group.toLowerCase() === wanted.toLowerCase()) return group;
  const near = nearNames(wanted, known);
  throw new InvalidInput(`no group ${escapeControl(wanted)} in scan ${snapshot.scanId} of instance ${snapshot.instance}`, [
    `groups are compared case-insensitively; ${near.length > 0 ? `did you mean ${near.map(escapeControl).join(', ')}?` : `the scan knows ${known.size} groups, none of them close`}`,
  ]);
}

/** The scan's spelling of a directory, found case-insensitively; InvalidInput saying why none can match. */
function directoryIn(snapshot: InstanceSnapshot, wanted: string): string {
  if (snapshot.directories.length === 0) {
    throw new InvalidInput(`scan ${snapshot.scanId} of instance ${snapshot.instance} knows no user's directory, so no user can match one`, [
      `the scan read users over ${snapshot.lastLoginSource === 'rest' ? "REST, and Confluence's REST API does not say which directory a user is in" : 'a source that listed no directories'}`,
      `to search by directory, set lastLogin: database with a read-only database URL on instance ${snapshot.instance} and scan again`,
    ]);
  }
  const match = snapshot.directories.find((d) => d.name.toLowerCase() === wanted.toLowerCase());
  if (match !== undefined) return match.name;
  throw new InvalidInput(`no directory ${escapeControl(wanted)} in scan ${snapshot.scanId} of instance ${snapshot.instance}`, [
    `its directories (compared case-insensitively): ${snapshot.directories.map((d) => escapeControl(d.name)).join(', ')}`,
  ]);
}

/** Matching users of the newest complete scan with Seatkeeper's steps since applied, sorted by username. */
export async function listUsers(
  deps: { store: Pick<Store, 'scans' | 'journal'>; now: Date },
  input: { instance: string; filter: UserFilter },
): Promise<UserListing> {
  const scan = await deps.store.scans.latest(input.instance, { status: 'complete' });
  if (scan === null) throw new NotFound(`instance ${input.instance} has no complete scan yet`, { next: { kind: 'scan', instance: input.instance } });
  const scanned = await deps.store.scans.loadSnapshot(scan.id);
  const since = await entriesSince(deps.store, input.instance, scan.startedAt);
  const { snapshot, changed } = overlayJournal(scanned, since.entries);
  const model = buildLicenceModel(snapshot);
  const { filter } = input;
  const group = filter.group === undefined ? undefined : groupIn(snapshot, filter.group);
  const directory = filter.directory === undefined ? undefined : directoryIn(snapshot, filter.directory).toLowerCase();
  const users = [...snapshot.users].sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
  function* rows(): Iterable<UserRow> {
    for (const user of users) {
      const seat = model.seatOf(user);
      const days = user.lastLogin === null ? null : daysBetween(user.lastLogin, deps.now);
      if (filter.licensed !== undefined && seat.licensed !== filter.licensed) continue;
      if (filter.neverLoggedIn && (user.lastLogin !== null || !user.loginKnown)) continue;
      if (filter.inactiveDays !== undefined && days !== null && days <= filter.inactiveDays) continue;
      if (filter.inactiveDays !== undefined && days === null && !user.loginKnown) continue;
      if (directory !== undefined && user.directory?.toLowerCase() !== directory) continue;
      if (group !== undefined && !model.inGroup(seat, group)) continue;
      if (filter.status !== undefined && user.status !== filter.status) continue;
      if (filter.createdBeforeDays !== undefined && daysBetween(user.createdAt ?? user.firstSeen, deps.now) <= filter.createdBeforeDays) continue;
      yield {
        username: user.username,
        displayName: user.displayName,
        email: user.email,
        directory: user.directory,
        status: user.status,
        licensed: seat.licensed,
        admin: seat.admin,
        lastLogin: user.lastLogin?.toISOString() ?? null,
        daysSinceLogin: days,
        firstSeen: user.firstSeen.toISOString(),
        groups: seat.directGroups,
        changesSinceScan: changed.get(user.username) ?? [],
      };
    }
  }
  return { scanId: scan.id, scannedAt: scan.startedAt, runsSinceScan: since.runIds, rows: rows() };
}

type ListDeps = Parameters<typeof listUsers>[0];

/** Use case: the deactivated users of the newest complete scan (as the journal leaves them). */
export function listDeactivatedUsers(deps: ListDeps, input: { instance: string }): Promise<UserListing> {
  return listUsers(deps, { instance: input.instance, filter: { status: 'disabled' } });
}

/**
 * Use case: active users who never logged in and were created more than `createdBeforeDays` days ago (first seen by
 * Seatkeeper, where the source gives no creation date). Users whose logins no source could read are not listed.
 */
export function listNeverLoggedInUsers(deps: ListDeps, input: { instance: string; createdBeforeDays: number }): Promise<UserListing> {
  return listUsers(deps, { instance: input.instance, filter: { status: 'active', neverLoggedIn: true, createdBeforeDays: input.createdBeforeDays } });
}

/** Use case: active users whose last login is more than `days` days ago, or who never logged in. */
export function listInactiveUsers(deps: ListDeps, input: { instance: string; days: number }): Promise<UserListing> {
  return listUsers(deps, { instance: input.instance, filter: { status: 'active', inactiveDays: input.days } });
}
