/**
 * Alerts that end: each one can be resolved when its cause clears (with when and why), and one is raised per run stop
 * rather than once per scan and kind. SQLite cannot drop the old `(instance, scan_id, kind)` constraint, so the table
 * is rebuilt on every dialect alike and its rows copied with their ids.
 */

import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from '../store-context.ts';

/** Builds migration 0008 for one dialect (only the auto-numbered key differs). */
export function alertLifecycleMigration(dialect: StoreDialect): Migration {
  const serial = (col: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    dialect === 'sqlite' ? col.primaryKey().autoIncrement() : col.primaryKey().generatedByDefaultAsIdentity();
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('alerts_v2')
        .addColumn('id', 'integer', serial)
        .addColumn('instance', 'text', (col) => col.notNull())
        .addColumn('scan_id', 'text', (col) => col.notNull())
        // The run the alert is about (a brake stop, a run that ended with failures); null for scan and plan guards.
        .addColumn('run_id', 'text')
        .addColumn('kind', 'text', (col) => col.notNull())
        .addColumn('message', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('acknowledged_at', 'text')
        .addColumn('acknowledged_by', 'text')
        .addColumn('resolved_at', 'text')
        .addColumn('resolved_reason', 'text')
        // What makes a repeat the same alert while it is unresolved (e.g. kind and scan); null once resolved, and for
        // alerts raised every time (brake stops). Both dialects let many rows share a null in a unique constraint.
        .addColumn('open_key', 'text')
        .addUniqueConstraint('alerts_open_once', ['instance', 'open_key'])
        .execute();
      await sql`insert into alerts_v2 (id, instance, scan_id, run_id, kind, message, created_at, acknowledged_at, acknowledged_by, resolved_at, resolved_reason, open_key)
        select id, instance, scan_id, null, kind, message, created_at, acknowledged_at, acknowledged_by, null, null, kind || '|scan:' || scan_id from alerts`.execute(db);
      await db.schema.dropTable('alerts').execute();
      await db.schema.alterTable('alerts_v2').renameTo('alerts').execute();
      // Copied ids do not move PostgreSQL's identity sequence on: the next alert would collide with a copied one.
      if (dialect === 'postgres') {
        await sql`select setval(pg_get_serial_sequence('alerts', 'id'), coalesce((select max(id) from alerts), 0) + 1, false)`.execute(db);
      }
    },
    async down(db: Kysely<unknown>): Promise<void> {
      // Back to one alert per instance, scan and kind: the oldest of each is kept.
      await db.schema
        .createTable('alerts_v1')
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
      await sql`insert into alerts_v1 (id, instance, scan_id, kind, message, created_at, acknowledged_at, acknowledged_by)
        select id, instance, scan_id, kind, message, created_at, acknowledged_at, acknowledged_by from alerts a
        where a.id = (select min(b.id) from alerts b where b.instance = a.instance and b.scan_id = a.scan_id and b.kind = a.kind)`.execute(db);
      await db.schema.dropTable('alerts').execute();
      await db.schema.alterTable('alerts_v1').renameTo('alerts').execute();
      if (dialect === 'postgres') {
        await sql`select setval(pg_get_serial_sequence('alerts', 'id'), coalesce((select max(id) from alerts), 0) + 1, false)`.execute(db);
      }
    },
  };
}
