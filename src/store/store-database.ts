/** `openStore`: one URL picks SQLite or PostgreSQL, migrations run on open (the tables are in store-tables.ts). */

import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { StorePostgresDialect } from './postgres-store-dialect.ts';
import pg from 'pg';
import { InvalidInput } from '../domain/errors.ts';
import type { Store } from '../app/store-port.ts';
import type { RecordKey } from '../domain/record-signature.ts';
import { migrateToLatest } from './migrations/store-migrator.ts';
import { systemClock, type Clock } from '../app/clock.ts';
import { SqlScanRepository } from './scan-repository.ts';
import { SqlUserMemoryRepository } from './user-memory-repository.ts';
import { SqlPlanRepository } from './plan-repository.ts';
import { SqlJournalRepository } from './journal-repository.ts';
import { SqlLifecycleRepository } from './lifecycle-repository.ts';
import { SqlNoticeJournalRepository } from './notice-journal-repository.ts';
import type { Database } from './store-tables.ts';
import type { StoreContext } from './store-context.ts';
import { SqlPolicyVersionRepository } from './policy-version-repository.ts';
import { SqlAlertRepository } from './alert-repository.ts';
import { SqlLeaseRepository } from './lease-repository.ts';
import { SqlScheduleRepository } from './schedule-repository.ts';
import { SqlUnwritableGroupRepository } from './unwritable-group-repository.ts';
import { SqlAccountFollowRepository } from './account-follow-repository.ts';
import { SqlAdminAccountRepository } from './admin-account-repository.ts';
import { SqlApiTokenRepository } from './api-token-repository.ts';
import { SqlSessionRepository } from './session-repository.ts';
import { SqlAuditLogRepository } from './audit-log-repository.ts';
import { SqlIdempotencyRepository } from './idempotency-repository.ts';

/** How a store is opened. */
export interface StoreOptions {
  /**
   * A rehearsal store sees only rehearsal scans, plans, runs, user memory, lifecycle stages, notices, schedules and
   * alerts, and a real one only real ones.
   */
  readonly rehearsal?: boolean;
  /**
   * SQLite only, for tests: the clock of the process holding the file (the system clock otherwise). PostgreSQL
   * always answers with its server's clock, so this is refused there.
   */
  readonly sqliteClock?: Clock;
  /** Signs what the store writes; see StoreContext.key. */
  readonly key?: () => RecordKey;
}

/** Where a store URL points. */
export type StoreTarget =
  | { readonly dialect: 'sqlite'; readonly file: string }
  | { readonly dialect: 'postgres'; readonly connectionString: string };

const ACCEPTED = 'sqlite:PATH (e.g. sqlite:./data/seatkeeper.db), sqlite::memory: or postgres://USER@HOST:PORT/DATABASE';

/**
 * Reads a store URL: `sqlite:PATH` (relative to the working directory), `sqlite::memory:`, or
 * `postgres://…` / `postgresql://…` (a schema other than `public` through `?options=-c search_path=NAME`).
 */
export function parseStoreUrl(url: string): StoreTarget {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { dialect: 'postgres', connectionString: url };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === ':memory:') return { dialect: 'sqlite', file: ':memory:' };
    if (path === '' || path.startsWith('//')) {
      throw new InvalidInput(`The SQLite store URL needs a file path after "sqlite:"; accepted forms: ${ACCEPTED}.`);
    }
    return { dialect: 'sqlite', file: resolve(path) };
  }
  // Only the scheme is echoed: the rest of a URL may hold a password.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new InvalidInput(
    `${scheme === undefined ? 'The store URL has no scheme' : `The store URL scheme "${scheme}:" is not supported`}; accepted forms: ${ACCEPTED}.`,
  );
}

/** Opens (creating if needed) the store at `url` and brings its schema up to date. */
export async function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const target = parseStoreUrl(url);
  if (target.dialect === 'postgres' && options.sqliteClock !== undefined) {
    throw new InvalidInput('A PostgreSQL store keeps its server\'s time; a clock can only be given to an SQLite store.');
  }
  const rehearsal = options.rehearsal === true ? 1 : 0;
  let context: StoreContext;
  try {
    const opened = target.dialect === 'sqlite' ? openSqlite(target.file, rehearsal, options.sqliteClock ?? systemClock) : openPostgres(target.connectionString, rehearsal);
    context = { ...opened, key: options.key ?? null };
  } catch (error) {
    throw explainOpenFailure(target, error);
  }
  try {
    const schema = target.dialect === 'postgres' ? await currentSchema(context.db) : undefined;
    await migrateToLatest(context.db, target.dialect, schema);
  } catch (error) {
    await context.db.destroy();
    throw explainOpenFailure(target, error);
  }
  return {
    scans: new SqlScanRepository(context),
    memory: new SqlUserMemoryRepository(context),
    plans: new SqlPlanRepository(context),
    journal: new SqlJournalRepository(context),
    lifecycle: new SqlLifecycleRepository(context),
    notices: new SqlNoticeJournalRepository(context),
    policyVersions: new SqlPolicyVersionRepository(context),
    alerts: new SqlAlertRepository(context),
    schedules: new SqlScheduleRepository(context),
    leases: new SqlLeaseRepository(context),
    unwritableGroups: new SqlUnwritableGroupRepository(context),
    accounts: new SqlAccountFollowRepository(context),
    admins: new SqlAdminAccountRepository(context),
    tokens: new SqlApiTokenRepository(context),
    sessions: new SqlSessionRepository(context),
    audit: new SqlAuditLogRepository(context),
    idempotency: new SqlIdempotencyRepository(context),
    rehearsal: rehearsal === 1,
    now: () => context.now(),
    close: () => context.db.destroy(),
  };
}

// SQLite's words for a file that is not a store it can read: garbage, another kind of file, or a damaged database.
const UNREADABLE_SQLITE = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

function errorCode(error: unknown): string {
  const code: unknown = typeof error === 'object' && error !== null ? Reflect.get(error, 'code') : undefined;
  return typeof code === 'string' ? code : '';
}

/** Names the store that failed to open (never its credentials) and keeps the driver's error as the cause. */
function explainOpenFailure(target: StoreTarget, error: unknown): unknown {
  if (error instanceof InvalidInput) return error;
  if (target.dialect === 'sqlite' && UNREADABLE_SQLITE.has(errorCode(error))) {
    // The operator's to fix, not a bug: one line that says what to do, no stack trace.
    const reason = error instanceof Error ? error.message : String(error);
    return new InvalidInput(`the store at ${target.file} cannot be read: ${reason}; restore it from a backup or point store: at another file`, [], {
      cause: error,
    });
  }
  const where = target.dialect === 'sqlite' ? `SQLite file ${target.file}` : `PostgreSQL at ${postgresAddress(target.connectionString)}`;
  const reason = error instanceof Error ? error.message : String(error);
  return new Error(`Could not open the store (${where}): ${reason}`, { cause: error });
}

function postgresAddress(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.host}${url.pathname}`;
  } catch {
    return 'the configured address';
  }
}

function openSqlite(file: string, rehearsal: 0 | 1, clock: Clock): Omit<StoreContext, 'key'> {
  if (file !== ':memory:') {
    // The store holds names, e-mail addresses and the journal of every change: readable by its owner only. A new
    // file is created 0600 before SQLite opens it, and SQLite gives its -wal and -shm files the database's mode.
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    closeSync(openSync(file, 'a', 0o600));
  }
  const database = new SqliteDatabase(file);
  // WAL lets readers (the dashboard) work while a scan writes; NORMAL sync is durable under WAL except
  // for the last commits on power loss, which a rerun of the scan recovers.
  if (file !== ':memory:') database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // SQLite has no server: the process holding the file is the store, and its clock is the store's.
  const now = async (): Promise<Date> => clock.now();
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database }) }), dialect: 'sqlite', maxParameters: 32_766, rehearsal, now };
}

function openPostgres(connectionString: string, rehearsal: 0 | 1): Omit<StoreContext, 'key'> {
  const pool = new pg.Pool({ connectionString, max: 10 });
  // An idle client that loses its server emits 'error' on the pool, which would end the process if
  // unhandled; the pool drops that client and the next query reports the problem to its caller.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new StorePostgresDialect({ pool }) });
  return { db, dialect: 'postgres', maxParameters: 65_535, rehearsal, now: () => postgresNow(db) };
}

/** The server's clock: every process sharing the store reads the same one, whatever its own clock says. */
async function postgresNow(db: Kysely<Database>): Promise<Date> {
  // clock_timestamp(), not now(): now() stays at the start of the transaction.
  const { rows } = await sql<{ now: unknown }>`select clock_timestamp() as now`.execute(db);
  const value = rows[0]?.now;
  const at = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(at.getTime())) throw new Error(`The PostgreSQL server answered its time as ${JSON.stringify(String(value)).slice(0, 60)}, not a timestamp.`);
  return at;
}

async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (schema === undefined || schema === null) {
    throw new InvalidInput('The PostgreSQL store has no schema to write to: the search_path names no existing schema.');
  }
  return schema;
}
