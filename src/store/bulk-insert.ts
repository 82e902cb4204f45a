/**
 * Multi-row INSERT compiled by hand. Kysely builds a query tree node per inserted value, which for a 100k-user scan
 * (about 1.5 million values) costs seconds and hundreds of megabytes of garbage; these rows are plain tuples of
 * columns we name ourselves, so the text is built once per batch size and the values go in one flat array.
 */

import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { Database } from './store-tables.ts';
import type { StoreDialect } from './store-context.ts';

const placeholderCache = new Map<string, string>();

function placeholders(dialect: StoreDialect, rows: number, columns: number): string {
  const key = `${dialect}:${rows}:${columns}`;
  const cached = placeholderCache.get(key);
  if (cached !== undefined) return cached;
  const tuples: string[] = [];
  let n = 0;
  for (let r = 0; r < rows; r += 1) {
    const cells: string[] = [];
    for (let c = 0; c < columns; c += 1) cells.push(dialect === 'postgres' ? `$${(n += 1)}` : '?');
    tuples.push(`(${cells.join(',')})`);
  }
  const text = tuples.join(',');
  placeholderCache.set(key, text);
  return text;
}

/** Inserts `rows` (each a tuple in `columns` order) into `table` with one statement per batch. */
export async function bulkInsert(
  db: Kysely<Database> | Transaction<Database>,
  dialect: StoreDialect,
  table: 'scan_users' | 'scan_memberships' | 'scan_nesting' | 'user_memory',
  columns: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
  /** SQL appended after the values, e.g. an `on conflict … do update` clause (same text on both dialects). */
  suffix = '',
): Promise<void> {
  if (rows.length === 0) return;
  const values: (string | number | null)[] = [];
  for (const row of rows) for (const cell of row) values.push(cell);
  const text = `insert into ${table} (${columns.join(', ')}) values ${placeholders(dialect, rows.length, columns.length)} ${suffix}`;
  await db.executeQuery(CompiledQuery.raw(text, values));
}
