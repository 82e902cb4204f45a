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
}

/** Who we are connected as and to what. */
export interface InstanceProbe {
  readonly version: string;
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
  /** Direct user members of one group, as usernames. */
  listGroupMembers(group: string, signal?: AbortSignal): AsyncIterable<Membership>;
  /** Direct child groups of one group. */
  listChildGroups(group: string, signal?: AbortSignal): AsyncIterable<GroupNesting>;
  /** "can use" and administration grants; from the permissions API or from configured licence groups. */
  readGrants(signal?: AbortSignal): Promise<PermissionGrants>;
  readLicense(signal?: AbortSignal): Promise<LicenseUsage>;
  /** Last-login facts from REST (10.2+ `expand=lastLogin`) or the read-only database source. */
  lastLogins(signal?: AbortSignal): AsyncIterable<LoginFact>;
  /**
   * Directories (order, active, writable) and read-only groups, from a source that knows them (the database);
   * `null` when the connector has none (REST never says which directory a user or group belongs to).
   */
  readDirectories?(signal?: AbortSignal): Promise<DirectoryFacts | null>;

  /** The user's current state, read before every write; `null` when the user no longer exists. */
  readUserState(username: string, signal?: AbortSignal): Promise<UserState | null>;
  addToGroup(username: string, group: string, signal?: AbortSignal): Promise<void>;
  removeFromGroup(username: string, group: string, signal?: AbortSignal): Promise<void>;
  revokeUseGrant(username: string, signal?: AbortSignal): Promise<void>;
  grantUse(username: string, signal?: AbortSignal): Promise<void>;
  disable(username: string, signal?: AbortSignal): Promise<void>;
  enable(username: string, signal?: AbortSignal): Promise<void>;
  /** `PUT /rest/api/admin/user/{username}` with the full name; only where `capabilities.updateProfile`. */
  updateDisplayName(username: string, displayName: string, signal?: AbortSignal): Promise<void>;
  /** Releases sockets and database pools. */
  close(): Promise<void>;
}
