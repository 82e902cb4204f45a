/** The store's port for API tokens. */

import type { TokenScope } from '../../domain/access-role.ts';

/** An API token as stored: the secret only as its sha256 hash. */
export interface ApiTokenRecord {
  /** Public id, shown in listings and the audit log (never the secret). */
  readonly id: string;
  /** The owning admin account's name, as the account spells it. */
  readonly admin: string;
  readonly scope: TokenScope;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly lastUsedAt: string | null;
}

/** API tokens of admin accounts. */
export interface ApiTokenRepository {
  /** Stores a token by the hash of its secret; NotFound when the admin does not exist. */
  create(token: { id: string; secretHash: string; admin: string; scope: TokenScope; at: Date; expiresAt: Date }): Promise<ApiTokenRecord>;
  /** The token whose secret hashes to this, or null; marks it used at `at`. Expiry and the owner are the caller's to judge. */
  use(secretHash: string, at: Date): Promise<ApiTokenRecord | null>;
  /** The admin's tokens, newest first. */
  list(admin: string): Promise<ApiTokenRecord[]>;
}
