/** The API's security tables (migration 0013) as Kysely types. */

import type { Role, TokenScope } from '../domain/access-role.ts';

/** An admin account of the API. */
export interface AdminAccountsTable {
  name_lower: string;
  name: string;
  password_hash: string;
  role: Role;
  disabled: number;
  created_at: string;
  disabled_at: string | null;
}

/** An API token, by the sha256 of its secret. */
export interface ApiTokensTable {
  id: string;
  token_hash: string;
  admin_lower: string;
  scope: TokenScope;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
}

/** A sign-in session, by the sha256 of its id. */
export interface ApiSessionsTable {
  id_hash: string;
  admin_lower: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  idle_expires_at: string;
  absolute_expires_at: string;
  address: string | null;
}

/** One row of the hash-chained audit log. */
export interface AuditLogTable {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  address: string | null;
  outcome: string;
  detail_json: string;
  prev_hash: string;
  hash: string;
}

/** An idempotency key of a write request. */
export interface IdempotencyKeysTable {
  caller: string;
  key: string;
  body_hash: string;
  status_code: number | null;
  response_json: string | null;
  created_at: string;
  expires_at: string;
}
