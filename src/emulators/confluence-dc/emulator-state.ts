/**
 * The emulated instance's data: users, groups, nesting, global permissions and the licence, with the
 * writes Confluence's REST API allows. Seats are counted exactly as Confluence does (active user, active
 * directory, "can use" directly or through a group, nested groups included) and kept up to date per write,
 * so no request costs O(users × groups). Every write that changed something is appended to `changes`.
 */

import type { CredentialSeed, OrgSeed, PermissionKey } from './org-generator.ts';
import { PERMISSION_KEYS } from './org-generator.ts';
import type {
  ChangeKind, ChangeRecord, EmulatedDirectory, EmulatedGroup, EmulatedUser, PermissionEntry, UserStatus, WriteOutcome,
} from './emulator-model.ts';
import { DEFAULT_READINGS, type LicenceFull } from './emulator-readings.ts';
import { compare, link, MembershipGraph } from './membership-graph.ts';

interface UserRecord {
  id: number;
  username: string;
  lower: string;
  userKey: string;
  displayName: string;
  email: string;
  directory: string;
  active: boolean;
  externallyDeleted: boolean;
  createdAt: Date;
  lastLogin: Date | null;
}

/** Options of the {@link EmulatorState} constructor. */
export interface EmulatorStateOptions {
  /** Time stamps of the change record; default the wall clock. */
  readonly clock?: () => Date;
  /** What a write beyond `maxUsers` does (see LicenceFull); default 'allow'. */
  readonly licenceFull?: LicenceFull;
}

const CHANGED: WriteOutcome = { result: 'changed' };
const UNCHANGED: WriteOutcome = { result: 'unchanged' };

/** The mutable model behind one emulated Confluence instance. */
export class EmulatorState {
  maxUsers: number;
  /** Mutable like `maxUsers`, so a test can switch readings on a running emulator. */
  licenceFull: LicenceFull;
  private readonly clock: () => Date;
  private readonly directoriesByName = new Map<string, EmulatedDirectory>();
  private readonly users = new Map<string, UserRecord>();
  private readonly usersByKey = new Map<string, UserRecord>();
  private readonly groups = new Map<string, EmulatedGroup>();
  private readonly graph = new MembershipGraph<UserRecord>((lower) => this.users.get(lower));
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
  private activeListCache: UserRecord[] | null = null;

  constructor(seed: OrgSeed, options: EmulatorStateOptions = {}) {
    this.clock = options.clock ?? (() => new Date());
    this.maxUsers = seed.maxUsers;
    this.licenceFull = options.licenceFull ?? DEFAULT_READINGS.licenceFull;
    for (const directory of seed.directories) this.directoriesByName.set(directory.name, directory);
    for (const user of seed.users) {
      const record: UserRecord = {
        id: user.id, username: user.username, lower: user.username.toLowerCase(), userKey: user.userKey,
        displayName: user.displayName, email: user.email, directory: user.directory, active: user.active,
        externallyDeleted: false, createdAt: user.createdAt, lastLogin: user.lastLogin,
      };
      this.users.set(record.lower, record);
      this.usersByKey.set(record.userKey, record);
    }
    for (const group of seed.groups) {
      const directory = this.directoriesByName.get(group.directory);
      const writable = (directory?.writable ?? false) || group.local;
      const record: EmulatedGroup = { id: group.id, name: group.name, directory: group.directory, local: group.local, writable };
      this.groups.set(group.name.toLowerCase(), record);
    }
    for (const { parent, child } of seed.nesting) this.graph.nest(parent.toLowerCase(), child.toLowerCase());
    for (const { group, username } of seed.memberships) {
      const user = this.users.get(username.toLowerCase());
      if (user !== undefined && this.groups.has(group.toLowerCase())) this.graph.add(group.toLowerCase(), user);
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

  /** Direct user members of a group, sorted by username (what cwd_membership holds). */
  membersOf(group: string): readonly EmulatedUser[] {
    return this.graph.directMembers(group.toLowerCase());
  }

  /**
   * Users who are members of the group or of any descendant group (nesting followed, cycles tolerated),
   * each once, sorted by username.
   */
  flattenedMembersOf(group: string): readonly EmulatedUser[] {
    return this.graph.flattenedMembers(group.toLowerCase());
  }

  /** The user's direct groups, sorted by name. */
  groupsOf(username: string): readonly EmulatedGroup[] {
    return this.groupList(this.graph.groupsOf(username.toLowerCase()));
  }

  childGroupsOf(group: string): readonly EmulatedGroup[] {
    return this.groupList(this.graph.childrenOf(group.toLowerCase()));
  }

  parentGroupsOf(group: string): readonly EmulatedGroup[] {
    return this.groupList(this.graph.parentsOf(group.toLowerCase()));
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

  /**
   * The user's `UserStatus`: externally deleted, else deactivated when disabled, else unlicensed when the
   * seat computation gives no seat, else current.
   */
  statusOf(username: string): UserStatus {
    const user = this.users.get(username.toLowerCase());
    if (user === undefined) throw new RangeError(`no user ${username}`);
    if (user.externallyDeleted) return 'EXTERNALLY_DELETED';
    if (!user.active) return 'DEACTIVATED';
    return this.seatHolders.has(user.lower) ? 'CURRENT' : 'UNLICENSED';
  }

  /** System or Confluence administrator, directly or through a (nested) group. */
  isAdministrator(username: string): boolean {
    const lower = username.toLowerCase();
    const direct = this.userGrants.get(lower);
    if (direct?.has('system/administer') === true || direct?.has('application/administer') === true) return true;
    for (const group of this.graph.groupsOf(lower)) if (this.adminGroups.has(group)) return true;
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

  /**
   * Simulates the external directory deleting the account (a test control, not recorded in `changes`): it
   * stays listed, becomes inactive, loses its seat, cannot log in, and enabling it is refused.
   */
  markExternallyDeleted(username: string): void {
    const user = this.users.get(username.toLowerCase());
    if (user === undefined) throw new RangeError(`no user ${username}`);
    user.externallyDeleted = true;
    user.active = false;
    this.refreshSeat(user);
  }

  /** Simulates a successful login; a test control, not a REST write, so it is not recorded in `changes`. */
  recordLogin(username: string, at: Date): void {
    const user = this.users.get(username.toLowerCase());
    if (user === undefined) throw new RangeError(`no user ${username}`);
    user.lastLogin = at;
    this.activeListCache = null;
  }

  /**
   * Simulates an administrator renaming the account in Confluence's administration console (a test control, not a
   * REST write, so not recorded in `changes`): the user key, groups, permissions and logins stay with the account.
   */
  renameUser(username: string, newName: string): void {
    const user = this.users.get(username.toLowerCase());
    if (user === undefined) throw new RangeError(`no user ${username}`);
    const lower = newName.toLowerCase();
    if (lower !== user.lower && this.users.has(lower)) throw new RangeError(`a user ${newName} exists`);
    const groups = [...this.graph.groupsOf(user.lower)];
    for (const group of groups) this.graph.remove(group, user);
    const grants = this.userGrants.get(user.lower);
    this.userGrants.delete(user.lower);
    this.seatHolders.delete(user.lower);
    this.users.delete(user.lower);
    user.username = newName;
    user.lower = lower;
    this.users.set(lower, user);
    for (const group of groups) this.graph.add(group, user);
    if (grants !== undefined) this.userGrants.set(lower, grants);
    this.sortedUsers.sort((a, b) => compare(a.lower, b.lower));
    this.refreshSeat(user);
    this.activeListCache = null;
  }

  addMembership(username: string, groupName: string): WriteOutcome {
    const found = this.userAndGroup(username, groupName);
    if ('refused' in found) return found.refused;
    const { user, group } = found;
    if (this.graph.isMember(user, group)) return UNCHANGED;
    if (this.licensingGroups.has(group) && this.refusesSeat(user)) return noSeatLeft(user.username);
    this.graph.add(group, user);
    return this.commit(user, 'add-group', { group: this.displayGroupName(group) });
  }

  removeMembership(username: string, groupName: string): WriteOutcome {
    const found = this.userAndGroup(username, groupName);
    if ('refused' in found) return found.refused;
    const { user, group } = found;
    if (!this.graph.remove(group, user)) return UNCHANGED;
    return this.commit(user, 'remove-group', { group: this.displayGroupName(group) });
  }

  /** Disable (`active: false`) or enable a user; refused in read-only directories and for externally deleted accounts. */
  setActive(username: string, active: boolean): WriteOutcome {
    const user = this.users.get(username.toLowerCase());
    if (user === undefined) return userNotFound(username);
    if (active && user.externallyDeleted) {
      return {
        result: 'refused', reason: 'externally-deleted',
        message: `User '${user.username}' was deleted from the directory '${user.directory}' and cannot be enabled`,
      };
    }
    if (!this.directoryWritable(user)) return readOnlyUser(user);
    if (user.active === active) return UNCHANGED;
    if (active && this.licenceFull === 'refuse-402' && this.hasUseGrant(user) && this.directoryActive(user) && this.seatHolders.size >= this.maxUsers) {
      return noSeatLeft(user.username);
    }
    user.active = active;
    return this.commit(user, active ? 'enable' : 'disable', {});
  }

  grantPermission(username: string, permission: PermissionKey): WriteOutcome {
    const user = this.users.get(username.toLowerCase());
    if (user === undefined) return userNotFound(username);
    if (this.userGrants.get(user.lower)?.has(permission) === true) return UNCHANGED;
    if (permission === 'application/use' && this.refusesSeat(user)) return noSeatLeft(user.username);
    link(this.userGrants, user.lower, permission);
    return permission === 'application/use' ? this.commit(user, 'grant-use', {}) : this.commit(user, 'grant-permission', { permission });
  }

  /**
   * Revokes one permission held by the user individually. Revoking application/use removes every global
   * permission the user holds individually: "When 'application use' is revoked, all granted permissions will
   * be removed from target user." (spec and 10.2 docs, VERIFIED). Whether that also happens when the user
   * did not hold "can use" individually is not said; the sentence ties it to the revoke, so it does here.
   * Group grants are never touched. Each removal is its own change record.
   */
  revokePermission(username: string, permission: PermissionKey): WriteOutcome {
    const user = this.users.get(username.toLowerCase());
    if (user === undefined) return userNotFound(username);
    const held = this.userGrants.get(user.lower);
    const removing = permission === 'application/use' ? PERMISSION_KEYS.filter((key) => held?.has(key) === true) : held?.has(permission) === true ? [permission] : [];
    if (held === undefined || removing.length === 0) return UNCHANGED;
    for (const key of removing) {
      held.delete(key);
      if (held.size === 0) this.userGrants.delete(user.lower);
      if (key === 'application/use') this.commit(user, 'revoke-use-grant', {});
      else this.commit(user, 'revoke-permission', { permission: key });
    }
    return CHANGED;
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

  /** True when the write would give this user a seat, none is left, and the licence-full reading refuses it. */
  private refusesSeat(user: UserRecord): boolean {
    return this.licenceFull === 'refuse-402' && !this.seatHolders.has(user.lower) && user.active && this.directoryActive(user)
      && this.seatHolders.size >= this.maxUsers;
  }

  private hasUseGrant(user: UserRecord): boolean {
    if (this.userGrants.get(user.lower)?.has('application/use') === true) return true;
    for (const group of this.graph.groupsOf(user.lower)) if (this.licensingGroups.has(group)) return true;
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
    const holders = (keys: readonly PermissionKey[]): Set<string> =>
      this.graph.descendants(...[...this.groupGrants].filter(([, held]) => keys.some((key) => held.has(key))).map(([group]) => group));
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

function userNotFound(username: string): WriteOutcome {
  return { result: 'refused', reason: 'user-not-found', message: `No user found with username '${username}'` };
}

function readOnlyUser(user: UserRecord): WriteOutcome {
  return {
    result: 'refused', reason: 'read-only',
    message: `User '${user.username}' belongs to the read-only directory '${user.directory}' and cannot be modified`,
  };
}

function noSeatLeft(username: string): WriteOutcome {
  return { result: 'refused', reason: 'licence-full', message: `Cannot give '${username}' a licence: no more licenses available` };
}
