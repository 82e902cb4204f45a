/** The first schema: scans with their rows, Seatkeeper's memory of users, plans, runs, the journal, policy versions and alerts. */

import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from '../store-context.ts';

// Migrations take Kysely<unknown>: they describe the schema as it was then, not as the code types it now.

/** Builds migration 0001 for one dialect (only the auto-numbered keys differ). */
export function initialMigration(dialect: StoreDialect): Migration {
  // SQLite numbers rows with AUTOINCREMENT (never reusing an id); PostgreSQL with an identity column.
  const serial = (col: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    dialect === 'sqlite' ? col.primaryKey().autoIncrement() : col.primaryKey().generatedByDefaultAsIdentity();
  const oneOf = (column: string, values: readonly (string | number)[]) =>
    sql`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // Header rows get an integer `seq` for two reasons: it breaks ties between equal timestamps in
      // insertion order, and the 350,000 rows of a large scan reference a 4-byte key instead of a text id.
      await db.schema
        .createTable('scans')
        .addColumn('seq', 'integer', serial)
        .addColumn('id', 'text', (col) => col.notNull().unique())
        .addColumn('instance', 'text', (col) => col.notNull())
        .addColumn('started_at', 'text', (col) => col.notNull())
        .addColumn('finished_at', 'text')
        .addColumn('status', 'text', (col) => col.notNull().check(oneOf('status', ['running', 'complete', 'incomplete'])))
        .addColumn('error', 'text')
        .addColumn('user_count', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('membership_count', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('nesting_count', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('connected_as', 'text', (col) => col.notNull())
        .addColumn('last_login_source', 'text', (col) => col.notNull().check(oneOf('last_login_source', ['rest', 'database'])))
        .addColumn('grants_json', 'text')
        .addColumn('license_json', 'text')
        .addColumn('directories_json', 'text')
        .addColumn('groups_json', 'text')
        .addColumn('read_only_groups_json', 'text')
        .execute();
      await db.schema.createIndex('scans_instance_started').on('scans').columns(['instance', 'started_at']).execute();

      // Scan rows keep their arrival order (`ord`) so a snapshot loads back exactly as it was written;
      // the primary key (scan_seq, ord) is also the index every load walks.
      await db.schema
        .createTable('scan_users')
        .addColumn('scan_seq', 'integer', (col) => col.notNull().references('scans.seq').onDelete('cascade'))
        .addColumn('ord', 'integer', (col) => col.notNull())
        .addColumn('username', 'text', (col) => col.notNull())
        .addColumn('user_key', 'text', (col) => col.notNull())
        .addColumn('display_name', 'text', (col) => col.notNull())
        .addColumn('email', 'text')
        .addColumn('status', 'text', (col) => col.notNull().check(oneOf('status', ['active', 'disabled', 'unknown'])))
        .addColumn('directory', 'text')
        .addColumn('last_login', 'text')
        .addColumn('login_known', 'integer', (col) => col.notNull().check(oneOf('login_known', [0, 1])))
        .addColumn('created_at', 'text')
        .addColumn('first_seen', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('scan_users_pk', ['scan_seq', 'ord'])
        .execute();
      await db.schema
        .createTable('scan_memberships')
        .addColumn('scan_seq', 'integer', (col) => col.notNull().references('scans.seq').onDelete('cascade'))
        .addColumn('ord', 'integer', (col) => col.notNull())
        .addColumn('group_name', 'text', (col) => col.notNull())
        .addColumn('username', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('scan_memberships_pk', ['scan_seq', 'ord'])
        .execute();
      await db.schema
        .createTable('scan_nesting')
        .addColumn('scan_seq', 'integer', (col) => col.notNull().references('scans.seq').onDelete('cascade'))
        .addColumn('ord', 'integer', (col) => col.notNull())
        .addColumn('parent', 'text', (col) => col.notNull())
        .addColumn('child', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('scan_nesting_pk', ['scan_seq', 'ord'])
        .execute();

      await db.schema
        .createTable('user_memory')
        .addColumn('instance', 'text', (col) => col.notNull())
        .addColumn('username', 'text', (col) => col.notNull())
        .addColumn('first_seen', 'text', (col) => col.notNull())
        .addColumn('last_login', 'text')
        .addColumn('last_licensed_at', 'text')
        .addPrimaryKeyConstraint('user_memory_pk', ['instance', 'username'])
        .execute();

      // No foreign key to scans: a plan outlives the scan rows it was computed from (scans get pruned).
      await db.schema
        .createTable('plans')
        .addColumn('seq', 'integer', serial)
        .addColumn('id', 'text', (col) => col.notNull().unique())
        .addColumn('instance', 'text', (col) => col.notNull())
        .addColumn('scan_id', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('hash', 'text', (col) => col.notNull())
        .addColumn('status', 'text', (col) =>
          col.notNull().check(oneOf('status', ['planned', 'waiting-approval', 'approved', 'applied', 'refused'])),
        )
        .addColumn('plan_json', 'text', (col) => col.notNull())
        // Who made and who released the plan sit beside the hashed content: they are records about it, not part of it.
        .addColumn('created_by', 'text')
        .addColumn('policy_changed_by_json', 'text')
        .addColumn('hold_json', 'text')
        .addColumn('approved_by', 'text')
        .addColumn('approved_at', 'text')
        .execute();
      await db.schema.createIndex('plans_instance_created').on('plans').columns(['instance', 'created_at']).execute();

      await db.schema
        .createTable('runs')
        .addColumn('seq', 'integer', serial)
        .addColumn('id', 'text', (col) => col.notNull().unique())
        .addColumn('plan_id', 'text', (col) => col.notNull().references('plans.id'))
        .addColumn('instance', 'text', (col) => col.notNull())
        .addColumn('started_at', 'text', (col) => col.notNull())
        .addColumn('finished_at', 'text')
        .addColumn('status', 'text', (col) =>
          col.notNull().check(oneOf('status', ['running', 'done', 'done-with-failures', 'stopped'])),
        )
        .execute();
      await db.schema.createIndex('runs_instance_started').on('runs').columns(['instance', 'started_at']).execute();

      // The journal is the audit trail and the source of undo: entries are never deleted, and their
      // auto-numbered id is the order they were written in.
      await db.schema
        .createTable('journal_entries')
        .addColumn('id', 'integer', serial)
        .addColumn('run_id', 'text', (col) => col.notNull().references('runs.id'))
        .addColumn('username', 'text', (col) => col.notNull())
        .addColumn('step_seq', 'integer', (col) => col.notNull())
        .addColumn('step_json', 'text', (col) => col.notNull())
        .addColumn('outcome', 'text', (col) =>
          col.notNull().check(oneOf('outcome', ['planned', 'claimed', 'done', 'already-done', 'failed', 'skipped'])),
        )
        .addColumn('prior_json', 'text')
        .addColumn('error', 'text')
        .addColumn('claimed_at', 'text', (col) => col.notNull())
        .addColumn('settled_at', 'text')
        .execute();
      await db.schema.createIndex('journal_entries_run').on('journal_entries').columns(['run_id', 'id']).execute();
      await db.schema.createIndex('journal_entries_user').on('journal_entries').columns(['username', 'id']).execute();

      await db.schema
        .createTable('policy_versions')
        .addColumn('instance', 'text', (col) => col.notNull())
        .addColumn('policy', 'text', (col) => col.notNull())
        .addColumn('config_hash', 'text', (col) => col.notNull())
        .addColumn('changed_by', 'text', (col) => col.notNull())
        .addColumn('changed_at', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('policy_versions_pk', ['instance', 'policy'])
        .execute();

      // One alert per instance, scan and guard: a guard that trips on every retry of the same scan alerts once.
      await db.schema
        .createTable('alerts')
        .addColumn('id', 'integer', serial)
        .addColumn('instance', 'text', (col) => col.notNull())
        .addColumn('scan_id', 'text', (col) => col.notNull())
        .addColumn('kind', 'text', (col) => col.notNull())
        .addColumn('message', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('acknowledged_at', 'text')
        .addColumn('acknowledged_by', 'text')
        .addUniqueConstraint('alerts_once_per_scan', ['instance', 'scan_id', 'kind'])
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['alerts', 'policy_versions', 'journal_entries', 'runs', 'plans', 'user_memory', 'scan_nesting', 'scan_memberships', 'scan_users', 'scans']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
