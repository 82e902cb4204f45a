/** Schedules: each policy's cron, its next due time and its last outcome, kept across restarts and shared by processes. */

import type { Kysely, Migration } from 'kysely';

/** Migration 0002: the schedules table. */
export const schedulesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('schedules')
      .addColumn('instance', 'text', (col) => col.notNull())
      .addColumn('policy', 'text', (col) => col.notNull())
      .addColumn('cron', 'text', (col) => col.notNull())
      .addColumn('time_zone', 'text', (col) => col.notNull())
      // The due time is the compare-and-set key: a process claims a run by moving it on from the value it read.
      .addColumn('next_run_at', 'text', (col) => col.notNull())
      .addColumn('last_due_at', 'text')
      .addColumn('last_started_at', 'text')
      .addColumn('last_finished_at', 'text')
      .addColumn('last_outcome', 'text')
      .addColumn('last_detail', 'text')
      .addColumn('claimed_by', 'text')
      .addPrimaryKeyConstraint('schedules_pk', ['instance', 'policy'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('schedules').execute();
  },
};
