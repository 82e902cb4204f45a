/** What every repository of the store is given: the database, its dialect, the rehearsal mark, the clock and the record key. */

import type { Kysely } from 'kysely';
import type { RecordKey } from '../domain/record-signature.ts';
import type { Database } from './store-tables.ts';

/** The SQL dialects the store speaks. */
export type StoreDialect = 'sqlite' | 'postgres';

/** What every repository gets: the database, how many values one statement may bind, the mode and the clock. */
export interface StoreContext {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  /** SQLite binds at most 32,766 values per statement, PostgreSQL 65,535. */
  readonly maxParameters: number;
  /**
   * 1 in a rehearsal: scans, plans and runs are written with this mark and only those with it are read; user memory,
   * lifecycle stages, notices, schedules and alerts are kept under a rehearsal instance key (rehearsal-instance.ts).
   */
  readonly rehearsal: 0 | 1;
  /** The store's clock: lease expiry and plan age are judged by it, never by the caller's. */
  now(): Promise<Date>;
  /**
   * The record key, asked for when a plan, approval, run or journal entry is written (so reading for display never
   * needs it); null: such records are written unsigned, and Seatkeeper refuses to act on them.
   */
  readonly key: (() => RecordKey) | null;
}
