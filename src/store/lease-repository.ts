/**
 * Run leases over Kysely: insert-on-conflict, then a compare-and-set on the expiry; the same SQL on SQLite and
 * PostgreSQL. Every time in a lease is the store's clock: processes whose clocks disagree (or a rehearsal's `--now`)
 * still agree on whether a lease is live.
 */

import type { LeaseRepository, RunLease } from '../app/store/lease-repository-port.ts';
import type { StoreContext } from './store-context.ts';
import { toIso } from './store-codec.ts';
import { InvalidInput } from '../domain/errors.ts';

function requireTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new InvalidInput(`A run lease must last a positive number of milliseconds, not ${ttlMs}.`);
}

/** LeaseRepository over Kysely. */
export class SqlLeaseRepository implements LeaseRepository {
  constructor(private readonly context: StoreContext) {}

  async take(input: { instance: string; holder: string; ttlMs: number }): Promise<{ taken: true } | { taken: false; lease: RunLease }> {
    requireTtl(input.ttlMs);
    const { db } = this.context;
    // A lease released between our two statements leaves no row to read: try again, a few times at most.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const now = await this.context.now();
      const at = toIso(now);
      const expiresAt = toIso(new Date(now.getTime() + input.ttlMs));
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

  async renew(input: { instance: string; holder: string; ttlMs: number }): Promise<boolean> {
    requireTtl(input.ttlMs);
    const now = await this.context.now();
    const result = await this.context.db
      .updateTable('run_leases')
      .set({ expires_at: toIso(new Date(now.getTime() + input.ttlMs)) })
      .where('instance', '=', input.instance)
      .where('holder', '=', input.holder)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async isLive(lease: RunLease): Promise<boolean> {
    // Compared as text, as take() compares in SQL, so the two never disagree about one row.
    return lease.expiresAt > toIso(await this.context.now());
  }

  async current(instance: string): Promise<RunLease | null> {
    const row = await this.context.db.selectFrom('run_leases').selectAll().where('instance', '=', instance).executeTakeFirst();
    return row === undefined ? null : { instance: row.instance, holder: row.holder, expiresAt: row.expires_at, takenAt: row.taken_at };
  }

  async release(instance: string, holder: string): Promise<void> {
    await this.context.db.deleteFrom('run_leases').where('instance', '=', instance).where('holder', '=', holder).execute();
  }
}
