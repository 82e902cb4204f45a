/** The emulated Jira instance's data model as the HTTP layer, the database mirror and tests see it. */

/** A user as the emulator holds it now. Usernames compare case-insensitively; `key` never changes. */
export interface JiraUser {
  readonly id: number;
  readonly appUserId: number;
  readonly username: string;
  /** `username.toLowerCase()`: the key of every lookup and the sort key of listings. */
  readonly lower: string;
  readonly key: string;
  readonly displayName: string;
  readonly email: string;
  readonly directory: string;
  readonly active: boolean;
  readonly createdAt: Date;
  readonly lastLogin: Date | null;
}

/** A group; `writable` is false for groups synchronised from a read-only LDAP directory. */
export interface JiraGroup {
  readonly id: number;
  readonly name: string;
  readonly directory: string;
  readonly local: boolean;
  readonly writable: boolean;
}

/** An application role as `/applicationrole/{key}` describes it, with its seat count now. */
export interface JiraApplicationRole {
  readonly key: string;
  readonly name: string;
  readonly groups: readonly string[];
  readonly defaultGroups: readonly string[];
  /** -1 = unlimited. */
  readonly numberOfSeats: number;
  readonly userCount: number;
}

/** What a recorded change did. */
export type JiraChangeKind = 'add-group' | 'remove-group' | 'disable' | 'enable' | 'rename' | 'update-profile';

/** One write that changed state; writes that changed nothing are not recorded. */
export interface JiraChangeRecord {
  readonly seq: number;
  readonly at: Date;
  readonly kind: JiraChangeKind;
  /** The user's key (stable across renames) and name after the change. */
  readonly key: string;
  readonly username: string;
  readonly group?: string;
  /** For rename: the name before. */
  readonly previousUsername?: string;
}

/**
 * Why a write was refused; the HTTP layer maps each to a status. `already-member` (400) and the not-found
 * pair (404) are the spec's; the others are readings (jira-readings.ts).
 */
export type JiraRefusal =
  | 'user-not-found'
  | 'group-not-found'
  | 'application-not-found'
  | 'already-member'
  | 'not-member'
  | 'name-taken'
  | 'invalid'
  | 'read-only'
  | 'licence-full';

/** The result of a write. */
export type JiraWriteOutcome =
  | { readonly result: 'changed' }
  | { readonly result: 'unchanged' }
  | { readonly result: 'refused'; readonly reason: JiraRefusal; readonly field?: string; readonly message: string };
