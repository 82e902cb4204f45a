/**
 * Rehearsal records apart from real ones, and plans stamped by the store's own clock: a command rehearsing at a
 * simulated instant (`--now`) must not leave a scan, plan or run that a real command would act on, and a plan's age is
 * judged by one clock, the store's, whatever instant the caller claims.
 */

import { sql, type Kysely, type Migration } from 'kysely';

const MARKED = ['scans', 'plans', 'runs'] as const;

/** Migration 0007: `rehearsal` (0/1, default 0) on scans, plans and runs; `plans.saved_at`. */
export const rehearsalMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const table of MARKED) {
      // 0/1 as everywhere in the store: SQLite has no boolean. Every record written before is real.
      await db.schema
        .alterTable(table)
        .addColumn('rehearsal', 'integer', (col) => col.notNull().defaultTo(0).check(sql`rehearsal in (0, 1)`))
        .execute();
    }
    await db.schema.alterTable('plans').addColumn('saved_at', 'text').execute();
    // Before this, the plan's own createdAt was the only time kept; it is the best there is for older plans.
    await sql`update plans set saved_at = created_at`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('plans').dropColumn('saved_at').execute();
    for (const table of MARKED) await db.schema.alterTable(table).dropColumn('rehearsal').execute();
  },
};
