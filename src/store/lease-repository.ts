/** Run leases over Kysely: insert-on-conflict, then a compare-and-set on the expiry; the same SQL on SQLite and PostgreSQL. */

import type { LeaseRepository, RunLease } from '../app/store-port.ts';
import type { StoreContext } from './store-database.ts';
import { toIso } from './store-codec.ts';

/** LeaseRepository over Kysely. */
export class SqlLeaseRepository implements LeaseRepository {
  constructor(private readonly context: StoreContext) {}

  async take(input: { instance: string; holder: string; at: Date; expiresAt: Date }): Promise<{ taken: true } | { taken: false; lease: RunLease }> {
    const { db } = this.context;
    const at = toIso(input.at);
    const expiresAt = toIso(input.expiresAt);
    // A lease released between our two statements leaves no row to read: try again, a few times at most.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const inserted = await db
        .insertInto('run_leases')
        .values({ instance: input.instance, holder: input.holder, expires_at: expiresAt, taken_at: at })
        .onConflict((oc) => oc.column('instance').doNothing())
        .returning('instance')
        .executeTakeFirst();
      if (inserted !== undefined) return { taken: true };
      // The WHERE is re-checked on the locked row (PostgreSQL) or under the write lock (SQLite): one taker moves an
      // expired lease on, and every later one then sees it unexpired.
      const updated = await db
        .updateTable('run_leases')
        .set({ holder: input.holder, expires_at: expiresAt, taken_at: at })
        .where('instance', '=', input.instance)
        .where((eb) => eb.or([eb('expires_at', '<=', at), eb('holder', '=', input.holder)]))
        .executeTakeFirst();
      if (updated.numUpdatedRows > 0n) return { taken: true };
      const lease = await this.current(input.instance);
      if (lease !== null) return { taken: false, lease };
    }
    throw new Error(`The run lease of ${input.instance} kept changing hands while it was being taken.`);
  }

  async renew(input: { instance: string; holder: string; expiresAt: Date }): Promise<boolean> {
    const result = await this.context.db
      .updateTable('run_leases')
      .set({ expires_at: toIso(input.expiresAt) })
      .where('instance', '=', input.instance)
      .where('holder', '=', input.holder)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async current(instance: string): Promise<RunLease | null> {
    const row = await this.context.db.selectFrom('run_leases').selectAll().where('instance', '=', instance).executeTakeFirst();
    return row === undefined ? null : { instance: row.instance, holder: row.holder, expiresAt: row.expires_at, takenAt: row.taken_at };
  }

  async release(instance: string, holder: string): Promise<void> {
    await this.context.db.deleteFrom('run_leases').where('instance', '=', instance).where('holder', '=', holder).execute();
  }
}
