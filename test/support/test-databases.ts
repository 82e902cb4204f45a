/**
 * Real database servers for tests: where their URLs come from, and a scratch schema (PostgreSQL) or
 * database (MariaDB/MySQL) per run that is dropped afterwards. Any suite that needs a real server uses
 * these, so "skip locally, fail in CI" behaves the same everywhere.
 */

import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { createConnection } from 'mysql2/promise';

/** The servers tests may use. */
export type TestDatabaseKind = 'postgres' | 'mariadb';

/** The environment variable that holds each server's URL. */
export const TEST_DATABASE_ENV: Readonly<Record<TestDatabaseKind, string>> = {
  postgres: 'SEATKEEPER_TEST_POSTGRES_URL',
  mariadb: 'SEATKEEPER_TEST_MARIADB_URL',
};

/**
 * The server URL for `kind`, or null after marking the test skipped when the variable is unset outside
 * CI. In CI (`CI=true`) a missing variable throws, failing the test: CI must never pass by skipping.
 */
export function testDatabaseUrl(kind: TestDatabaseKind, t: TestContext): string | null {
  const variable = TEST_DATABASE_ENV[kind];
  const url = process.env[variable];
  if (url !== undefined && url !== '') return url;
  if (process.env['CI'] === 'true') throw new Error(`${variable} is not set; CI must provide a ${kind} server for this test`);
  t.skip(`${variable} is not set; set it (e.g. ${kind === 'postgres' ? 'postgres://postgres@127.0.0.1:5432/test' : 'mysql://root@127.0.0.1:3306/test'}) to run this test`);
  return null;
}

/** A schema or database of its own for one test run. */
export interface ScratchDatabase {
  /** URL that points at the scratch schema/database (PostgreSQL: via `options=-c search_path=<name>`). */
  readonly url: string;
  readonly name: string;
  /** Drops the schema/database and everything in it. */
  drop(): Promise<void>;
}

/** Creates a uniquely named scratch schema (PostgreSQL) or database (MariaDB) on the server at `serverUrl`. */
export async function createScratchDatabase(kind: TestDatabaseKind, serverUrl: string): Promise<ScratchDatabase> {
  const name = `sk_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  if (kind === 'postgres') {
    await withPostgres(serverUrl, (client) => client.query(`CREATE SCHEMA "${name}"`));
    const url = new URL(serverUrl);
    url.searchParams.set('options', `-c search_path=${name}`);
    return { url: url.toString(), name, drop: () => withPostgres(serverUrl, (client) => client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`)) };
  }
  await withMysql(serverUrl, (query) => query(`CREATE DATABASE \`${name}\``));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => withMysql(serverUrl, (query) => query(`DROP DATABASE IF EXISTS \`${name}\``)) };
}

async function withPostgres(url: string, work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

async function withMysql(url: string, work: (query: (sql: string) => Promise<unknown>) => Promise<unknown>): Promise<void> {
  const parsed = new URL(url);
  const connection = await createConnection({
    host: parsed.hostname,
    port: parsed.port === '' ? 3306 : Number(parsed.port),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  });
  try {
    await work((sql) => connection.query(sql));
  } finally {
    await connection.end();
  }
}
