/** The port every Confluence connector implements: reads for a scan, and idempotent writes for a run. */

import type {
  AccountStatus,
  DirectorySnapshot,
  GroupNesting,
  LicenseUsage,
  Membership,
  PermissionGrants,
} from '../domain/snapshot.ts';
import type { UserState } from '../domain/journal.ts';

/** What a connector can do; the plan and the runner read these instead of guessing. */
export interface ConfluenceCapabilities {
  /** Where last-login dates come from. */
  readonly lastLogin: 'rest' | 'database';
  /** `/rest/api/permissions` exists (9.3+): grants are read, not configured. */
  readonly permissionsApi: boolean;
  readonly disable: boolean;
  /** Username rename: Confluence DC's REST API has none. */
  readonly rename: boolean;
  /** `PUT /rest/api/admin/user/{username}` for display name and e-mail. */
  readonly updateProfile: boolean;
  /**
   * What `listGroupMembers` yields: `direct` members only (the database's cwd_membership), or a list that may be
   * `flattened` with the members of child groups (Confluence's REST member list; undocumented, evidence says flattened),
   * from which the scan derives direct memberships through the nesting.
   */
  readonly memberLists: 'direct' | 'maybe-flattened';
}

/** Where the version was read: `server-information` (9.1+), else routes every version has. */
export type VersionSource = 'server-information' | 'applinks-manifest' | 'page-meta';

/** Who we are connected as and to what. */
export interface InstanceProbe {
  readonly version: string;
  readonly versionSource: VersionSource;
  readonly connectedAs: string;
  readonly baseUrl: string;
}

/** A user as listed by the instance (no login facts: those come from `lastLogins`). */
export interface ListedUser {
  readonly username: string;
  readonly userKey: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly status: AccountStatus;
  /** The `status` word as Confluence sent it (null when none): an unknown one is counted and named by the scan. */
  readonly statusWord: string | null;
  readonly directory: string | null;
}

/** Login facts for one user; `lastLogin: null` = the source says never. */
export interface LoginFact {
  readonly username: string;
  readonly lastLogin: Date | null;
  readonly createdAt: Date | null;
  /**
   * Name of the user's directory per the database; where the username exists in several directories, the one
   * Confluence resolves it to (the first active one in directory order). `null` from REST, which never says.
   */
  readonly directory: string | null;
  /** E-mail where this source has it (the 10.2 admin list, cwd_user.email_address); null when not said. */
  readonly email: string | null;
}

/** The instance's user directories and the groups whose membership Confluence cannot change. */
export interface DirectoryFacts {
  /** In Confluence's resolution order. */
  readonly directories: DirectorySnapshot[];
  /** Group names (sorted) held by a read-only directory (e.g. LDAP groups that are not local): no add or remove there. */
  readonly readOnlyGroups: string[];
}

export interface ConfluenceConnector {
  readonly instance: string;
  readonly capabilities: ConfluenceCapabilities;

  /** Checks URL, credentials, version (8.4+) and admin permission; throws a fixable ConnectorError naming what to fix. */
  probe(signal?: AbortSignal): Promise<InstanceProbe>;
  /** Every registered user. Throws ConnectorError when paging ends short of the promised total. */
  listUsers(signal?: AbortSignal): AsyncIterable<ListedUser>;
  listGroups(signal?: AbortSignal): AsyncIterable<string>;
  /**
   * The users a group lists, as usernames: direct members, or flattened (see `capabilities.memberLists`). Throws
   * UnaddressableName for a name that cannot be put into a path.
   */
  listGroupMembers(group: string, signal?: AbortSignal): AsyncIterable<Membership>;
  /** Direct child groups of one group. */
  listChildGroups(group: string, signal?: AbortSignal): AsyncIterable<GroupNesting>;
  /** "can use" and administration grants; from the permissions API or from configured licence groups. */
  readGrants(signal?: AbortSignal): Promise<PermissionGrants>;
  readLicense(signal?: AbortSignal): Promise<LicenseUsage>;
  /** Last-login facts from REST (10.2+ `expand=lastLogin`) or the read-only database source. */
  lastLogins(signal?: AbortSignal): AsyncIterable<LoginFact>;
  /**
   * Direct memberships and nesting from a source that stores them as such (the database's cwd_membership); `null`
   * when the connector has none, and the scan reads the member lists group by group.
   */
  readMemberships?(signal?: AbortSignal): Promise<{ memberships: Membership[]; nesting: GroupNesting[] } | null>;
  /**
   * Directories (order, active, writable) and read-only groups, from a source that knows them (the database);
   * `null` when the connector has none (REST never says which directory a user or group belongs to).
   */
  readDirectories?(signal?: AbortSignal): Promise<DirectoryFacts | null>;

  /** The user's current state, read before every write; `null` when the user no longer exists. */
  readUserState(username: string, signal?: AbortSignal): Promise<UserState | null>;
  addToGroup(username: string, group: string, signal?: AbortSignal): Promise<void>;
  removeFromGroup(username: string, group: string, signal?: AbortSignal): Promise<void>;
  /** Revokes "can use" (Confluence removes every other individual permission with it), then grants `restore` back. */
  revokeUseGrant(username: string, signal?: AbortSignal, restore?: readonly string[]): Promise<void>;
  /** Grants "can use" individually, with `restore`: other global permissions put back with it (undo of a revoke). */
  grantUse(username: string, signal?: AbortSignal, restore?: readonly string[]): Promise<void>;
  disable(username: string, signal?: AbortSignal): Promise<void>;
  enable(username: string, signal?: AbortSignal): Promise<void>;
  /** `PUT /rest/api/admin/user/{username}` with the full name; only where `capabilities.updateProfile`. */
  updateDisplayName(username: string, displayName: string, signal?: AbortSignal): Promise<void>;
  /** Releases sockets and database pools. */
  close(): Promise<void>;
}
