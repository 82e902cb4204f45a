/** The staged lifecycle: each user's stage per policy, and the journal of notice e-mails. */

import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from '../store-context.ts';

/** Builds migration 0003 for one dialect (only the auto-numbered key differs). */
export function lifecycleMigration(dialect: StoreDialect): Migration {
  const serial = (col: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    dialect === 'sqlite' ? col.primaryKey().autoIncrement() : col.primaryKey().generatedByDefaultAsIdentity();
  const oneOf = (column: string, values: readonly string[]) => sql`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('lifecycle_stages')
        .addColumn('instance', 'text', (col) => col.notNull())
        .addColumn('policy', 'text', (col) => col.notNull())
        .addColumn('username', 'text', (col) => col.notNull())
        .addColumn('stage', 'text', (col) => col.notNull().check(oneOf('stage', ['noticed', 'unlicensed', 'deactivated', 'renamed'])))
        .addColumn('entered_at', 'text', (col) => col.notNull())
        .addColumn('last_login_at_entry', 'text')
        .addPrimaryKeyConstraint('lifecycle_stages_pk', ['instance', 'policy', 'username'])
        .execute();

      // Notices are never deleted: this is the evidence of who was warned, when, and through which message.
      // The unique key is what makes a notice go out once per stage and period of inactivity, whatever re-runs or
      // crashes happen around it.
      await db.schema
        .createTable('notice_journal')
        .addColumn('id', 'integer', serial)
        .addColumn('instance', 'text', (col) => col.notNull())
        .addColumn('policy', 'text', (col) => col.notNull())
        .addColumn('username', 'text', (col) => col.notNull())
        .addColumn('stage', 'text', (col) => col.notNull().check(oneOf('stage', ['unlicense'])))
        .addColumn('inactive_since', 'text', (col) => col.notNull())
        .addColumn('recipient', 'text', (col) => col.notNull())
        .addColumn('token_hash', 'text', (col) => col.notNull().unique())
        .addColumn('run_id', 'text', (col) => col.notNull().references('runs.id'))
        .addColumn('claimed_at', 'text', (col) => col.notNull())
        .addColumn('sent_at', 'text')
        .addColumn('message_id', 'text')
        .addColumn('error', 'text')
        .addUniqueConstraint('notice_journal_once', ['instance', 'policy', 'username', 'stage', 'inactive_since'])
        .execute();
      await db.schema.createIndex('notice_journal_run').on('notice_journal').columns(['run_id', 'id']).execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('notice_journal').execute();
      await db.schema.dropTable('lifecycle_stages').execute();
    },
  };
}
