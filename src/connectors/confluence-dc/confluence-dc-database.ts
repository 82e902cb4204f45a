/**
 * The read-only database source of last-login dates, for Confluence versions whose REST API does not
 * expose them (before 10.2). Reads the tables of the Atlassian KB SQL: cwd_user ⋈ user_mapping
 * (lower_username), LEFT JOIN logininfo (USERNAME holds the user_key, SUCCESSDATE) and LEFT JOIN
 * cwd_user_attribute 'lastAuthenticated' (epoch milliseconds as text). PostgreSQL and MySQL/MariaDB.
 * It also says what REST never does: each user's directory (cwd_directory, ordered by
 * cwd_app_dir_mapping.list_index), which directories are writable and which groups are read-only
 * (embedded Crowd's allowed operations, see confluence-dc-directories.ts).
 */

import pg from 'pg';
import { createConnection as createMysqlConnection } from 'mysql2';
import { z } from 'zod';
import { ConnectorError } from '../../app/connector-error.ts';
import { redactSecrets } from '../../domain/secret-redaction.ts';
import type { DirectoryFacts, GroupMember, GroupNestingFact, LoginFact } from '../../app/instance-port.ts';
import {
  deriveDirectories,
  directoriesWithReadOnlyGroups,
  readOnlyGroupNames,
  toDirectoryFacts,
  type DirectoryPermissionRows,
} from './confluence-dc-directories.ts';
import { foldRows, loginRow, position, type LoginRow } from './confluence-dc-login-rows.ts';
import { OPTIONAL, REQUIRED, directorySql, loginQuery, membershipQuery, type Dialect, type Names } from './confluence-dc-database-queries.ts';

/** Reads login facts from a Confluence database; never writes. */
export interface ConfluenceDatabaseSource {
  /** Connects and checks that Confluence's tables are there; throws a fixable ConnectorError otherwise. */
  check(signal?: AbortSignal): Promise<void>;
  /** One fact per username, in lower-case username order, streamed from one server-side cursor. */
  readLogins(signal?: AbortSignal): AsyncIterable<LoginFact>;
  /**
   * Direct memberships and nesting from cwd_membership, each pair once; null when the schema has no cwd_membership
   * (a DBA's reduced copy), so the caller reads the member lists over REST instead.
   */
  readMemberships(signal?: AbortSignal): Promise<{ memberships: GroupMember[]; nesting: GroupNestingFact[] } | null>;
  /** Directories in Confluence's order with active and writable, and the groups whose membership Confluence cannot change. */
  readDirectories(signal?: AbortSignal): Promise<DirectoryFacts>;
  /** Closes any connection still open. */
  close(): Promise<void>;
}

export interface ConfluenceDatabaseOptions {
  /** Named in errors, e.g. "wiki database". */
  readonly target: string;
  /** Rows fetched per round trip (default 1000). */
  readonly batchSize?: number;
}

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

const columnRow = z.object({ table_name: z.string(), column_name: z.string() });
/** Ids are BIGINT or NUMERIC(18,0): the drivers hand them over as strings or numbers. */
const id = z.union([z.string(), z.number(), z.bigint()]).transform(String);
const directoryRow = z.object({
  id,
  name: z.string(),
  active: z.unknown(),
  type: z.string(),
  mapping_id: id.nullable(),
  list_index: position,
});
const directoryOperationRow = z.object({ directory_id: id, operation_type: z.string() });
const mappingOperationRow = z.object({ mapping_id: id, operation_type: z.string() });
const attributeRow = z.object({ directory_id: id, attribute_value: z.string().nullable() });
const groupRow = z.object({ group_name: z.string(), directory_id: id, is_local: z.unknown() });
const membershipRow = z.object({ group_name: z.string(), username: z.string().nullable(), user_key: z.string().nullable(), child_group: z.string().nullable() });

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

    async readMemberships(signal) {
      const connection = await connect();
      let finished = false;
      try {
        const names = await readOnly(connection, () => resolveNames(connection, target));
        const sql = membershipQuery(connection.dialect, names);
        if (sql === null) {
          finished = true;
          return null;
        }
        const memberships: GroupMember[] = [];
        const nesting: GroupNestingFact[] = [];
        const seen = new Set<string>();
        for await (const batch of await readOnlyStream(connection, async function* () { yield* connection.stream(sql, batchSize); })) {
          signal?.throwIfAborted();
          for (const row of parseRows(membershipRow, batch, target)) {
            // A username in several directories has a row per directory: one membership is enough.
            const key = `${row.group_name}\u0000${row.username ?? ''}\u0000${row.child_group ?? ''}`;
            if (seen.has(key)) continue;
            seen.add(key);
            // user_key is user_mapping's primary key: a row with a username has one.
            if (row.username !== null && row.user_key !== null) memberships.push({ group: row.group_name, accountId: row.user_key, username: row.username });
            else if (row.child_group !== null) nesting.push({ parent: row.group_name, child: row.child_group });
          }
        }
        finished = true;
        return { memberships, nesting };
      } catch (error) {
        if (error instanceof ConnectorError || signal?.aborted) throw error;
        throw databaseError('reading group memberships from the Confluence database failed', error, target);
      } finally {
        await release(connection, finished);
      }
    },

    async readDirectories(signal) {
      const connection = await connect();
      try {
        return await readOnly(connection, async () => {
          const names = await resolveNames(connection, target);
          const sql = directorySql(connection.dialect, names);
          const read = async <T>(schema: z.ZodType<T>, query: string | null): Promise<T[] | null> => {
            if (query === null) return null;
            signal?.throwIfAborted();
            return parseRows(schema, await connection.query(query, []), target);
          };
          const rows = (await read(directoryRow, sql.directories)) ?? [];
          const permissions: DirectoryPermissionRows = {
            directoryOperations: (await read(directoryOperationRow, sql.directoryOperations))
              ?.map((r) => ({ directoryId: r.directory_id, operation: r.operation_type })) ?? null,
            mappingOperations: (await read(mappingOperationRow, sql.mappingOperations))
              ?.map((r) => ({ mappingId: r.mapping_id, operation: r.operation_type })) ?? null,
            localGroupsAttributes: (await read(attributeRow, sql.localGroupsAttributes))
              ?.map((r) => ({ directoryId: r.directory_id, value: r.attribute_value })) ?? null,
          };
          const directories = unexpectedAsConnectorError(target, () =>
            deriveDirectories(
              rows.map((r) => ({ id: r.id, name: r.name, active: r.active, type: r.type, mappingId: r.mapping_id, listIndex: r.list_index })),
              permissions,
            ),
          );
          const groups = (await read(groupRow, sql.groupsOf(directoriesWithReadOnlyGroups(directories)))) ?? [];
          const readOnly = readOnlyGroupNames(directories, groups.map((g) => ({ name: g.group_name, directoryId: g.directory_id, local: g.is_local })));
          return toDirectoryFacts(directories, readOnly);
        });
      } catch (error) {
        if (error instanceof ConnectorError || signal?.aborted) throw error;
        throw databaseError('reading user directories from the Confluence database failed', error, target);
      } finally {
        await release(connection);
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

/**
 * Looks the tables up in information_schema once: PostgreSQL folds unquoted names to lower case but a
 * quoted upper-case table stays upper-case, and MySQL/MariaDB on Linux compare table names by case.
 */
async function resolveNames(connection: SqlConnection, target: string): Promise<Names> {
  const schema = connection.dialect === 'postgres' ? 'current_schema()' : 'DATABASE()';
  const wanted = [...Object.keys(REQUIRED), ...Object.keys(OPTIONAL)].map((name) => `'${name}'`).join(', ');
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
  const lookUp = (table: string, columns: readonly string[], required: boolean): void => {
    const spellings = [...new Set(rows.filter((r) => r.table_name.toLowerCase() === table).map((r) => r.table_name))];
    // Should both spellings exist (possible on a case-sensitive MySQL), prefer Confluence's own lower case.
    const actual = spellings.includes(table) ? table : spellings[0];
    if (actual === undefined) {
      if (required) problems.push(`no table ${table}`);
      return;
    }
    const found = new Map(rows.filter((r) => r.table_name === actual).map((r) => [r.column_name.toLowerCase(), r.column_name]));
    const missing = columns.filter((c) => !found.has(c));
    if (missing.length > 0) {
      // An optional table that is not what Confluence writes is as good as absent.
      if (required) problems.push(`table ${actual} has no column ${missing.join(', ')}`);
      return;
    }
    names.set(table, { table: actual, columns: found });
  };
  for (const [table, columns] of Object.entries(REQUIRED)) lookUp(table, columns, true);
  for (const [table, columns] of Object.entries(OPTIONAL)) lookUp(table, columns, false);
  if (problems.length > 0) {
    throw new ConnectorError(`the database is not a Confluence database this account can read: ${problems.join('; ')}`, {
      target,
      fixable: true,
    });
  }
  return names;
}

function unexpectedAsConnectorError<T>(target: string, derive: () => T): T {
  try {
    return derive();
  } catch (error) {
    if (error instanceof RangeError) throw new ConnectorError(`unexpected rows from the Confluence database: ${error.message}`, { target, cause: error });
    throw error;
  }
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

/** The URL without its password or secret query parameters (`?password=`), for messages and logs. */
function redact(url: string): string {
  return redactSecrets(url);
}
