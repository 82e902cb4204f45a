/** Lifecycle records joined to a snapshot's users by account id first, then by username for records kept without one. */

import type { LifecycleRecord } from '../domain/lifecycle.ts';
import { nameKey } from '../domain/names.ts';
import type { UserSnapshot } from '../domain/snapshot.ts';
import type { AccountLifecycleRecord } from './store/lifecycle-repository-port.ts';

/**
 * The records as the planner reads them (by username): a record with an account id is given the name that account has
 * in the snapshot, and left out when no user of the snapshot has the id — a new account under its old name is a
 * stranger to it. A record without an id is matched by its username, unless a keyed record of the same policy already
 * speaks for that user.
 */
export function lifecycleOfAccounts(records: readonly AccountLifecycleRecord[], users: readonly Pick<UserSnapshot, 'username' | 'userKey'>[]): LifecycleRecord[] {
  const nameOf = new Map(users.map((u) => [u.userKey, u.username]));
  const keyed: LifecycleRecord[] = [];
  const claimed = new Set<string>();
  for (const record of records) {
    if (record.userKey === null) continue;
    const username = nameOf.get(record.userKey);
    if (username === undefined) continue;
    keyed.push({ policy: record.policy, username, stage: record.stage, enteredAt: record.enteredAt, lastLoginAtEntry: record.lastLoginAtEntry });
    claimed.add(`${record.policy}\u0000${nameKey(username)}`);
  }
  const named = records
    .filter((r) => r.userKey === null && !claimed.has(`${r.policy}\u0000${nameKey(r.username)}`))
    .map((r) => ({ policy: r.policy, username: r.username, stage: r.stage, enteredAt: r.enteredAt, lastLoginAtEntry: r.lastLoginAtEntry }));
  return [...named, ...keyed];
}
