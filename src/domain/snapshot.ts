/** What Seatkeeper knows about one instance at one moment: the input of every policy. */

import type { InstanceCapabilities } from './instance-capabilities.ts';

/** The account flag as Confluence reports it; a value we cannot read is `unknown`, never `disabled`. */
export type AccountStatus = 'active' | 'disabled' | 'unknown';

/** A user directory of the instance, in Confluence's resolution order. */
export interface DirectorySnapshot {
  readonly name: string;
  readonly order: number;
  readonly active: boolean;
  /** false for a read-only (e.g. LDAP "read only, with local groups") directory: no deactivation there. */
  readonly writable: boolean;
}

/** One user account as scanned. Dates are absolute instants; `null` means "none known". */
export interface UserSnapshot {
  readonly username: string;
  readonly userKey: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly status: AccountStatus;
  /** Name of the user's directory, when the source tells it. */
  readonly directory: string | null;
  /** Last successful login; `null` = never logged in according to every source Seatkeeper has. */
  readonly lastLogin: Date | null;
  /**
   * false when no source could speak for this user's logins (e.g. a seated user missing from the REST active
   * list, which relies on the search index): such a user is never treated as "never logged in".
   */
  readonly loginKnown: boolean;
  /** Account creation (database source only). */
  readonly createdAt: Date | null;
  /** When Seatkeeper first saw this account (its own memory, kept across scans). */
  readonly firstSeen: Date;
}

/** A direct membership of a user in a group. */
export interface Membership {
  readonly group: string;
  readonly username: string;
}

/** `child` is a member group of `parent`: members of child are members of parent. */
export interface GroupNesting {
  readonly parent: string;
  readonly child: string;
}

/**
 * One application of the instance and who holds it: the unit of a licence (Confluence has one, `confluence`; Jira one
 * per application role).
 */
export interface ApplicationSnapshot {
  /** As the product keys it: `confluence`, `jira-software`, `jira-servicedesk`, … */
  readonly key: string;
  /** For people: "Jira Service Management". */
  readonly name: string;
  /** Groups granting the application to their members directly (nested groups included by the licence model). */
  readonly groups: readonly string[];
  /** Usernames holding the application individually. */
  readonly users: readonly string[];
  /** Groups new users of the application are put in. */
  readonly defaultGroups: readonly string[];
  /** Seats in use as the product counts them; null when it did not say. */
  readonly seatsUsed: number | null;
  /** Licensed seats; null when unknown or unlimited. */
  readonly seatsMax: number | null;
  readonly unlimited: boolean;
}

/** Global permissions that matter to licensing and protection. */
export interface PermissionGrants {
  /** Groups granting any application directly (every application's together; per application: `applications`). */
  readonly useGroups: readonly string[];
  /** Usernames holding any application individually. */
  readonly useUsers: readonly string[];
  /** Groups holding system or Confluence administration. */
  readonly adminGroups: readonly string[];
  /** Usernames holding system or Confluence administration individually. */
  readonly adminUsers: readonly string[];
  /** Where the grants came from: the permissions API (9.3+) or the config's `licenseGroups`. */
  readonly source: 'permissions-api' | 'config';
}

/** Seat use as the licence endpoint reports it; `null` when the instance did not say. */
export interface LicenseUsage {
  readonly used: number | null;
  readonly max: number | null;
}

/** The whole snapshot that policies are evaluated against. */
export interface InstanceSnapshot {
  readonly instance: string;
  readonly scanId: string;
  readonly takenAt: Date;
  /** The account Seatkeeper connects as: always protected. */
  readonly connectedAs: string;
  readonly lastLoginSource: InstanceCapabilities['lastLogin'];
  /** What the instance could do when scanned: the planner plans only steps it can take. */
  readonly capabilities: InstanceCapabilities;
  readonly users: readonly UserSnapshot[];
  readonly groups: readonly string[];
  /** Groups whose membership cannot be changed through the instance (a read-only directory's non-local groups). */
  readonly readOnlyGroups: readonly string[];
  readonly memberships: readonly Membership[];
  readonly nesting: readonly GroupNesting[];
  /** Every application of the instance, sorted by key: what the licence model reads. */
  readonly applications: readonly ApplicationSnapshot[];
  readonly grants: PermissionGrants;
  /** Seats of the instance's only application; nulls where it has several (see `applications`). */
  readonly license: LicenseUsage;
  readonly directories: readonly DirectorySnapshot[];
}
