/** Run leases: at most one run per instance at a time, across processes sharing the store. */

import type { Kysely, Migration } from 'kysely';

/** Migration 0004: the run_leases table. */
export const runLeasesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('run_leases')
      // The primary key is the lock: only one row, hence one holder, per instance.
      .addColumn('instance', 'text', (col) => col.primaryKey())
      .addColumn('holder', 'text', (col) => col.notNull())
      // ISO-8601 UTC, written by toIso only, so text order is time order on both dialects.
      .addColumn('expires_at', 'text', (col) => col.notNull())
      .addColumn('taken_at', 'text', (col) => col.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('run_leases').execute();
  },
};
