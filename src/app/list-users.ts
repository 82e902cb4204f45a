/** Use case: search the users of the newest complete scan (inactive, never logged in, directory, group, licensed). */

import type { Store } from './store-port.ts';
import type { AccountStatus } from '../domain/snapshot.ts';
import { buildLicenceModel } from '../domain/licence-model.ts';
import { daysBetween } from '../domain/policy.ts';
import { NotFound } from '../domain/errors.ts';

export interface UserFilter {
  /** Last login more than this many days ago (never-logged-in users count as inactive). */
  readonly inactiveDays?: number;
  readonly neverLoggedIn?: boolean;
  readonly directory?: string;
  /** Member of this group, directly or through nesting. */
  readonly group?: string;
  readonly licensed?: boolean;
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
  readonly groups: string;
}

export const USER_COLUMNS: readonly (keyof UserRow)[] = [
  'username', 'displayName', 'email', 'directory', 'status', 'licensed', 'admin', 'lastLogin', 'daysSinceLogin', 'firstSeen', 'groups',
];

/** Matching users of the newest complete scan, sorted by username, with the scan they come from. */
export async function listUsers(
  deps: { store: Store; now: Date },
  input: { instance: string; filter: UserFilter },
): Promise<{ scanId: string; rows: Iterable<UserRow> }> {
  const scan = await deps.store.scans.latest(input.instance, { status: 'complete' });
  if (scan === null) throw new NotFound(`instance ${input.instance} has no complete scan yet: run \`seatkeeper scan\` first`);
  const snapshot = await deps.store.scans.loadSnapshot(scan.id);
  const model = buildLicenceModel(snapshot);
  const { filter } = input;
  const users = [...snapshot.users].sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
  function* rows(): Iterable<UserRow> {
    for (const user of users) {
      const seat = model.seatOf(user);
      const days = user.lastLogin === null ? null : daysBetween(user.lastLogin, deps.now);
      if (filter.licensed !== undefined && seat.licensed !== filter.licensed) continue;
      if (filter.neverLoggedIn && (user.lastLogin !== null || !user.loginKnown)) continue;
      if (filter.inactiveDays !== undefined && days !== null && days <= filter.inactiveDays) continue;
      if (filter.inactiveDays !== undefined && days === null && !user.loginKnown) continue;
      if (filter.directory !== undefined && user.directory !== filter.directory) continue;
      if (filter.group !== undefined && !model.inGroup(seat, filter.group)) continue;
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
        groups: seat.directGroups.join(' '),
      };
    }
  }
  return { scanId: scan.id, rows: rows() };
}
