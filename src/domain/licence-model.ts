/**
 * The licence model, per application: a user holds an application when the account is active, its directory is active,
 * and the application is granted to the user individually or to a group the user is in, nested groups included. A user
 * is licensed when holding any application. Also who is an administrator.
 */

import type { InstanceSnapshot, UserSnapshot } from './snapshot.ts';
import { nameKey, NameSet } from './names.ts';

/** One application a user holds, and how. */
export interface HeldApplication {
  readonly key: string;
  /** Direct memberships granting it, sorted (a user granted it through a nested group is listed in the child group). */
  readonly groups: readonly string[];
  /** Held individually. */
  readonly directGrant: boolean;
}

/** How one user stands towards the licence. */
export interface SeatView {
  /** Holds any application. */
  readonly licensed: boolean;
  /** The applications held, sorted by key; empty when the account or its directory is off. */
  readonly applications: readonly HeldApplication[];
  /** Direct memberships that grant any application (a user seated through a nested group is listed in the child group). */
  readonly billableGroups: readonly string[];
  /** The user holds some application individually. */
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
  /** Keys of the applications `group` (any spelling) grants, directly or through nesting, sorted. */
  applicationsOf(group: string): readonly string[];
  /** Groups granting application `key`, directly or through nesting, as the snapshot spells them, sorted. */
  groupsGranting(key: string): readonly string[];
  readonly licensedCount: number;
  /** Users holding each application, by key (every application of the snapshot is listed). */
  readonly heldCount: ReadonlyMap<string, number>;
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

  const applications = [...snapshot.applications].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const appGroups = applications.map((a) => ({ key: a.key, groups: new Set(a.groups.map(nameKey)), users: new NameSet(a.users) }));
  const adminGroups = new Set(snapshot.grants.adminGroups.map(nameKey));
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
  // Group key → keys of the applications it grants (sorted, as `applications` is).
  const grantedBy = new Map<string, string[]>();
  for (const g of allGroups) {
    const up = closure(nameKey(g));
    const granted = appGroups.filter((a) => intersects(up, a.groups)).map((a) => a.key);
    if (granted.length > 0) {
      useEffectiveGroups.add(g);
      useEffectiveKeys.add(nameKey(g));
      grantedBy.set(nameKey(g), granted);
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
    const held: HeldApplication[] = [];
    for (const app of appGroups) {
      const groups = billableGroups.filter((g) => (grantedBy.get(nameKey(g)) ?? []).includes(app.key));
      const direct = app.users.has(user.username);
      if (groups.length > 0 || direct) held.push({ key: app.key, groups, directGrant: direct });
    }
    const directGrant = held.some((a) => a.directGrant);
    const directoryActive = user.directory === null || !inactiveDirectories.has(user.directory);
    const licensed = user.status === 'active' && directoryActive && held.length > 0;
    const admin = adminUsers.has(user.username) || directGroups.some((g) => adminEffectiveKeys.has(nameKey(g)));
    const applications = licensed ? held : [];
    // Users with the same groups and standing share one view: a few hundred distinct ones instead of one per user.
    const key = `${licensed ? 1 : 0}${directGrant ? 1 : 0}${admin ? 1 : 0}${JSON.stringify(directGroups)}${JSON.stringify(applications)}`;
    const shared = sharedSeats.get(key);
    if (shared !== undefined) return shared;
    const seat = { licensed, applications, billableGroups, directGrant, admin, directGroups };
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
  const heldCount = new Map<string, number>(applications.map((a) => [a.key, 0]));
  for (const user of snapshot.users) {
    const seat = seatOf(user);
    if (seat.licensed) licensedCount += 1;
    for (const app of seat.applications) heldCount.set(app.key, (heldCount.get(app.key) ?? 0) + 1);
  }

  const inGroup = (seat: SeatView, group: string): boolean => {
    const key = nameKey(group);
    return seat.directGroups.some((g) => closure(nameKey(g)).has(key));
  };
  const grantsUse = (group: string): boolean => useEffectiveKeys.has(nameKey(group));
  const applicationsOf = (group: string): readonly string[] => grantedBy.get(nameKey(group)) ?? [];
  const groupsGranting = (key: string): readonly string[] => [...useEffectiveGroups].filter((g) => applicationsOf(g).includes(key)).sort();

  const model = { seatOf, inGroup, useEffectiveGroups, grantsUse, applicationsOf, groupsGranting, licensedCount, heldCount };
  models.set(snapshot, model);
  return model;
}
