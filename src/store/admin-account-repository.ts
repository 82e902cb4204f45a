/** Admin accounts over Kysely; disabling one ends its sessions and tokens in the same transaction. */

import type { AdminAccount, AdminAccountRepository } from '../app/store/admin-account-repository-port.ts';
import type { StoreContext } from './store-context.ts';
import type { AdminAccountsTable } from './security-tables.ts';
import type { Role } from '../domain/access-role.ts';
import { Conflict } from '../domain/errors.ts';
import { toIso } from './store-codec.ts';
import { isUniqueViolation } from './unique-violation.ts';

function accountOf(row: AdminAccountsTable): AdminAccount {
  return { name: row.name, passwordHash: row.password_hash, role: row.role, disabled: Number(row.disabled) === 1, createdAt: row.created_at, disabledAt: row.disabled_at };
}

/** AdminAccountRepository over Kysely. */
export class SqlAdminAccountRepository implements AdminAccountRepository {
  constructor(private readonly context: StoreContext) {}

  async create(account: { name: string; passwordHash: string; role: Role; at: Date }): Promise<AdminAccount> {
    const row: AdminAccountsTable = {
      name_lower: account.name.toLowerCase(),
      name: account.name,
      password_hash: account.passwordHash,
      role: account.role,
      disabled: 0,
      created_at: toIso(account.at),
      disabled_at: null,
    };
    try {
      await this.context.db.insertInto('admin_accounts').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new Conflict(`an admin account named ${JSON.stringify(account.name)} exists already`);
      throw error;
    }
    return accountOf(row);
  }

  async get(name: string): Promise<AdminAccount | null> {
    const row = await this.context.db.selectFrom('admin_accounts').selectAll().where('name_lower', '=', name.toLowerCase()).executeTakeFirst();
    return row === undefined ? null : accountOf(row);
  }

  async list(): Promise<AdminAccount[]> {
    const rows = await this.context.db.selectFrom('admin_accounts').selectAll().orderBy('name_lower').execute();
    return rows.map(accountOf);
  }

  async disable(name: string, at: Date): Promise<boolean> {
    const lower = name.toLowerCase();
    return this.context.db.transaction().execute(async (trx) => {
      const updated = await trx.updateTable('admin_accounts').set({ disabled: 1, disabled_at: toIso(at) }).where('name_lower', '=', lower).executeTakeFirst();
      if (updated.numUpdatedRows === 0n) return false;
      await trx.deleteFrom('api_sessions').where('admin_lower', '=', lower).execute();
      // Tokens expire now rather than vanish: their ids stay readable in listings and the audit log.
      await trx.updateTable('api_tokens').set({ expires_at: toIso(at) }).where('admin_lower', '=', lower).where('expires_at', '>', toIso(at)).execute();
      return true;
    });
  }
}
