/**
 * Confluence's licence model: a user holds a seat when the account is active, its directory is active, and it
 * has "can use" individually or through a group, nested groups included. Also who is an administrator.
 */

import type { InstanceSnapshot, UserSnapshot } from './snapshot.ts';
import { nameKey, NameSet } from './names.ts';

/** How one user stands towards the licence. */
export interface SeatView {
  readonly licensed: boolean;
  /** Direct memberships that give the seat (a user seated through a nested group is listed in the child group). */
  readonly billableGroups: readonly string[];
  /** The user holds "can use" individually. */
  readonly directGrant: boolean;
  /** Holds system or Confluence administration, through any group or individually. */
  readonly admin: boolean;
  /** Direct memberships, sorted. */
  readonly directGroups: readonly string[];
}

/** The licence model of one snapshot, computed once and queried per user. */
export interface LicenceModel {
  seatOf(user: UserSnapshot): SeatView;
  /** Whether the user is in `group`, directly or through nesting. */
  inGroup(seat: SeatView, group: string): boolean;
  /** Groups that give "can use" to their members, directly or because they sit inside such a group, as the snapshot spells them. */
  readonly useEffectiveGroups: ReadonlySet<string>;
  /** Whether `group` (any spelling) gives "can use", directly or through nesting. */
  grantsUse(group: string): boolean;
  readonly licensedCount: number;
}

/** Models already built, by snapshot object (a snapshot is never changed once made). */
const models = new WeakMap<InstanceSnapshot, LicenceModel>();

/**
 * Builds the model: group closures are computed once, so a 100k-user snapshot costs one pass over memberships. Names
 * are compared case-insensitively, as Confluence does (domain/names.ts): a grant to `Confluence-Users` covers the
 * members of `confluence-users`.
 */
export function buildLicenceModel(snapshot: InstanceSnapshot): LicenceModel {
  // One model per snapshot: the scan, its summary and the plan after it ask for the same one, and at 200k users a
  // second copy of every user's seat is some 100 MB of heap.
  const built = models.get(snapshot);
  if (built !== undefined) return built;
  // Keyed by nameKey throughout; display names are kept only in the users' direct memberships.
  const parentsOf = new Map<string, string[]>();
  for (const nest of snapshot.nesting) {
    const child = nameKey(nest.child);
    const list = parentsOf.get(child);
    if (list) list.push(nameKey(nest.parent));
    else parentsOf.set(child, [nameKey(nest.parent)]);
  }
  const closureCache = new Map<string, ReadonlySet<string>>();
  const closure = (group: string): ReadonlySet<string> => {
    // `group` is a key already (nameKey).
    const cached = closureCache.get(group);
    if (cached) return cached;
    // Iterative walk: nesting may contain cycles, which Confluence tolerates.
    const seen = new Set<string>([group]);
    const stack = [group];
    while (stack.length > 0) {
      const current = stack.pop() ?? group;
      for (const parent of parentsOf.get(current) ?? []) {
        if (!seen.has(parent)) {
          seen.add(parent);
          stack.push(parent);
        }
      }
    }
    closureCache.set(group, seen);
    return seen;
  };

  const useGroups = new Set(snapshot.grants.useGroups.map(nameKey));
  const adminGroups = new Set(snapshot.grants.adminGroups.map(nameKey));
  const useUsers = new NameSet(snapshot.grants.useUsers);
  const adminUsers = new NameSet(snapshot.grants.adminUsers);
  const intersects = (groups: ReadonlySet<string>, targets: ReadonlySet<string>): boolean => {
    for (const g of groups) if (targets.has(g)) return true;
    return false;
  };

  // Every spelling of every group, so useEffectiveGroups names groups as the snapshot does wherever it does.
  const allGroups = new Set<string>(snapshot.groups);
  for (const { parent, child } of snapshot.nesting) {
    allGroups.add(parent);
    allGroups.add(child);
  }
  for (const m of snapshot.memberships) allGroups.add(m.group);
  const useEffectiveGroups = new Set<string>();
  const useEffectiveKeys = new Set<string>();
  const adminEffectiveKeys = new Set<string>();
  for (const g of allGroups) {
    const up = closure(nameKey(g));
    if (intersects(up, useGroups)) {
      useEffectiveGroups.add(g);
      useEffectiveKeys.add(nameKey(g));
    }
    if (intersects(up, adminGroups)) adminEffectiveKeys.add(nameKey(g));
  }

  const directGroupsOf = new Map<string, string[]>();
  for (const { group, username } of snapshot.memberships) {
    const key = nameKey(username);
    const list = directGroupsOf.get(key);
    if (list) list.push(group);
    else directGroupsOf.set(key, [group]);
  }
  const inactiveDirectories = new NameSet(snapshot.directories.filter((d) => !d.active).map((d) => d.name));

  const seats = new Map<string, SeatView>();
  const sharedSeats = new Map<string, SeatView>();
  const computeSeat = (user: UserSnapshot): SeatView => {
    // One membership per group, however it is spelled.
    const byKey = new Map<string, string>();
    for (const g of directGroupsOf.get(nameKey(user.username)) ?? []) if (!byKey.has(nameKey(g))) byKey.set(nameKey(g), g);
    const directGroups = [...byKey.values()].sort();
    const billableGroups = directGroups.filter((g) => useEffectiveKeys.has(nameKey(g)));
    const directGrant = useUsers.has(user.username);
    const directoryActive = user.directory === null || !inactiveDirectories.has(user.directory);
    const licensed = user.status === 'active' && directoryActive && (billableGroups.length > 0 || directGrant);
    const admin = adminUsers.has(user.username) || directGroups.some((g) => adminEffectiveKeys.has(nameKey(g)));
    // Users with the same groups and standing share one view: a few hundred distinct ones instead of one per user.
    const key = `${licensed ? 1 : 0}${directGrant ? 1 : 0}${admin ? 1 : 0}${JSON.stringify(directGroups)}`;
    const shared = sharedSeats.get(key);
    if (shared !== undefined) return shared;
    const seat = { licensed, billableGroups, directGrant, admin, directGroups };
    sharedSeats.set(key, seat);
    return seat;
  };
  const seatOf = (user: UserSnapshot): SeatView => {
    const cached = seats.get(user.username);
    if (cached) return cached;
    const seat = computeSeat(user);
    seats.set(user.username, seat);
    return seat;
  };

  let licensedCount = 0;
  for (const user of snapshot.users) if (seatOf(user).licensed) licensedCount += 1;

  const inGroup = (seat: SeatView, group: string): boolean => {
    const key = nameKey(group);
    return seat.directGroups.some((g) => closure(nameKey(g)).has(key));
  };
  const grantsUse = (group: string): boolean => useEffectiveKeys.has(nameKey(group));

  const model = { seatOf, inGroup, useEffectiveGroups, grantsUse, licensedCount };
  models.set(snapshot, model);
  return model;
}
