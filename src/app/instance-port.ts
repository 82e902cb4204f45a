/**
 * The port every instance connector implements, whatever the product (Confluence DC, Jira DC, later the Clouds):
 * reads for a scan, and idempotent writes for a run. Accounts are addressed by AccountRef (domain/account.ts);
 * licences are per application (Confluence has one, `confluence`; Jira has one per application role).
 */

import type { AccountRef } from '../domain/account.ts';
import type { InstanceCapabilities } from '../domain/instance-capabilities.ts';
import type { AccountStatus, DirectorySnapshot } from '../domain/snapshot.ts';

/** Who we are connected as and to what. */
export interface InstanceProbe {
  readonly version: string;
  /** The route or source the version was read from, in the product's words (e.g. `server-information`, `serverInfo`). */
  readonly versionSource: string;
  readonly connectedAs: AccountRef;
  readonly baseUrl: string;
  /** What this instance can do, read for its version and configuration (replaces the registry's default reading). */
  readonly capabilities: InstanceCapabilities;
}

/** An account as listed by the instance (login facts come from `lastLogins` where the listing has none). */
export interface ListedAccount extends AccountRef {
  readonly displayName: string;
  readonly email: string | null;
  readonly status: AccountStatus;
  /** The status as the product sent it (a word, or `true`/`false`); null when none: an unknown one is counted by the scan. */
  readonly statusWord: string | null;
  readonly directory: string | null;
  /** Last login where the listing carries it (Jira's lastLoginTime); undefined when the listing has none. */
  readonly lastLogin?: Date | null;
}

/** Login facts for one account; `lastLogin: null` = the source says never. */
export interface LoginFact {
  /** The account; where the source knows only a name, `accountId` is null and the scan matches by username. */
  readonly accountId: string | null;
  readonly username: string;
  readonly lastLogin: Date | null;
  readonly createdAt: Date | null;
  /** The account's directory per the source; null when the source never says. */
  readonly directory: string | null;
  readonly email: string | null;
}

/** A user listed as a member of a group (direct or flattened, see `capabilities.memberLists`). */
export interface GroupMember {
  readonly group: string;
  readonly accountId: string;
  readonly username: string | null;
}

/** `child` is a member group of `parent`. */
export interface GroupNestingFact {
  readonly parent: string;
  readonly child: string;
}

/** One application and who holds it: the unit of a licence. */
export interface ApplicationAccess {
  /** `confluence`, `jira-software`, `jira-servicedesk`, `jira-core`, … as the product keys it. */
  readonly key: string;
  readonly name: string;
  /** Groups granting the application to their members (nested groups included by the licence model). */
  readonly groups: readonly string[];
  /** Account ids holding the application individually (only where `capabilities.directGrants`). */
  readonly users: readonly string[];
  /** Groups new users of the application are put in; where a grant is given back through groups. */
  readonly defaultGroups: readonly string[];
  /** Seats in use as the product counts them; null when it did not say. */
  readonly seatsUsed: number | null;
  /** Licensed seats; null when unknown or unlimited (see `unlimited`). */
  readonly seatsMax: number | null;
  readonly unlimited: boolean;
}

/** Who holds which application, and who administers the instance. */
export interface AccessFacts {
  readonly applications: readonly ApplicationAccess[];
  /** Groups holding system or product administration. */
  readonly adminGroups: readonly string[];
  /** Account ids holding administration individually. */
  readonly adminUsers: readonly string[];
  /** Where the grants came from, in the product's words (e.g. `permissions-api`, `config`, `application-roles`). */
  readonly source: string;
}

/** Directories (order, active, writable) and the groups whose membership the instance cannot change. */
export interface DirectoryFacts {
  readonly directories: DirectorySnapshot[];
  readonly readOnlyGroups: string[];
}

/** A user's state as read just before a change: what undo restores. */
export interface AccountState extends AccountRef {
  readonly status: AccountStatus;
  readonly displayName: string;
  readonly email: string | null;
  /** Direct group memberships, sorted. */
  readonly groups: readonly string[];
  /** Application keys the user holds individually, sorted (empty where the product has no direct grants). */
  readonly directApplications: readonly string[];
  /**
   * Other individual permissions (`targetType/operationKey`, e.g. `space/create`), sorted: Confluence removes them with
   * "can use", so undo of a revoke grants them back. Empty where the product has none.
   */
  readonly otherPermissions: readonly string[];
}

export interface InstanceConnector {
  readonly instance: string;
  /** The cautious reading before `probe`; `probe` returns the instance's own. */
  readonly capabilities: InstanceCapabilities;

  /** Checks URL, credentials, version and admin permission; throws a fixable ConnectorError naming what to fix. */
  probe(signal?: AbortSignal): Promise<InstanceProbe>;
  /** Every account. Throws ConnectorError when paging ends short of the promised total. */
  listAccounts(signal?: AbortSignal): AsyncIterable<ListedAccount>;
  listGroups(signal?: AbortSignal): AsyncIterable<string>;
  /** Members a group lists. Throws UnaddressableName for a name that cannot be put into a request. */
  listGroupMembers(group: string, signal?: AbortSignal): AsyncIterable<GroupMember>;
  listChildGroups(group: string, signal?: AbortSignal): AsyncIterable<GroupNestingFact>;
  readAccess(signal?: AbortSignal): Promise<AccessFacts>;
  /** Last-login facts from a source other than the listing; empty where the listing carries them all. */
  lastLogins(signal?: AbortSignal): AsyncIterable<LoginFact>;
  /** Direct memberships and nesting from a source that stores them as such; null: read member lists group by group. */
  readMemberships?(signal?: AbortSignal): Promise<{ memberships: GroupMember[]; nesting: GroupNestingFact[] } | null>;
  readDirectories?(signal?: AbortSignal): Promise<DirectoryFacts | null>;

  /**
   * What `AccountState.groups` holds: `direct` memberships only (the default when absent), or a list that may also name
   * groups reached through nesting (`maybe-effective`: Jira's `expand=groups` does not document which it sends).
   */
  readonly accountStateGroups?: 'direct' | 'maybe-effective';
  /** The account's current state, found by `accountId`; null when it no longer exists. */
  readAccountState(account: AccountRef, signal?: AbortSignal): Promise<AccountState | null>;
  addToGroup(account: AccountRef, group: string, signal?: AbortSignal): Promise<void>;
  removeFromGroup(account: AccountRef, group: string, signal?: AbortSignal): Promise<void>;
  /**
   * Takes the individual grant of `application` away (only where `capabilities.directGrants`); where revoking takes the
   * other individual permissions with it, grants `restore` back right after.
   */
  revokeApplication(account: AccountRef, application: string, signal?: AbortSignal, restore?: readonly string[]): Promise<void>;
  /** Grants `application` individually (undo of a revoke), with `restore` as the other individual permissions. */
  grantApplication(account: AccountRef, application: string, signal?: AbortSignal, restore?: readonly string[]): Promise<void>;
  disable(account: AccountRef, signal?: AbortSignal): Promise<void>;
  enable(account: AccountRef, signal?: AbortSignal): Promise<void>;
  /** Only where `capabilities.rename`; the account keeps its id. */
  rename(account: AccountRef, newUsername: string, signal?: AbortSignal): Promise<void>;
  /** Only where `capabilities.updateDisplayName` / `updateEmail` for the fields given. */
  updateProfile(account: AccountRef, changes: { readonly displayName?: string; readonly email?: string }, signal?: AbortSignal): Promise<void>;
  /** Releases sockets and database pools. */
  close(): Promise<void>;
}
