/** Sign-in sessions over Kysely, by the sha256 of their id. */

import type { SessionRecord, SessionRepository } from '../app/store/session-repository-port.ts';
import type { StoreContext } from './store-context.ts';
import { toIso } from './store-codec.ts';

/** SessionRepository over Kysely. */
export class SqlSessionRepository implements SessionRepository {
  constructor(private readonly context: StoreContext) {}

  async create(session: { idHash: string; admin: string; csrfToken: string; at: Date; idleExpiresAt: Date; absoluteExpiresAt: Date; address: string | null }): Promise<SessionRecord> {
    const at = toIso(session.at);
    await this.context.db
      .insertInto('api_sessions')
      .values({
        id_hash: session.idHash,
        admin_lower: session.admin.toLowerCase(),
        csrf_token: session.csrfToken,
        created_at: at,
        last_seen_at: at,
        idle_expires_at: toIso(session.idleExpiresAt),
        absolute_expires_at: toIso(session.absoluteExpiresAt),
        address: session.address,
      })
      .execute();
    return { idHash: session.idHash, admin: session.admin, csrfToken: session.csrfToken, createdAt: at, lastSeenAt: at, idleExpiresAt: toIso(session.idleExpiresAt), absoluteExpiresAt: toIso(session.absoluteExpiresAt) };
  }

  async get(idHash: string): Promise<SessionRecord | null> {
    const row = await this.context.db
      .selectFrom('api_sessions as s')
      .innerJoin('admin_accounts as a', 'a.name_lower', 's.admin_lower')
      .select(['s.id_hash', 'a.name', 's.csrf_token', 's.created_at', 's.last_seen_at', 's.idle_expires_at', 's.absolute_expires_at'])
      .where('s.id_hash', '=', idHash)
      .executeTakeFirst();
    if (row === undefined) return null;
    return {
      idHash: row.id_hash,
      admin: row.name,
      csrfToken: row.csrf_token,
      createdAt: row.created_at,
      lastSeenAt: row.last_seen_at,
      idleExpiresAt: row.idle_expires_at,
      absoluteExpiresAt: row.absolute_expires_at,
    };
  }

  async touch(idHash: string, at: Date, idleExpiresAt: Date): Promise<void> {
    await this.context.db.updateTable('api_sessions').set({ last_seen_at: toIso(at), idle_expires_at: toIso(idleExpiresAt) }).where('id_hash', '=', idHash).execute();
  }

  async remove(idHash: string): Promise<void> {
    await this.context.db.deleteFrom('api_sessions').where('id_hash', '=', idHash).execute();
  }

  async removeExpired(at: Date): Promise<number> {
    const when = toIso(at);
    const result = await this.context.db
      .deleteFrom('api_sessions')
      .where((eb) => eb.or([eb('idle_expires_at', '<=', when), eb('absolute_expires_at', '<=', when)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
