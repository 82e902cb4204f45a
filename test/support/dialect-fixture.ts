/**
 * Test support: runs a store suite on every dialect — SQLite in a temp file, PostgreSQL in a fresh schema
 * per run — so each repository's tests (now and later ones) are written once and pass on both.
 */

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import type { Store } from '../../src/app/store-port.ts';
import { openStore } from '../../src/store/store-database.ts';
import type { RecordKey } from '../../src/domain/record-signature.ts';
import { testRecordKey } from './record-key.ts';

const POSTGRES_VARIABLE = 'SEATKEEPER_TEST_POSTGRES_URL';

/** One dialect's database for a suite, opened before its first test and dropped after its last. */
export interface DialectFixture {
  /** The store the suite's tests share; tests keep apart by instance name. */
  readonly store: Store;
  /** The URL the store was opened with, to open it again. */
  readonly url: string;
  /** Rows in Kysely's migration table, read around the store. */
  countMigrations(): Promise<number>;
  /** The key the store signs with. */
  readonly key: RecordKey;
  /**
   * Runs one SQL statement around the store, as someone with write access to the database would: `$1`, `$2`, … are
   * bound in order on both dialects.
   */
  execute(statement: string, values?: readonly unknown[]): Promise<void>;
}

interface Database {
  readonly url: string;
  countMigrations(): Promise<number>;
  execute(statement: string, values: readonly unknown[]): Promise<void>;
  drop(): Promise<void>;
}

async function sqliteDatabase(): Promise<Database> {
  const dir = mkdtempSync(join(tmpdir(), 'seatkeeper-store-'));
  const file = join(dir, 'seatkeeper.db');
  return {
    url: `sqlite:${file}`,
    async countMigrations() {
      const db = new SqliteDatabase(file, { readonly: true });
      try {
        return db.prepare('select name from kysely_migration').all().length;
      } finally {
        db.close();
      }
    },
    async execute(statement, values) {
      const db = new SqliteDatabase(file);
      try {
        db.prepare(statement.replace(/\$\d+/g, '?')).run(...values);
      } finally {
        db.close();
      }
    },
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresDatabase(baseUrl: string): Promise<Database> {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  const schema = `sk_test_${randomBytes(6).toString('hex')}`;
  await admin.query(`create schema ${schema}`);
  // libpq's `options` reaches the server on every pooled connection, so the store needs no schema setting of its own.
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async countMigrations() {
      const result = await admin.query<{ n: number }>(`select count(*)::int as n from ${schema}.kysely_migration`);
      return result.rows[0]?.n ?? 0;
    },
    async execute(statement, values) {
      await admin.query(`set search_path to ${schema}`);
      await admin.query(statement, [...values]);
    },
    async drop() {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    },
  };
}

function suiteOn(create: () => Promise<Database>, body: (fixture: () => DialectFixture) => void): void {
  let database: Database | undefined;
  let store: Store | undefined;
  const key = testRecordKey();
  before(async () => {
    database = await create();
    store = await openStore(database.url, { key: () => key });
  });
  after(async () => {
    await store?.close();
    await database?.drop();
  });
  body(() => {
    if (database === undefined || store === undefined) throw new Error('The dialect fixture is read before its suite started.');
    const open = database;
    return { store, url: open.url, key, countMigrations: () => open.countMigrations(), execute: (statement, values = []) => open.execute(statement, values) };
  });
}

/**
 * Declares `body` once per dialect. PostgreSQL comes from SEATKEEPER_TEST_POSTGRES_URL; without it the
 * PostgreSQL half is skipped with a message saying so, except in CI (CI=true), where it fails.
 */
export function describeEachDialect(title: string, body: (fixture: () => DialectFixture) => void): void {
  describe(`${title} on SQLite`, () => suiteOn(sqliteDatabase, body));
  const postgresUrl = process.env[POSTGRES_VARIABLE];
  if (postgresUrl === undefined || postgresUrl === '') {
    test(`${title} on PostgreSQL`, (t) => {
      if (process.env.CI === 'true') assert.fail(`${POSTGRES_VARIABLE} must be set in CI: the store suite has to run on PostgreSQL too.`);
      t.skip(`PostgreSQL suite skipped: set ${POSTGRES_VARIABLE}=postgres://postgres@127.0.0.1:5432/test`);
    });
    return;
  }
  describe(`${title} on PostgreSQL`, () => suiteOn(() => postgresDatabase(postgresUrl), body));
}
