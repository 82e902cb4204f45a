/**
 * The read-only database source of last-login dates, for Confluence versions whose REST API does not
 * expose them (before 10.2). Reads the tables of the Atlassian KB SQL: cwd_user ⋈ user_mapping
 * (lower_username), LEFT JOIN logininfo (USERNAME holds the user_key, SUCCESSDATE) and LEFT JOIN
 * cwd_user_attribute 'lastAuthenticated' (epoch milliseconds as text). PostgreSQL and MySQL/MariaDB.
 */

import pg from 'pg';
import { createConnection as createMysqlConnection } from 'mysql2';
import { z } from 'zod';
import { ConnectorError } from '../../app/connector-error.ts';
import type { LoginFact } from '../../app/confluence-port.ts';

/** Reads login facts from a Confluence database; never writes. */
export interface ConfluenceDatabaseSource {
  /** Connects and checks that Confluence's tables are there; throws a fixable ConnectorError otherwise. */
  check(signal?: AbortSignal): Promise<void>;
  /** One fact per username, in lower-case username order, streamed from one server-side cursor. */
  readLogins(signal?: AbortSignal): AsyncIterable<LoginFact>;
  /** Closes any connection still open. */
  close(): Promise<void>;
}

export interface ConfluenceDatabaseOptions {
  /** Named in errors, e.g. "wiki database". */
  readonly target: string;
  /** Rows fetched per round trip (default 1000). */
  readonly batchSize?: number;
}

type Dialect = 'postgres' | 'mysql';

/** A driver connection whose session is read-only: the only way this module talks to a database. */
export interface SqlConnection {
  readonly dialect: Dialect;
  query(sql: string, params: readonly (string | number)[]): Promise<unknown[]>;
  /**
   * Streams a query's rows in batches of about `batchSize` without holding the result in memory;
   * PostgreSQL needs an open transaction for its cursor.
   */
  stream(sql: string, batchSize: number): AsyncIterable<unknown[]>;
  end(): Promise<void>;
  /** Drops the connection at once (a stream abandoned half-way cannot be ended politely). */
  destroy(): void;
}

/** Tables and columns the query needs, lower-case; their real spelling is looked up once. */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  cwd_user: ['id', 'lower_user_name', 'created_date'],
  user_mapping: ['user_key', 'username', 'lower_username'],
  logininfo: ['username', 'successdate'],
  cwd_user_attribute: ['user_id', 'attribute_name', 'attribute_value'],
};

const columnRow = z.object({ table_name: z.string(), column_name: z.string() });
const instant = z.union([z.date(), z.string(), z.null()]);
const loginRow = z.object({
  lower_username: z.string(),
  username: z.string().nullable(),
  success_date: instant,
  last_authenticated: z.union([z.string(), z.number(), z.null()]),
  created_date: instant,
});

/** Creates the source for a postgres:// or mysql:// URL; nothing connects until it is used. */
export function createConfluenceDatabaseSource(url: string, options: ConfluenceDatabaseOptions): ConfluenceDatabaseSource {
  // Fails fast on a URL no driver here speaks, before anything tries to connect.
  dialectOf(url);
  const batchSize = options.batchSize ?? 1000;
  const open = new Set<SqlConnection>();
  const target = `${options.target} (${redact(url)})`;

  const connect = async (): Promise<SqlConnection> => {
    try {
      const connection = await connectReadOnly(url);
      open.add(connection);
      return connection;
    } catch (error) {
      throw databaseError('cannot connect to the Confluence database', error, target);
    }
  };
  const release = async (connection: SqlConnection, politely = true): Promise<void> => {
    open.delete(connection);
    if (politely) await connection.end().catch(() => connection.destroy());
    else connection.destroy();
  };

  return {
    async check(signal) {
      const connection = await connect();
      try {
        signal?.throwIfAborted();
        await readOnly(connection, () => resolveNames(connection, target));
      } finally {
        await release(connection);
      }
    },

    async *readLogins(signal) {
      const connection = await connect();
      let finished = false;
      try {
        const names = await readOnly(connection, () => resolveNames(connection, target));
        const sql = loginQuery(connection.dialect, names);
        // One ordered query through a cursor: a single pass over the join however large the instance,
        // and no reliance on an index over user_mapping.lower_username.
        yield* await readOnlyStream(connection, async function* () {
          // A user's rows (one per directory the name exists in) are folded together, so the last user of
          // a batch is held back until the next batch shows whether more of their rows follow.
          let held: LoginRow[] = [];
          for await (const batch of connection.stream(sql, batchSize)) {
            signal?.throwIfAborted();
            const rows = held.concat(parseRows(loginRow, batch, target));
            const lastKey = rows.at(-1)?.lower_username;
            const cut = rows.findIndex((row) => row.lower_username === lastKey);
            held = rows.slice(cut);
            yield* foldRows(rows.slice(0, cut));
          }
          yield* foldRows(held);
        });
        finished = true;
      } catch (error) {
        if (error instanceof ConnectorError || signal?.aborted) throw error;
        throw databaseError('reading last logins from the Confluence database failed', error, target);
      } finally {
        await release(connection, finished);
      }
    },

    async close() {
      await Promise.all([...open].map((connection) => release(connection)));
    },
  };
}

/** Opens a connection and makes its session read-only before anything else runs on it. */
export async function connectReadOnly(url: string): Promise<SqlConnection> {
  return dialectOf(url) === 'postgres' ? connectPostgres(url) : connectMysql(url);
}

function dialectOf(url: string): Dialect {
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgres';
  if (scheme === 'mysql') return 'mysql';
  throw new ConnectorError('database must be a postgres:// or mysql:// URL', { target: redact(url), fixable: true });
}

/** OID of PostgreSQL's `timestamp without time zone`, the type of Confluence's date columns. */
const PG_TIMESTAMP = 1114;

/**
 * Confluence writes naive timestamps (no zone). They are read as UTC whatever the zone of the process
 * running Seatkeeper, so results do not depend on where it runs; a Confluence JVM in another zone
 * shifts dates by hours, which day-based inactivity rules do not notice.
 */
function parseNaiveUtc(text: string): Date | string {
  const date = new Date(`${text.replace(' ', 'T')}Z`);
  return Number.isNaN(date.getTime()) ? text : date;
}

const CURSOR = 'seatkeeper_logins';

async function connectPostgres(url: string): Promise<SqlConnection> {
  const client = new pg.Client({
    connectionString: url,
    application_name: 'seatkeeper (read-only)',
    types: {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === PG_TIMESTAMP && format !== 'binary' ? parseNaiveUtc : pg.types.getTypeParser(oid, format),
    },
  });
  await client.connect();
  // Every transaction of this session is read-only, the explicit ones below included.
  await client.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY');
  return {
    dialect: 'postgres',
    query: async (sql, params) => (await client.query(sql, [...params])).rows,
    stream: async function* (sql, batchSize) {
      await client.query(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${sql}`);
      try {
        for (;;) {
          const { rows } = await client.query(`FETCH FORWARD ${Math.max(1, Math.floor(batchSize))} FROM ${CURSOR}`);
          if (rows.length === 0) return;
          yield rows;
        }
      } finally {
        await client.query(`CLOSE ${CURSOR}`).catch(() => undefined);
      }
    },
    end: () => client.end(),
    destroy: () => {
      client.end().catch(() => undefined);
    },
  };
}

async function connectMysql(url: string): Promise<SqlConnection> {
  // timezone 'Z': DATETIME values are naive; read them as UTC (see parseNaiveUtc).
  const core = createMysqlConnection({ uri: url, timezone: 'Z', dateStrings: false, supportBigNumbers: true, bigNumberStrings: true });
  const connection = core.promise();
  try {
    await connection.query('SET SESSION TRANSACTION READ ONLY');
  } catch (error) {
    core.destroy();
    throw error;
  }
  return {
    dialect: 'mysql',
    query: async (sql, params) => {
      const [rows] = await connection.query(sql, [...params]);
      return Array.isArray(rows) ? rows : [];
    },
    stream: async function* (sql, batchSize) {
      // The core API streams rows as they arrive, with backpressure; the promise API would buffer them all.
      let batch: unknown[] = [];
      for await (const row of core.query(sql).stream({ highWaterMark: batchSize })) {
        const value: unknown = row;
        batch.push(value);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    },
    end: () => connection.end(),
    destroy: () => core.destroy(),
  };
}

/** Runs `work` inside a read-only transaction; always ends it, since nothing here may be committed. */
async function readOnly<T>(connection: SqlConnection, work: () => Promise<T>): Promise<T> {
  await connection.query(connection.dialect === 'postgres' ? 'BEGIN TRANSACTION READ ONLY' : 'START TRANSACTION READ ONLY', []);
  try {
    return await work();
  } finally {
    await connection.query('ROLLBACK', []).catch(() => undefined);
  }
}

/** Streams `rows` inside a read-only transaction, ended when the stream ends or is abandoned. */
async function readOnlyStream<T>(connection: SqlConnection, rows: () => AsyncGenerator<T>): Promise<AsyncGenerator<T>> {
  await connection.query(connection.dialect === 'postgres' ? 'BEGIN TRANSACTION READ ONLY' : 'START TRANSACTION READ ONLY', []);
  return (async function* () {
    let complete = false;
    try {
      yield* rows();
      complete = true;
    } finally {
      // After an abandoned MySQL stream the connection is dropped instead; nothing here is ever committed.
      if (complete || connection.dialect === 'postgres') await connection.query('ROLLBACK', []).catch(() => undefined);
    }
  })();
}

/** Real spelling of each required table and column, lower-case name → as stored. */
type Names = ReadonlyMap<string, { readonly table: string; readonly columns: ReadonlyMap<string, string> }>;

/**
 * Looks the tables up in information_schema once: PostgreSQL folds unquoted names to lower case but a
 * quoted upper-case table stays upper-case, and MySQL/MariaDB on Linux compare table names by case.
 */
async function resolveNames(connection: SqlConnection, target: string): Promise<Names> {
  const schema = connection.dialect === 'postgres' ? 'current_schema()' : 'DATABASE()';
  const wanted = Object.keys(REQUIRED).map((name) => `'${name}'`).join(', ');
  const rows = parseRows(
    columnRow,
    await connection.query(
      `SELECT table_name AS table_name, column_name AS column_name FROM information_schema.columns
       WHERE table_schema = ${schema} AND lower(table_name) IN (${wanted})`,
      [],
    ),
    target,
  );
  const names = new Map<string, { table: string; columns: Map<string, string> }>();
  const problems: string[] = [];
  for (const [table, columns] of Object.entries(REQUIRED)) {
    const spellings = [...new Set(rows.filter((r) => r.table_name.toLowerCase() === table).map((r) => r.table_name))];
    // Should both spellings exist (possible on a case-sensitive MySQL), prefer Confluence's own lower case.
    const actual = spellings.includes(table) ? table : spellings[0];
    if (actual === undefined) {
      problems.push(`no table ${table}`);
      continue;
    }
    const found = new Map(rows.filter((r) => r.table_name === actual).map((r) => [r.column_name.toLowerCase(), r.column_name]));
    const missing = columns.filter((c) => !found.has(c));
    if (missing.length > 0) problems.push(`table ${actual} has no column ${missing.join(', ')}`);
    names.set(table, { table: actual, columns: found });
  }
  if (problems.length > 0) {
    throw new ConnectorError(`the database is not a Confluence database this account can read: ${problems.join('; ')}`, {
      target,
      fixable: true,
    });
  }
  return names;
}

/** The KB join, ordered by lower-case username so each user's rows arrive together. */
function loginQuery(dialect: Dialect, names: Names): string {
  const quote = (identifier: string): string =>
    dialect === 'postgres' ? `"${identifier.replaceAll('"', '""')}"` : `\`${identifier.replaceAll('`', '``')}\``;
  const t = (table: string): string => quote(names.get(table)?.table ?? table);
  const c = (table: string, column: string): string => quote(names.get(table)?.columns.get(column) ?? column);
  return `SELECT um.${c('user_mapping', 'lower_username')} AS lower_username,
      um.${c('user_mapping', 'username')} AS username,
      li.${c('logininfo', 'successdate')} AS success_date,
      ua.${c('cwd_user_attribute', 'attribute_value')} AS last_authenticated,
      cu.${c('cwd_user', 'created_date')} AS created_date
    FROM ${t('user_mapping')} um
    JOIN ${t('cwd_user')} cu ON cu.${c('cwd_user', 'lower_user_name')} = um.${c('user_mapping', 'lower_username')}
    LEFT JOIN ${t('logininfo')} li ON li.${c('logininfo', 'username')} = um.${c('user_mapping', 'user_key')}
    LEFT JOIN ${t('cwd_user_attribute')} ua ON ua.${c('cwd_user_attribute', 'user_id')} = cu.${c('cwd_user', 'id')}
      AND ua.${c('cwd_user_attribute', 'attribute_name')} = 'lastAuthenticated'
    ORDER BY um.${c('user_mapping', 'lower_username')}`;
}

type LoginRow = z.infer<typeof loginRow>;

/**
 * One fact per username from its joined rows (one per directory the name exists in). lastLogin is the
 * latest of SUCCESSDATE and lastAuthenticated over all rows; createdAt is the latest creation date,
 * the conservative choice: a newer account is less likely to pass a "never logged in for N days" rule.
 */
export function foldRows(rows: readonly LoginRow[]): LoginFact[] {
  const facts: LoginFact[] = [];
  let current: { key: string; username: string; lastLogin: Date | null; createdAt: Date | null } | null = null;
  for (const row of rows) {
    if (current === null || current.key !== row.lower_username) {
      if (current !== null) facts.push({ username: current.username, lastLogin: current.lastLogin, createdAt: current.createdAt });
      current = { key: row.lower_username, username: row.username ?? row.lower_username, lastLogin: null, createdAt: null };
    }
    current.lastLogin = later(current.lastLogin, later(toDate(row.success_date), fromEpochText(row.last_authenticated)));
    current.createdAt = later(current.createdAt, toDate(row.created_date));
  }
  if (current !== null) facts.push({ username: current.username, lastLogin: current.lastLogin, createdAt: current.createdAt });
  return facts;
}

function toDate(value: Date | string | null): Date | null {
  if (value === null) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** cwd_user_attribute stores lastAuthenticated as epoch milliseconds in a text column. */
function fromEpochText(value: string | number | null): Date | null {
  if (value === null) return null;
  const text = String(value).trim();
  if (!/^\d+$/.test(text)) return null;
  const millis = Number(text);
  return Number.isSafeInteger(millis) && millis > 0 ? new Date(millis) : null;
}

function later(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() >= b.getTime() ? a : b;
}

function parseRows<T>(schema: z.ZodType<T>, rows: readonly unknown[], target: string): T[] {
  const parsed = z.array(schema).safeParse(rows);
  if (!parsed.success) {
    throw new ConnectorError(`unexpected rows from the Confluence database: ${z.prettifyError(parsed.error)}`, { target });
  }
  return parsed.data;
}

const TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'PROTOCOL_CONNECTION_LOST', '57P01', '57P03']);

function databaseError(what: string, error: unknown, target: string): ConnectorError {
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : null;
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectorError(`${what}: ${message}${code === null ? '' : ` (${code})`}; check the database: URL and the account's rights`, {
    target,
    retryable: code !== null && TRANSIENT.has(code),
    fixable: true,
    cause: error,
  });
}

/** The URL without its password, for messages and logs. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.href;
  } catch {
    return 'database URL';
  }
}
