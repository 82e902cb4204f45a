/**
 * PostgreSQL as the store speaks it: Kysely's own dialect, except that its introspection — which the migrator uses to
 * find its bookkeeping tables — reads only the store's schema (the first of the connection's search_path).
 *
 * Kysely's PostgreSQL introspector reads every schema of the database and calls `has_schema_privilege` and
 * `pg_get_serial_sequence` on each by name. When another schema is dropped while that query runs (another Seatkeeper
 * store being removed, another application's migration, a test suite cleaning up), those functions fail with
 * `schema "…" does not exist` and the store cannot open, although nothing is wrong with its own schema.
 */

import { PostgresDialect, sql, type DatabaseIntrospector, type DatabaseMetadata, type DatabaseMetadataOptions, type Kysely, type SchemaMetadata, type TableMetadata } from 'kysely';

/** Kysely's names of the migrator's bookkeeping tables. */
const KYSELY_TABLES = new Set(['kysely_migration', 'kysely_migration_lock']);

interface ColumnRow {
  readonly table: string;
  readonly table_type: string;
  readonly schema: string;
  readonly column: string;
  readonly type: string;
  readonly type_schema: string;
  readonly not_null: boolean;
  readonly has_default: boolean;
  readonly auto_incrementing: string | null;
  readonly column_description: string | null;
}

/** Tables, views and their columns of the connection's current schema only; other schemas are never named. */
export class StoreSchemaIntrospector implements DatabaseIntrospector {
  // Kysely's own introspector takes `Kysely<any>` too: it queries catalog tables no store type describes.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(private readonly db: Kysely<any>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ nspname: string }>`select nspname from pg_catalog.pg_namespace`.execute(this.db);
    return rows.map((row) => ({ name: row.nspname }));
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const { rows } = await sql<ColumnRow>`
      select c.relname as "table", c.relkind as table_type, ns.nspname as "schema", a.attname as "column",
             typ.typname as "type", dtns.nspname as type_schema, a.attnotnull as not_null, a.atthasdef as has_default,
             pg_get_serial_sequence(quote_ident(ns.nspname) || '.' || quote_ident(c.relname), a.attname) as auto_incrementing,
             col_description(a.attrelid, a.attnum) as column_description
        from pg_catalog.pg_attribute a
        join pg_catalog.pg_class c on a.attrelid = c.oid
        join pg_catalog.pg_namespace ns on c.relnamespace = ns.oid
        join pg_catalog.pg_type typ on a.atttypid = typ.oid
        join pg_catalog.pg_namespace dtns on typ.typnamespace = dtns.oid
       where ns.nspname = current_schema() and c.relkind in ('r', 'v', 'p') and a.attnum >= 0 and not a.attisdropped
       order by c.relname, a.attnum`.execute(this.db);
    const tables = new Map<string, { name: string; isView: boolean; schema: string; columns: TableMetadata['columns'] }>();
    for (const row of rows) {
      if (options.withInternalKyselyTables !== true && KYSELY_TABLES.has(row.table)) continue;
      let table = tables.get(row.table);
      if (table === undefined) {
        table = { name: row.table, isView: row.table_type === 'v', schema: row.schema, columns: [] };
        tables.set(row.table, table);
      }
      table.columns.push({
        name: row.column,
        dataType: row.type,
        dataTypeSchema: row.type_schema,
        isNullable: !row.not_null,
        isAutoIncrementing: row.auto_incrementing !== null,
        hasDefaultValue: row.has_default,
        ...(row.column_description === null ? {} : { comment: row.column_description }),
      });
    }
    return [...tables.values()];
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}

/** Kysely's PostgreSQL dialect with the store's schema-scoped introspection. */
export class StorePostgresDialect extends PostgresDialect {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new StoreSchemaIntrospector(db);
  }
}
