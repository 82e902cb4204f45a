/** The emulated instance's data model as the HTTP layer, the database mirror and tests see it. */

import type { DirectorySeed, PermissionKey } from './org-generator.ts';

/** A directory of the instance (same shape as the seed's). */
export type EmulatedDirectory = DirectorySeed;

/**
 * A user as the emulator holds it now; `lastLogin: null` = never logged in. `externallyDeleted`: the
 * external directory no longer has the account; Confluence still lists it, inactive (`active` is false too).
 */
export interface EmulatedUser {
  readonly id: number;
  readonly username: string;
  readonly userKey: string;
  readonly displayName: string;
  readonly email: string;
  readonly directory: string;
  readonly active: boolean;
  readonly externallyDeleted: boolean;
  readonly createdAt: Date;
  readonly lastLogin: Date | null;
}

/** A group; `writable` is false for LDAP-synchronised groups of a read-only directory. */
export interface EmulatedGroup {
  readonly id: number;
  readonly name: string;
  readonly directory: string;
  readonly local: boolean;
  readonly writable: boolean;
}

/** What a recorded change did; the first six match the domain's ActionStep kinds. */
export type ChangeKind =
  | 'add-group'
  | 'remove-group'
  | 'grant-use'
  | 'revoke-use-grant'
  | 'disable'
  | 'enable'
  | 'grant-permission'
  | 'revoke-permission'
  | 'update-profile';

/** One write that changed state. Idempotent repeats that changed nothing are not recorded. */
export interface ChangeRecord {
  readonly seq: number;
  readonly at: Date;
  readonly kind: ChangeKind;
  readonly username: string;
  readonly group?: string;
  /** For grant-permission / revoke-permission: the pair other than application/use. */
  readonly permission?: PermissionKey;
}

/** Atlassian's `UserStatus` enum (reference "Corrections, second review": VERIFIED values). */
export type UserStatus = 'CURRENT' | 'DEACTIVATED' | 'EXTERNALLY_DELETED' | 'UNLICENSED';

/**
 * Why a write was refused; the HTTP layer maps each to a status code. `externally-deleted`: enabling an
 * account its external directory no longer has.
 */
export type Refusal = 'user-not-found' | 'group-not-found' | 'read-only' | 'externally-deleted' | 'licence-full';

/** The result of a write: it changed state, it was already so, or it was refused. */
export type WriteOutcome =
  | { readonly result: 'changed' }
  | { readonly result: 'unchanged' }
  | { readonly result: 'refused'; readonly reason: Refusal; readonly message: string };

/** A global permission entry as `GET /rest/api/permissions` lists it. */
export type PermissionEntry =
  | { readonly subject: 'group'; readonly group: EmulatedGroup; readonly permission: PermissionKey }
  | { readonly subject: 'user'; readonly user: EmulatedUser; readonly permission: PermissionKey };
