/** API tokens over Kysely, found by the sha256 of their secret and joined to their owner's spelling. */

import type { ApiTokenRecord, ApiTokenRepository } from '../app/store/api-token-repository-port.ts';
import type { StoreContext } from './store-context.ts';
import type { TokenScope } from '../domain/access-role.ts';
import { NotFound } from '../domain/errors.ts';
import { toIso } from './store-codec.ts';

/** ApiTokenRepository over Kysely. */
export class SqlApiTokenRepository implements ApiTokenRepository {
  constructor(private readonly context: StoreContext) {}

  private select() {
    return this.context.db
      .selectFrom('api_tokens as t')
      .innerJoin('admin_accounts as a', 'a.name_lower', 't.admin_lower')
      .select(['t.id', 'a.name as admin', 't.scope', 't.created_at', 't.expires_at', 't.last_used_at']);
  }

  async create(token: { id: string; secretHash: string; admin: string; scope: TokenScope; at: Date; expiresAt: Date }): Promise<ApiTokenRecord> {
    const owner = await this.context.db.selectFrom('admin_accounts').select(['name', 'name_lower']).where('name_lower', '=', token.admin.toLowerCase()).executeTakeFirst();
    if (owner === undefined) throw new NotFound(`no admin account named ${JSON.stringify(token.admin)}`);
    await this.context.db
      .insertInto('api_tokens')
      .values({ id: token.id, token_hash: token.secretHash, admin_lower: owner.name_lower, scope: token.scope, created_at: toIso(token.at), expires_at: toIso(token.expiresAt), last_used_at: null })
      .execute();
    return { id: token.id, admin: owner.name, scope: token.scope, createdAt: toIso(token.at), expiresAt: toIso(token.expiresAt), lastUsedAt: null };
  }

  async use(secretHash: string, at: Date): Promise<ApiTokenRecord | null> {
    const row = await this.select().where('t.token_hash', '=', secretHash).executeTakeFirst();
    if (row === undefined) return null;
    await this.context.db.updateTable('api_tokens').set({ last_used_at: toIso(at) }).where('id', '=', row.id).execute();
    return { id: row.id, admin: row.admin, scope: row.scope, createdAt: row.created_at, expiresAt: row.expires_at, lastUsedAt: toIso(at) };
  }

  async list(admin: string): Promise<ApiTokenRecord[]> {
    const rows = await this.select().where('t.admin_lower', '=', admin.toLowerCase()).orderBy('t.created_at', 'desc').execute();
    return rows.map((row) => ({ id: row.id, admin: row.admin, scope: row.scope, createdAt: row.created_at, expiresAt: row.expires_at, lastUsedAt: row.last_used_at }));
  }
}
