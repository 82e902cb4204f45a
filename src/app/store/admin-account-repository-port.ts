/** The store's port for the API's admin accounts. */

import type { Role } from '../../domain/access-role.ts';

/** An admin account as stored; the password only as its argon2id hash. */
export interface AdminAccount {
  readonly name: string;
  readonly passwordHash: string;
  readonly role: Role;
  readonly disabled: boolean;
  readonly createdAt: string;
  readonly disabledAt: string | null;
}

/** Admin accounts, keyed by name compared case-insensitively. */
export interface AdminAccountRepository {
  /** Adds an account; Conflict when the name (in any spelling) is taken. */
  create(account: { name: string; passwordHash: string; role: Role; at: Date }): Promise<AdminAccount>;
  /** The account of this name in any spelling, or null. */
  get(name: string): Promise<AdminAccount | null>;
  /** Every account, by name. */
  list(): Promise<AdminAccount[]>;
  /**
   * Disables the account and ends its sessions and tokens in the same transaction, so none of them is accepted once
   * this returns; false when there is no such account.
   */
  disable(name: string, at: Date): Promise<boolean>;
}
