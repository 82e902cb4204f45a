/** Signatures on the records Seatkeeper acts on, and the one run each plan may have. */

import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Migration 0006: `signature` on plans, runs and journal entries and `approval_signature` on plans (HMACs under the
 * key file, domain/record-signature.ts; rows from before stay null and are never acted on), and `plans.run_id`, the
 * run that carries the plan out, claimed by a conditional update so a plan starts one run only.
 */
export const recordSignaturesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('plans').addColumn('signature', 'text').execute();
    await db.schema.alterTable('plans').addColumn('approval_signature', 'text').execute();
    await db.schema.alterTable('plans').addColumn('run_id', 'text').execute();
    await db.schema.alterTable('runs').addColumn('signature', 'text').execute();
    await db.schema.alterTable('journal_entries').addColumn('signature', 'text').execute();
    // A store from before may hold a plan applied twice (the bug this closes): its first run is the one it keeps,
    // and no further one can start.
    await sql`update plans set run_id = (select r.id from runs r where r.plan_id = plans.id order by r.seq limit 1)`.execute(db);
    await db.schema.createIndex('runs_plan').on('runs').column('plan_id').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('runs_plan').execute();
    await db.schema.alterTable('journal_entries').dropColumn('signature').execute();
    await db.schema.alterTable('runs').dropColumn('signature').execute();
    await db.schema.alterTable('plans').dropColumn('run_id').execute();
    await db.schema.alterTable('plans').dropColumn('approval_signature').execute();
    await db.schema.alterTable('plans').dropColumn('signature').execute();
  },
};
