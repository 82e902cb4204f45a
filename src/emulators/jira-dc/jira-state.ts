/**
 * The emulated Jira instance's data: users (key stable, name renameable, compared case-insensitively),
 * groups, nesting, applications with seats and granting groups, global permissions, and the writes Jira's
 * REST API allows. A user holds a seat in an application when active, in an active directory, and a
 * member — directly or through nested groups — of one of the application's groups ("Manage group access to
 * applications", Jira 9.6 docs: users "need to belong to a group to access Jira applications … a member of
 * more than one of those groups … will only consume one user"; VERIFIED). Jira DC has no per-user grant:
 * `POST /user/application` adds the user to the application's default group and `DELETE` removes them from
 * "all the groups that could grant them access" ("Assign users to groups, project roles, and applications",
 * Jira 9.9 docs; VERIFIED). Seats are kept per write, so no request costs O(users × groups).
 */

import type { CredentialSeed, DirectorySeed } from '../confluence-dc/org-generator.ts';
import { compare, MembershipGraph } from '../confluence-dc/membership-graph.ts';
import type { JiraGlobalPermission, JiraOrgSeed } from './jira-org-generator.ts';
import type { JiraApplicationRole, JiraChangeKind, JiraChangeRecord, JiraGroup, JiraRefusal, JiraUser, JiraWriteOutcome } from './jira-model.ts';
import { DEFAULT_JIRA_READINGS, type JiraLicenceFull } from './jira-readings.ts';

interface UserRecord {
  id: number; appUserId: number; username: string; lower: string; key: string; displayName: string; email: string;
  directory: string; active: boolean; createdAt: Date; lastLogin: Date | null;
}

interface ApplicationRecord {
  readonly key: string;
  readonly name: string;
  readonly groups: readonly string[];
  readonly defaultGroups: readonly string[];
  numberOfSeats: number;
  /** Lower-case names of the role's groups and every group nested below them. */
  granting: Set<string>;
  readonly holders: Set<string>;
}

/** The fields `PUT /rest/api/2/user` may change. */
export interface JiraUserUpdate {
  readonly name?: string;
  readonly displayName?: string;
  readonly emailAddress?: string;
  readonly active?: boolean;
}

const CHANGED: JiraWriteOutcome = { result: 'changed' };
const UNCHANGED: JiraWriteOutcome = { result: 'unchanged' };

/** The mutable model behind one emulated Jira instance. */
export class JiraState {
  /** Mutable, so a test can switch readings on a running emulator. */
  licenceFull: JiraLicenceFull;
  private readonly clock: () => Date;
  private readonly directories = new Map<string, DirectorySeed>();
  private readonly users = new Map<string, UserRecord>();
  private readonly usersByKey = new Map<string, UserRecord>();
  private readonly groups = new Map<string, JiraGroup>();
  private readonly graph = new MembershipGraph<UserRecord>((lower) => this.users.get(lower));
  private readonly applications = new Map<string, ApplicationRecord>();
  private readonly permissionGroups = new Map<JiraGlobalPermission, Set<string>>();
  private readonly credentials: CredentialSeed[] = [];
  private readonly changeLog: JiraChangeRecord[] = [];
  private readonly streamOrder: UserRecord[];
  private sortedUsers: UserRecord[] | null = null;
  private readonly sortedGroups: JiraGroup[];

  constructor(seed: JiraOrgSeed, options: { clock?: () => Date; licenceFull?: JiraLicenceFull } = {}) {
    this.clock = options.clock ?? (() => new Date());
    this.licenceFull = options.licenceFull ?? DEFAULT_JIRA_READINGS.licenceFull;
    for (const directory of seed.directories) this.directories.set(directory.name, directory);
    for (const user of seed.users) {
      const record: UserRecord = {
        id: user.id, appUserId: user.appUserId, username: user.username, lower: user.username.toLowerCase(), key: user.key,
        displayName: user.displayName, email: user.email, directory: user.directory, active: user.active, createdAt: user.createdAt,
        lastLogin: user.lastLogin,
      };
      this.users.set(record.lower, record);
      this.usersByKey.set(record.key, record);
    }
    for (const group of seed.groups) {
      const writable = (this.directories.get(group.directory)?.writable ?? false) || group.local;
      this.groups.set(group.name.toLowerCase(), { id: group.id, name: group.name, directory: group.directory, local: group.local, writable });
    }
    for (const { parent, child } of seed.nesting) this.graph.nest(parent.toLowerCase(), child.toLowerCase());
    for (const { group, username } of seed.memberships) {
      const user = this.users.get(username.toLowerCase());
      if (user !== undefined && this.groups.has(group.toLowerCase())) this.graph.add(group.toLowerCase(), user);
    }
    for (const { permission, group } of seed.globalPermissions) {
      const set = this.permissionGroups.get(permission) ?? new Set<string>();
      set.add(group.toLowerCase());
      this.permissionGroups.set(permission, set);
    }
    for (const app of seed.applications) {
      const granting = this.graph.descendants(...app.groups.map((g) => g.toLowerCase()));
      this.applications.set(app.key, { ...app, granting, holders: new Set() });
    }
    for (const user of this.users.values()) this.refreshSeats(user);
    this.credentials.push(seed.credentials.admin, seed.credentials.user);
    this.streamOrder = [...this.users.values()].sort((a, b) => a.appUserId - b.appUserId);
    this.sortedGroups = [...this.groups.values()].sort((a, b) => compare(a.name.toLowerCase(), b.name.toLowerCase()));
  }

  /** Every write that changed state, oldest first. */
  get changes(): readonly JiraChangeRecord[] {
    return this.changeLog;
  }

  get directoryList(): readonly DirectorySeed[] {
    return [...this.directories.values()];
  }

  findUser(username: string): JiraUser | undefined {
    return this.users.get(username.toLowerCase());
  }

  /** User keys are compared exactly (they are identifiers, not names). */
  findUserByKey(key: string): JiraUser | undefined {
    return this.usersByKey.get(key);
  }

  findGroup(name: string): JiraGroup | undefined {
    return this.groups.get(name.toLowerCase());
  }

  /** Users in app_user.id order: the order of the `/user/list` stream, whose cursor is that id. */
  streamUsers(): readonly JiraUser[] {
    return this.streamOrder;
  }

  /** Users sorted by lower-case username (the order of `/user/search`). */
  allUsers(): readonly JiraUser[] {
    this.sortedUsers ??= [...this.users.values()].sort((a, b) => compare(a.lower, b.lower));
    return this.sortedUsers;
  }

  allGroups(): readonly JiraGroup[] {
    return this.sortedGroups;
  }

  membersOf(group: string): readonly JiraUser[] {
    return this.graph.directMembers(group.toLowerCase());
  }

  flattenedMembersOf(group: string): readonly JiraUser[] {
    return this.graph.flattenedMembers(group.toLowerCase());
  }

  childGroupsOf(group: string): readonly JiraGroup[] {
    return this.groupList(this.graph.childrenOf(group.toLowerCase()));
  }

  /** The user's direct groups, sorted by name. */
  groupsOf(username: string): readonly JiraGroup[] {
    return this.groupList(this.graph.groupsOf(username.toLowerCase()));
  }

  /** Direct groups and every group above them through nesting, sorted by name. */
  effectiveGroupsOf(username: string): readonly JiraGroup[] {
    return this.groupList(this.ancestorsOf(this.graph.groupsOf(username.toLowerCase())));
  }

  /** Application roles, sorted by key, with their seat counts now. */
  applicationRoles(): readonly JiraApplicationRole[] {
    return [...this.applications.values()].sort((a, b) => compare(a.key, b.key)).map((app) => this.roleOf(app));
  }

  applicationRole(key: string): JiraApplicationRole | undefined {
    const app = this.applications.get(key);
    return app === undefined ? undefined : this.roleOf(app);
  }

  /** Changes a role's seats (a licence change; a test control, not recorded). */
  setSeats(key: string, numberOfSeats: number): void {
    const app = this.applications.get(key);
    if (app === undefined) throw new RangeError(`no application ${key}`);
    app.numberOfSeats = numberOfSeats;
  }

  /** Keys of the applications the user holds a seat in, sorted. */
  applicationsOf(username: string): readonly string[] {
    const lower = username.toLowerCase();
    return [...this.applications.values()].filter((app) => app.holders.has(lower)).map((app) => app.key).sort(compare);
  }

  /** Whether the user holds the permission through a group (nesting followed). */
  hasPermission(username: string, permission: JiraGlobalPermission): boolean {
    const groups = this.permissionGroups.get(permission);
    if (groups === undefined) return false;
    for (const group of this.ancestorsOf(this.graph.groupsOf(username.toLowerCase()))) if (groups.has(group)) return true;
    return false;
  }

  /** Lower-case names of the groups the permission is granted to directly, sorted. */
  permissionGrants(permission: JiraGlobalPermission): readonly string[] {
    return [...(this.permissionGroups.get(permission) ?? [])].sort(compare);
  }

  isAdministrator(username: string): boolean {
    return this.hasPermission(username, 'ADMINISTER') || this.hasPermission(username, 'SYSTEM_ADMIN');
  }

  /** The user a login or token belongs to; null when unknown, wrong or inactive (inactive users cannot log in). */
  authenticate(login: { token: string } | { username: string; password: string }): JiraUser | null {
    const credential = 'token' in login
      ? this.credentials.find((c) => c.token === login.token)
      : this.credentials.find((c) => c.username.toLowerCase() === login.username.toLowerCase() && c.password === login.password);
    const user = credential === undefined ? undefined : this.findCredentialUser(credential);
    return user?.active === true ? user : null;
  }

  /** Lets another account log in (e.g. an inactive user in a test). */
  addCredential(credential: CredentialSeed): void {
    this.credentials.push(credential);
  }

  /** Simulates a successful login; a test control, not recorded in `changes`. */
  recordLogin(username: string, at: Date): void {
    this.record(username).lastLogin = at;
  }

  /** `POST /group/user`: the spec answers 400 when "the user already belongs to the group". */
  addMembership(username: string, groupName: string): JiraWriteOutcome {
    const found = this.userAndGroup(username, groupName);
    if ('refused' in found) return found.refused;
    const { user, group } = found;
    if (this.graph.isMember(user, group)) return refused('already-member', `User '${user.username}' is already a member of '${groupName}'`);
    const full = this.seatRefusal(user, [...this.graph.groupsOf(user.lower), group], user.active);
    if (full !== null) return full;
    this.graph.add(group, user);
    return this.commit(user, 'add-group', { group: this.groups.get(group)?.name ?? group });
  }

  /** `DELETE /group/user`. A user outside the group is refused ('not-member', see the HTTP layer's reading). */
  removeMembership(username: string, groupName: string): JiraWriteOutcome {
    const found = this.userAndGroup(username, groupName);
    if ('refused' in found) return found.refused;
    const { user, group } = found;
    if (!this.graph.remove(group, user)) {
      return refused('not-member', `Cannot remove user '${user.username}' from group '${groupName}' since user is not a member of '${groupName}'`);
    }
    return this.commit(user, 'remove-group', { group: this.groups.get(group)?.name ?? group });
  }

  /** `POST /user/application`: joins the role's first default group unless the user holds the seat already. */
  grantApplication(username: string, applicationKey: string): JiraWriteOutcome {
    const user = this.users.get(username.toLowerCase());
    if (user === undefined) return refused('user-not-found', `The user with username '${username}' does not exist`);
    const app = this.applications.get(applicationKey);
    if (app === undefined) return refused('application-not-found', `Application '${applicationKey}' does not exist`, 'applicationKey');
    const direct = this.graph.groupsOf(user.lower);
    if ([...direct].some((group) => app.granting.has(group))) return UNCHANGED;
    const target = app.defaultGroups[0];
    if (target === undefined) return refused('invalid', `Application '${applicationKey}' has no default group`, 'applicationKey');
    return this.addMembership(user.username, target);
  }

  /**
   * `DELETE /user/application`: leaves every group that grants the role, directly or through nesting. Refused
   * as a whole, changing nothing, when one of them belongs to a read-only directory.
   */
  revokeApplication(username: string, applicationKey: string): JiraWriteOutcome {
    const user = this.users.get(username.toLowerCase());
    if (user === undefined) return refused('user-not-found', `The user with username '${username}' does not exist`);
    const app = this.applications.get(applicationKey);
    if (app === undefined) return refused('application-not-found', `Application '${applicationKey}' does not exist`, 'applicationKey');
    const leaving = [...this.graph.groupsOf(user.lower)].filter((group) => app.granting.has(group)).sort(compare);
    const locked = leaving.find((group) => this.groups.get(group)?.writable !== true);
    if (locked !== undefined) {
      return refused('read-only', `Group '${this.groups.get(locked)?.name ?? locked}' belongs to a read-only directory and cannot be modified`);
    }
    for (const group of leaving) {
      this.graph.remove(group, user);
      this.commit(user, 'remove-group', { group: this.groups.get(group)?.name ?? group });
    }
    return leaving.length === 0 ? UNCHANGED : CHANGED;
  }

  /** `PUT /user`: rename, display name, e-mail and active flag, checked first and then applied together. */
  updateUser(username: string, update: JiraUserUpdate): JiraWriteOutcome {
    const user = this.users.get(username.toLowerCase());
    if (user === undefined) return refused('user-not-found', `The user with username '${username}' does not exist`);
    const renaming = update.name !== undefined && update.name !== user.username;
    const profile = (update.displayName !== undefined && update.displayName !== user.displayName)
      || (update.emailAddress !== undefined && update.emailAddress !== user.email);
    const activating = update.active !== undefined && update.active !== user.active;
    if (!renaming && !profile && !activating) return UNCHANGED;
    if (this.directories.get(user.directory)?.writable !== true) {
      return refused('read-only', `User '${user.username}' belongs to the read-only directory '${user.directory}' and cannot be modified`);
    }
    if (renaming && update.name !== undefined) {
      const taken = this.users.get(update.name.toLowerCase());
      // Jira validates a rename with its sign-up check (signup.error.username.exists, field username; 3RD-PARTY source copy); the English text is UNVERIFIED.
      if (taken !== undefined && taken !== user) return refused('name-taken', 'A user with that username already exists.', 'username');
    }
    if (activating && update.active === true) {
      const full = this.seatRefusal(user, [...this.graph.groupsOf(user.lower)], true);
      if (full !== null) return full;
    }
    if (renaming && update.name !== undefined) this.rename(user, update.name);
    if (profile) {
      user.displayName = update.displayName ?? user.displayName;
      user.email = update.emailAddress ?? user.email;
      this.commit(user, 'update-profile', {});
    }
    if (activating && update.active !== undefined) {
      user.active = update.active;
      this.commit(user, update.active ? 'enable' : 'disable', {});
    }
    return CHANGED;
  }

  private rename(user: UserRecord, name: string): void {
    const previous = user.username;
    const groups = [...this.graph.groupsOf(user.lower)];
    for (const group of groups) this.graph.remove(group, user);
    for (const app of this.applications.values()) app.holders.delete(user.lower);
    this.users.delete(user.lower);
    user.username = name;
    user.lower = name.toLowerCase();
    this.users.set(user.lower, user);
    for (const group of groups) this.graph.add(group, user);
    for (const credential of this.credentials.filter((c) => c.username.toLowerCase() === previous.toLowerCase())) {
      this.credentials[this.credentials.indexOf(credential)] = { ...credential, username: name };
    }
    this.sortedUsers = null;
    this.commit(user, 'rename', { previousUsername: previous });
  }

  /** The first application whose seats this membership set would overrun for the user, as a refusal; null when fine. */
  private seatRefusal(user: UserRecord, groups: readonly string[], active: boolean): JiraWriteOutcome | null {
    if (this.licenceFull === 'allow' || !active || this.directories.get(user.directory)?.active !== true) return null;
    for (const app of this.applications.values()) {
      if (app.numberOfSeats < 0 || app.holders.has(user.lower) || !groups.some((group) => app.granting.has(group))) continue;
      if (app.holders.size >= app.numberOfSeats) {
        return refused('licence-full', `You have exceeded the number of users allowed to use ${app.name} under your license`);
      }
    }
    return null;
  }

  private refreshSeats(user: UserRecord): void {
    const direct = this.graph.groupsOf(user.lower);
    const eligible = user.active && this.directories.get(user.directory)?.active === true;
    for (const app of this.applications.values()) {
      if (eligible && [...direct].some((group) => app.granting.has(group))) app.holders.add(user.lower);
      else app.holders.delete(user.lower);
    }
  }

  private commit(user: UserRecord, kind: JiraChangeKind, extra: { group?: string; previousUsername?: string }): JiraWriteOutcome {
    this.refreshSeats(user);
    this.changeLog.push({ seq: this.changeLog.length + 1, at: this.clock(), kind, key: user.key, username: user.username, ...extra });
    return CHANGED;
  }

  private roleOf(app: ApplicationRecord): JiraApplicationRole {
    return { key: app.key, name: app.name, groups: app.groups, defaultGroups: app.defaultGroups, numberOfSeats: app.numberOfSeats, userCount: app.holders.size };
  }

  private userAndGroup(username: string, groupName: string): { user: UserRecord; group: string } | { refused: JiraWriteOutcome } {
    const user = this.users.get(username.toLowerCase());
    if (user === undefined) return { refused: refused('user-not-found', `The user with username '${username}' does not exist`) };
    const group = this.groups.get(groupName.toLowerCase());
    if (group === undefined) return { refused: refused('group-not-found', `Specified group '${groupName}' does not exist`) };
    if (!group.writable) {
      return { refused: refused('read-only', `Group '${group.name}' belongs to the read-only directory '${group.directory}' and cannot be modified`) };
    }
    return { user, group: group.name.toLowerCase() };
  }

  private ancestorsOf(groups: Iterable<string>): Set<string> {
    const reached = new Set<string>(groups);
    for (const queue = [...reached]; queue.length > 0;) {
      for (const parent of this.graph.parentsOf(queue.pop() ?? '')) {
        if (!reached.has(parent)) {
          reached.add(parent);
          queue.push(parent);
        }
      }
    }
    return reached;
  }

  private groupList(names: Iterable<string>): JiraGroup[] {
    return [...names].flatMap((name) => this.groups.get(name) ?? []).sort((a, b) => compare(a.name.toLowerCase(), b.name.toLowerCase()));
  }

  private record(username: string): UserRecord {
    const user = this.users.get(username.toLowerCase());
    if (user === undefined) throw new RangeError(`no user ${username}`);
    return user;
  }

  private findCredentialUser(credential: CredentialSeed): UserRecord | undefined {
    return this.users.get(credential.username.toLowerCase());
  }
}

function refused(reason: JiraRefusal, message: string, field?: string): JiraWriteOutcome {
  return { result: 'refused', reason, message, ...(field === undefined ? {} : { field }) };
}
