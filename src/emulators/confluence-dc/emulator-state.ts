/**
 * The emulated instance's data: users, groups, nesting, global permissions and the licence, with the
 * writes Confluence's REST API allows. Seats are counted exactly as Confluence does (active user, active
 * directory, "can use" directly or through a group, nested groups included) and kept up to date per write,
 * so no request costs O(users × groups). Every write that changed something is appended to `changes`.
 */

import type { CredentialSeed, OrgSeed, PermissionKey } from './org-generator.ts';
import { PERMISSION_KEYS } from './org-generator.ts';
import type {
  ChangeKind, ChangeRecord, EmulatedDirectory, EmulatedGroup, EmulatedUser, PermissionEntry, WriteOutcome,
} from './emulator-model.ts';

interface UserRecord {
  id: number;
  username: string;
  lower: string;
  userKey: string;
  displayName: string;
  email: string;
  directory: string;
  active: boolean;
  createdAt: Date;
  lastLogin: Date | null;
}

const CHANGED: WriteOutcome = { result: 'changed' };
const UNCHANGED: WriteOutcome = { result: 'unchanged' };

/** The mutable model behind one emulated Confluence instance. */
export class EmulatorState {
  maxUsers: number;
  private readonly clock: () => Date;
  private readonly directoriesByName = new Map<string, EmulatedDirectory>();
  private readonly users = new Map<string, UserRecord>();
  private readonly usersByKey = new Map<string, UserRecord>();
  private readonly groups = new Map<string, EmulatedGroup>();
  private readonly members = new Map<string, Set<string>>();
  private readonly memberOf = new Map<string, Set<string>>();
  private readonly children = new Map<string, Set<string>>();
  private readonly parents = new Map<string, Set<string>>();
  private readonly groupGrants = new Map<string, Set<PermissionKey>>();
  private readonly userGrants = new Map<string, Set<PermissionKey>>();
  private readonly credentialList: CredentialSeed[] = [];
  private readonly changeLog: ChangeRecord[] = [];
  /** Groups whose members hold "can use" (the group or an ancestor has it), and likewise for administration. */
  private licensingGroups = new Set<string>();
  private adminGroups = new Set<string>();
  private readonly seatHolders = new Set<string>();
  private readonly sortedUsers: UserRecord[];
  private readonly sortedGroups: EmulatedGroup[];
  private readonly memberListCache = new Map<string, UserRecord[]>();
  private activeListCache: UserRecord[] | null = null;

  constructor(seed: OrgSeed, options: { clock?: () => Date } = {}) {
    this.clock = options.clock ?? (() => new Date());
    this.maxUsers = seed.maxUsers;
    for (const directory of seed.directories) this.directoriesByName.set(directory.name, directory);
    for (const user of seed.users) {
      const record: UserRecord = {
        id: user.id, username: user.username, lower: user.username.toLowerCase(), userKey: user.userKey,
        displayName: user.displayName, email: user.email, directory: user.directory, active: user.active,
        createdAt: user.createdAt, lastLogin: user.lastLogin,
      };
      this.users.set(record.lower, record);
      this.usersByKey.set(record.userKey, record);
      this.memberOf.set(record.lower, new Set());
    }
    for (const group of seed.groups) {
      const directory = this.directoriesByName.get(group.directory);
      const writable = (directory?.writable ?? false) || group.local;
      const record: EmulatedGroup = { id: group.id, name: group.name, directory: group.directory, local: group.local, writable };
      this.groups.set(group.name.toLowerCase(), record);
      this.members.set(group.name.toLowerCase(), new Set());
    }
    for (const { group, username } of seed.memberships) {
      this.members.get(group.toLowerCase())?.add(username.toLowerCase());
      this.memberOf.get(username.toLowerCase())?.add(group.toLowerCase());
    }
    for (const { parent, child } of seed.nesting) {
      link(this.children, parent.toLowerCase(), child.toLowerCase());
      link(this.parents, child.toLowerCase(), parent.toLowerCase());
    }
    for (const grant of seed.grants) {
      if (grant.subject.type === 'group') link(this.groupGrants, grant.subject.name.toLowerCase(), grant.permission);
      else link(this.userGrants, grant.subject.username.toLowerCase(), grant.permission);
    }
    this.credentialList.push(seed.credentials.admin, seed.credentials.user);
    this.sortedUsers = [...this.users.values()].sort((a, b) => compare(a.lower, b.lower));
    this.sortedGroups = [...this.groups.values()].sort((a, b) => compare(a.name.toLowerCase(), b.name.toLowerCase()));
    this.recomputeGrantClosures();
  }

  /** Every write that changed state, oldest first. */
  get changes(): readonly ChangeRecord[] {
    return this.changeLog;
  }

  get directories(): readonly EmulatedDirectory[] {
    return [...this.directoriesByName.values()];
  }

  /** Seats in use: computed incrementally, O(1). */
  licensedCount(): number {
    return this.seatHolders.size;
  }

  findUser(username: string): EmulatedUser | undefined {
    return this.users.get(username.toLowerCase());
  }

  findUserByKey(userKey: string): EmulatedUser | undefined {
    return this.usersByKey.get(userKey);
  }

  findGroup(name: string): EmulatedGroup | undefined {
    return this.groups.get(name.toLowerCase());
  }

  /** All users, sorted by username (the order of `/rest/api/user/list`). */
  allUsers(): readonly EmulatedUser[] {
    return this.sortedUsers;
  }

  allGroups(): readonly EmulatedGroup[] {
    return this.sortedGroups;
  }

  /** Direct user members of a group, sorted by username; cached until the group's membership changes. */
  membersOf(group: string): readonly EmulatedUser[] {
    const key = group.toLowerCase();
    const cached = this.memberListCache.get(key);
    if (cached !== undefined) return cached;
    const list = [...(this.members.get(key) ?? [])].flatMap((name) => this.users.get(name) ?? []).sort((a, b) => compare(a.lower, b.lower));
    this.memberListCache.set(key, list);
    return list;
  }

  /** The user's direct groups, sorted by name. */
  groupsOf(username: string): readonly EmulatedGroup[] {
    return this.groupList(this.memberOf.get(username.toLowerCase()));
  }

  childGroupsOf(group: string): readonly EmulatedGroup[] {
    return this.groupList(this.children.get(group.toLowerCase()));
  }

  parentGroupsOf(group: string): readonly EmulatedGroup[] {
    return this.groupList(this.parents.get(group.toLowerCase()));
  }

  /** Licensed active users by last login ascending, never-logged-in first (the order of the admin active list). */
  activeLicensedUsers(): readonly EmulatedUser[] {
    if (this.activeListCache === null) {
      this.activeListCache = [...this.seatHolders].flatMap((name) => this.users.get(name) ?? []).sort(
        (a, b) => (a.lastLogin?.getTime() ?? -Infinity) - (b.lastLogin?.getTime() ?? -Infinity) || compare(a.lower, b.lower),
      );
    }
    return this.activeListCache;
  }

  holdsSeat(username: string): boolean {
    return this.seatHolders.has(username.toLowerCase());
  }

  /** System or Confluence administrator, directly or through a (nested) group. */
  isAdministrator(username: string): boolean {
    const lower = username.toLowerCase();
    const direct = this.userGrants.get(lower);
    if (direct?.has('system/administer') === true || direct?.has('application/administer') === true) return true;
    for (const group of this.memberOf.get(lower) ?? []) if (this.adminGroups.has(group)) return true;
    return false;
  }

  /** Permissions held directly by the user (not through groups), in the API's pair order. */
  userPermissions(username: string): readonly PermissionKey[] {
    const held = this.userGrants.get(username.toLowerCase());
    return PERMISSION_KEYS.filter((key) => held?.has(key) === true);
  }

  groupPermissions(group: string): readonly PermissionKey[] {
    const held = this.groupGrants.get(group.toLowerCase());
    return PERMISSION_KEYS.filter((key) => held?.has(key) === true);
  }

  /** Every global permission of groups (by name) then users (by username). */
  permissions(): PermissionEntry[] {
    const entries: PermissionEntry[] = [];
    for (const group of this.sortedGroups) {
      for (const permission of this.groupPermissions(group.name)) entries.push({ subject: 'group', group, permission });
    }
    for (const name of [...this.userGrants.keys()].sort(compare)) {
      const user = this.users.get(name);
      if (user === undefined) continue;
      for (const permission of this.userPermissions(name)) entries.push({ subject: 'user', user, permission });
    }
    return entries;
  }

  /** The user a login name or token belongs to; null when unknown, wrong or disabled (disabled users cannot log in). */
  authenticate(login: { token: string } | { username: string; password: string }): EmulatedUser | null {
    const credential = 'token' in login
      ? this.credentialList.find((c) => c.token === login.token)
      : this.credentialList.find((c) => c.username.toLowerCase() === login.username.toLowerCase() && c.password === login.password);
    const user = credential === undefined ? undefined : this.users.get(credential.username.toLowerCase());
    return user?.active === true ? user : null;
  }

  /** Lets another account log in (e.g. a disabled or unlicensed user in a test). */
  addCredential(credential: CredentialSeed): void {
    this.credentialList.push(credential);
  }

  /** Simulates a successful login; a test control, not a REST write, so it is not recorded in `changes`. */
  recordLogin(username: string, at: Date): void {
    const user = this.users.get(username.toLowerCase());
    if (user === undefined) throw new RangeError(`no user ${username}`);
    user.lastLogin = at;
    this.activeListCache = null;
  }

  addMembership(username: string, groupName: string): WriteOutcome {
    const found = this.userAndGroup(username, groupName);
    if ('refused' in found) return found.refused;
    const { user, group } = found;
    if (this.memberOf.get(user.lower)?.has(group) === true) return UNCHANGED;
    if (this.licensingGroups.has(group) && this.wouldTakeSeat(user)) return licenceFull(user.username);
    link(this.members, group, user.lower);
    link(this.memberOf, user.lower, group);
    this.memberListCache.delete(group);
    return this.commit(user, 'add-group', { group: this.displayGroupName(group) });
  }

  removeMembership(username: string, groupName: string): WriteOutcome {
    const found = this.userAndGroup(username, groupName);
    if ('refused' in found) return found.refused;
    const { user, group } = found;
    if (this.memberOf.get(user.lower)?.has(group) !== true) return UNCHANGED;
    this.members.get(group)?.delete(user.lower);
    this.memberOf.get(user.lower)?.delete(group);
    this.memberListCache.delete(group);
    return this.commit(user, 'remove-group', { group: this.displayGroupName(group) });
  }

  /** Disable (`active: false`) or enable a user; refused in read-only directories. */
  setActive(username: string, active: boolean): WriteOutcome {
    const user = this.users.get(username.toLowerCase());
    if (user === undefined) return userNotFound(username);
    if (!this.directoryWritable(user)) return readOnlyUser(user);
    if (user.active === active) return UNCHANGED;
    if (active && this.hasUseGrant(user) && this.directoryActive(user) && this.seatHolders.size >= this.maxUsers) {
      return licenceFull(user.username);
    }
    user.active = active;
    return this.commit(user, active ? 'enable' : 'disable', {});
  }

  grantPermission(username: string, permission: PermissionKey): WriteOutcome {
    const user = this.users.get(username.toLowerCase());
    if (user === undefined) return userNotFound(username);
    if (this.userGrants.get(user.lower)?.has(permission) === true) return UNCHANGED;
    if (permission === 'application/use' && this.wouldTakeSeat(user)) return licenceFull(user.username);
    link(this.userGrants, user.lower, permission);
    return permission === 'application/use' ? this.commit(user, 'grant-use', {}) : this.commit(user, 'grant-permission', { permission });
  }

  revokePermission(username: string, permission: PermissionKey): WriteOutcome {
    const user = this.users.get(username.toLowerCase());
    if (user === undefined) return userNotFound(username);
    const held = this.userGrants.get(user.lower);
    if (held?.has(permission) !== true) return UNCHANGED;
    held.delete(permission);
    if (held.size === 0) this.userGrants.delete(user.lower);
    return permission === 'application/use' ? this.commit(user, 'revoke-use-grant', {}) : this.commit(user, 'revoke-permission', { permission });
  }

  /** Updates display name and/or e-mail; refused in read-only directories (LDAP owns those attributes). */
  updateProfile(username: string, fields: { fullName?: string; email?: string }): WriteOutcome {
    const user = this.users.get(username.toLowerCase());
    if (user === undefined) return userNotFound(username);
    if (!this.directoryWritable(user)) return readOnlyUser(user);
    const displayName = fields.fullName ?? user.displayName;
    const email = fields.email ?? user.email;
    if (displayName === user.displayName && email === user.email) return UNCHANGED;
    user.displayName = displayName;
    user.email = email;
    return this.commit(user, 'update-profile', {});
  }

  private commit(user: UserRecord, kind: ChangeKind, extra: { group?: string; permission?: PermissionKey }): WriteOutcome {
    this.refreshSeat(user);
    this.changeLog.push({ seq: this.changeLog.length + 1, at: this.clock(), kind, username: user.username, ...extra });
    return CHANGED;
  }

  private userAndGroup(username: string, groupName: string): { user: UserRecord; group: string } | { refused: WriteOutcome } {
    const user = this.users.get(username.toLowerCase());
    if (user === undefined) return { refused: userNotFound(username) };
    const group = this.groups.get(groupName.toLowerCase());
    if (group === undefined) return { refused: { result: 'refused', reason: 'group-not-found', message: `Group '${groupName}' does not exist` } };
    if (!group.writable) {
      return {
        refused: {
          result: 'refused', reason: 'read-only',
          message: `Group '${group.name}' belongs to the read-only directory '${group.directory}' and cannot be modified`,
        },
      };
    }
    return { user, group: group.name.toLowerCase() };
  }

  /** True when the write would give this user a seat and none is left. */
  private wouldTakeSeat(user: UserRecord): boolean {
    return !this.seatHolders.has(user.lower) && user.active && this.directoryActive(user) && this.seatHolders.size >= this.maxUsers;
  }

  private hasUseGrant(user: UserRecord): boolean {
    if (this.userGrants.get(user.lower)?.has('application/use') === true) return true;
    for (const group of this.memberOf.get(user.lower) ?? []) if (this.licensingGroups.has(group)) return true;
    return false;
  }

  private refreshSeat(user: UserRecord): void {
    const holds = user.active && this.directoryActive(user) && this.hasUseGrant(user);
    if (holds === this.seatHolders.has(user.lower)) return;
    if (holds) this.seatHolders.add(user.lower);
    else this.seatHolders.delete(user.lower);
    this.activeListCache = null;
  }

  private directoryActive(user: UserRecord): boolean {
    return this.directoriesByName.get(user.directory)?.active ?? false;
  }

  private directoryWritable(user: UserRecord): boolean {
    return this.directoriesByName.get(user.directory)?.writable ?? false;
  }

  /** A group grants to its own members and, through nesting, to members of every descendant group. */
  private recomputeGrantClosures(): void {
    const holders = (keys: readonly PermissionKey[]): Set<string> => {
      const start = [...this.groupGrants].filter(([, held]) => keys.some((key) => held.has(key))).map(([group]) => group);
      const reached = new Set<string>(start);
      for (const queue = [...start]; queue.length > 0; ) {
        for (const child of this.children.get(queue.pop() ?? '') ?? []) {
          if (!reached.has(child)) {
            reached.add(child);
            queue.push(child);
          }
        }
      }
      return reached;
    };
    this.licensingGroups = holders(['application/use']);
    this.adminGroups = holders(['system/administer', 'application/administer']);
    this.seatHolders.clear();
    for (const user of this.users.values()) if (user.active && this.directoryActive(user) && this.hasUseGrant(user)) this.seatHolders.add(user.lower);
    this.activeListCache = null;
  }

  private groupList(names: ReadonlySet<string> | undefined): EmulatedGroup[] {
    return [...(names ?? [])].flatMap((name) => this.groups.get(name) ?? []).sort((a, b) => compare(a.name.toLowerCase(), b.name.toLowerCase()));
  }

  private displayGroupName(lower: string): string {
    return this.groups.get(lower)?.name ?? lower;
  }
}

function link<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set === undefined) map.set(key, new Set([value]));
  else set.add(value);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function userNotFound(username: string): WriteOutcome {
  return { result: 'refused', reason: 'user-not-found', message: `No user found with username '${username}'` };
}

function readOnlyUser(user: UserRecord): WriteOutcome {
  return {
    result: 'refused', reason: 'read-only',
    message: `User '${user.username}' belongs to the read-only directory '${user.directory}' and cannot be modified`,
  };
}

function licenceFull(username: string): WriteOutcome {
  return { result: 'refused', reason: 'licence-full', message: `Cannot give '${username}' a licence: no more licenses available` };
}
