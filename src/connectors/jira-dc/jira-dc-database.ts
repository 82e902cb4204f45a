/**
 * The read-only database source of Jira's last logins: `cwd_user_attributes` ('login.lastLoginMillis',
 * 'login.previousLoginMillis', 'login.count') on `cwd_user`, with the user key from `app_user`; directories in Jira's
 * order (`cwd_directory.directory_position`); direct memberships from `cwd_membership`. PostgreSQL and MySQL/MariaDB,
 * over the same read-only driver connection as Confluence's source (confluence-dc-database.ts). Sources of every
 * table and column: jira-dc-database-queries.ts.
 */

import { z } from 'zod';
import { ConnectorError } from '../../app/connector-error.ts';
import { redactSecrets } from '../../domain/secret-redaction.ts';
import { connectReadOnly, type SqlConnection } from '../confluence-dc/confluence-dc-database.ts';
import { readFlag } from '../confluence-dc/confluence-dc-directories.ts';
import {
  OPTIONAL,
  REQUIRED,
  adminGroupQuery,
  directoryQuery,
  groupMemberQuery,
  groupQuery,
  loginQuery,
  membershipQuery,
  userMembershipQuery,
  type Names,
} from './jira-dc-database-queries.ts';

/** What Jira's database says about one username (all its accounts across directories folded into one). */
export interface JiraLoginFact {
  /** app_user.user_key; null when app_user has no row for the name (never seen by Jira's user manager). */
  readonly userKey: string | null;
  /** cwd_user.user_name of the account Jira uses (the first active directory in Jira's order). */
  readonly username: string;
  /**
   * The latest login.lastLoginMillis over every account of the name: the conservative choice, since a login
   * recorded anywhere must not be hidden by a stale copy. null: no readable value (never logged in, as far as it goes).
   */
  readonly lastLogin: Date | null;
  readonly previousLogin: Date | null;
  /** login.count of the account Jira uses; null when absent or not a count. */
  readonly loginCount: number | null;
  /** The latest creation date over the accounts (a newer account is less likely to pass a "never logged in" rule). */
  readonly createdAt: Date | null;
  readonly directory: string | null;
  /** cwd_user.active (1/0) of the account Jira uses; null when unreadable. */
  readonly active: boolean | null;
  readonly email: string | null;
  readonly displayName: string | null;
}

/** A user directory in Jira's order. */
export interface JiraDirectory {
  readonly name: string;
  /** directory_position; lower comes first. */
  readonly position: number;
  /** null when cwd_directory.active is unreadable. */
  readonly active: boolean | null;
  /** cwd_directory.directory_type as stored (INTERNAL, CONNECTOR, DELEGATING, CROWD, CUSTOM); null when empty. */
  readonly type: string | null;
}

/** A group, its directory and whether Jira can change its membership (an internal directory's, or a local group). */
export interface JiraGroupRow {
  readonly name: string;
  readonly directory: string | null;
  /** INTERNAL directories and local groups: true; any other directory type: false (the cautious reading). */
  readonly writable: boolean;
}

/** A direct membership row: a user (GROUP_USER) or a nested group (GROUP_GROUP) in a group, in one directory. */
export interface JiraMembershipRow {
  readonly kind: 'user' | 'group';
  readonly group: string;
  /** The username or the child group's name, as cwd_membership spells it. */
  readonly member: string;
  readonly directory: string | null;
  /** app_user.user_key of a user member; null for a group member or a name app_user does not know. */
  readonly userKey: string | null;
}

/** Reads Jira's login facts, directories and memberships; never writes. */
export interface JiraDatabaseSource {
  /** Connects and checks that Jira's tables are there; throws a fixable ConnectorError otherwise. */
  check(signal?: AbortSignal): Promise<void>;
  /** One fact per username, in lower-case username order, from one server-side cursor. */
  readLogins(signal?: AbortSignal): AsyncIterable<JiraLoginFact>;
  readDirectories(signal?: AbortSignal): Promise<JiraDirectory[]>;
  /** Direct memberships, each row once; null when the schema has no cwd_membership (read them over REST then). */
  readMemberships(signal?: AbortSignal): Promise<JiraMembershipRow[] | null>;
  /** The direct user members of one group (name and user key, each name once); null without cwd_membership. */
  readGroupMembers(group: string, signal?: AbortSignal): Promise<{ username: string; userKey: string | null }[] | null>;
  /** The direct groups of one username, sorted; null without cwd_membership. */
  readUserGroups(username: string, signal?: AbortSignal): Promise<string[] | null>;
  /**
   * Groups holding ADMINISTER or SYSTEM_ADMIN (globalpermissionentry), sorted; null without that table. Throws when a
   * grant has no group (granted to anyone): every account would then be an administrator, which must not pass as none.
   */
  readAdminGroups(signal?: AbortSignal): Promise<string[] | null>;
  /** Groups with their writability; null without cwd_group. */
  readGroups(signal?: AbortSignal): Promise<JiraGroupRow[] | null>;
  close(): Promise<void>;
}

/** Options of {@link createJiraDatabaseSource}. */
export interface JiraDatabaseOptions {
  /** Named in errors, e.g. "jira database". */
  readonly target: string;
  /** Rows fetched per round trip (default 1000). */
  readonly batchSize?: number;
}

const text = z.string().nullish().transform((v) => (v === null || v === undefined || v.trim() === '' ? null : v));
const instant = z.union([z.date(), z.string(), z.null()]);
const number = z.union([z.number(), z.string(), z.bigint(), z.null()]).transform((v) => (v === null ? null : Number(v)));
const loginRow = z.object({
  lower_user_name: z.string(),
  user_name: z.string(),
  user_key: text,
  user_active: z.unknown(),
  created_date: instant,
  email_address: text,
  display_name: text,
  directory_name: text,
  directory_active: z.unknown(),
  directory_position: number,
  last_login: z.union([z.string(), z.number(), z.null()]),
  previous_login: z.union([z.string(), z.number(), z.null()]),
  login_count: z.union([z.string(), z.number(), z.null()]),
});
type LoginRow = z.infer<typeof loginRow>;
const directoryRow = z.object({ id: z.unknown(), name: z.string(), active: z.unknown(), position: number, type: text });
const adminRow = z.object({ permission: z.string(), group_name: text });
const groupRow = z.object({ group_name: z.string(), local_flag: z.unknown(), directory_type: text, directory_name: text });
const parentRow = z.object({ parent_name: z.string() });
const memberRow = z.object({ child_name: z.string(), user_key: text });
const membershipRow = z.object({ parent_name: z.string(), child_name: z.string(), membership_type: z.string(), directory_name: text, user_key: text });
const columnRow = z.object({ table_name: z.string(), column_name: z.string() });

/** Creates the source for a postgres:// or mysql:// URL; nothing connects until it is used. */
export function createJiraDatabaseSource(url: string, options: JiraDatabaseOptions): JiraDatabaseSource {
  const scheme = url.slice(0, Math.max(0, url.indexOf(':'))).toLowerCase();
  if (!['postgres', 'postgresql', 'mysql'].includes(scheme)) {
    throw new ConnectorError('database must be a postgres:// or mysql:// URL', { target: redactSecrets(url), fixable: true });
  }
  const batchSize = options.batchSize ?? 1000;
  const target = `${options.target} (${redactSecrets(url)})`;
  const open = new Set<SqlConnection>();
  const connect = async (): Promise<SqlConnection> => {
    try {
      const connection = await connectReadOnly(url);
      open.add(connection);
      return connection;
    } catch (error) {
      throw databaseError('cannot connect to the Jira database', error, target);
    }
  };
  const release = async (connection: SqlConnection, politely: boolean): Promise<void> => {
    open.delete(connection);
    if (politely) await connection.end().catch(() => connection.destroy());
    else connection.destroy();
  };
  /** Runs `work` in a read-only transaction on a connection of its own, turning driver errors into ConnectorErrors. */
  const withConnection = async <T>(what: string, signal: AbortSignal | undefined, work: (c: SqlConnection, names: Names) => Promise<T>): Promise<T> => {
    const connection = await connect();
    let finished = false;
    try {
      await connection.query(connection.dialect === 'postgres' ? 'BEGIN TRANSACTION READ ONLY' : 'START TRANSACTION READ ONLY', []);
      signal?.throwIfAborted();
      const result = await work(connection, await resolveNames(connection, target));
      finished = true;
      return result;
    } catch (error) {
      if (error instanceof ConnectorError || signal?.aborted) throw error;
      throw databaseError(what, error, target);
    } finally {
      // Nothing here is ever committed; a MySQL stream abandoned half-way cannot be rolled back politely, so it is dropped.
      if (finished) await connection.query('ROLLBACK', []).catch(() => undefined);
      await release(connection, finished);
    }
  };

  return {
    check: (signal) => withConnection('checking the Jira database failed', signal, async () => undefined),

    async *readLogins(signal) {
      const connection = await connect();
      let finished = false;
      try {
        await connection.query(connection.dialect === 'postgres' ? 'BEGIN TRANSACTION READ ONLY' : 'START TRANSACTION READ ONLY', []);
        const sql = loginQuery(connection.dialect, await resolveNames(connection, target));
        // A name's rows (one per directory) are folded together, so the last name of a batch waits for the next batch.
        let held: LoginRow[] = [];
        for await (const batch of connection.stream(sql, batchSize)) {
          signal?.throwIfAborted();
          const rows = held.concat(parseRows(loginRow, batch, target));
          const lastKey = rows.at(-1)?.lower_user_name;
          const cut = rows.findIndex((row) => row.lower_user_name === lastKey);
          held = rows.slice(cut);
          yield* foldLoginRows(rows.slice(0, cut));
        }
        yield* foldLoginRows(held);
        finished = true;
      } catch (error) {
        if (error instanceof ConnectorError || signal?.aborted) throw error;
        throw databaseError('reading last logins from the Jira database failed', error, target);
      } finally {
        if (finished) await connection.query('ROLLBACK', []).catch(() => undefined);
        await release(connection, finished);
      }
    },

    readDirectories: (signal) =>
      withConnection('reading user directories from the Jira database failed', signal, async (connection, names) => {
        const rows = parseRows(directoryRow, await connection.query(directoryQuery(connection.dialect, names), []), target);
        return rows.map((row) => {
          if (row.position === null || !Number.isFinite(row.position)) {
            throw new ConnectorError(`directory ${JSON.stringify(row.name)} has no readable directory_position`, { target });
          }
          return { name: row.name, position: row.position, active: readFlag(row.active), type: row.type };
        });
      }),

    readGroupMembers: (group, signal) =>
      withConnection('reading a group\'s members from the Jira database failed', signal, async (connection, names) => {
        const sql = groupMemberQuery(connection.dialect, names);
        if (sql === null) return null;
        const rows = parseRows(memberRow, await connection.query(sql, [group.toLowerCase()]), target);
        // The same name in two directories is one member to Jira.
        const seen = new Map<string, { username: string; userKey: string | null }>();
        for (const row of rows) if (!seen.has(row.child_name.toLowerCase()) || row.user_key !== null) seen.set(row.child_name.toLowerCase(), { username: row.child_name, userKey: row.user_key });
        return [...seen.values()];
      }),

    readUserGroups: (username, signal) =>
      withConnection('reading a user\'s groups from the Jira database failed', signal, async (connection, names) => {
        const sql = userMembershipQuery(connection.dialect, names);
        if (sql === null) return null;
        const rows = parseRows(parentRow, await connection.query(sql, [username.toLowerCase()]), target);
        return [...new Set(rows.map((row) => row.parent_name))].sort(byName);
      }),

    readAdminGroups: (signal) =>
      withConnection('reading global permissions from the Jira database failed', signal, async (connection, names) => {
        const sql = adminGroupQuery(connection.dialect, names);
        if (sql === null) return null;
        const rows = parseRows(adminRow, await connection.query(sql, []), target);
        const open = rows.find((row) => row.group_name === null);
        if (open !== undefined) {
          throw new ConnectorError(`${open.permission} is granted without a group (to anyone) in globalpermissionentry: every account would be an administrator`, { target });
        }
        return [...new Set(rows.flatMap((row) => (row.group_name === null ? [] : [row.group_name])))].sort(byName);
      }),

    readGroups: (signal) =>
      withConnection('reading groups from the Jira database failed', signal, async (connection, names) => {
        const sql = groupQuery(connection.dialect, names);
        if (sql === null) return null;
        return parseRows(groupRow, await connection.query(sql, []), target).map((row) => ({
          name: row.group_name,
          directory: row.directory_name,
          writable: row.directory_type?.toUpperCase() === 'INTERNAL' || readFlag(row.local_flag) === true,
        }));
      }),

    readMemberships: (signal) =>
      withConnection('reading group memberships from the Jira database failed', signal, async (connection, names) => {
        const sql = membershipQuery(connection.dialect, names);
        if (sql === null) return null;
        const seen = new Set<string>();
        const out: JiraMembershipRow[] = [];
        for await (const batch of connection.stream(sql, batchSize)) {
          signal?.throwIfAborted();
          for (const row of parseRows(membershipRow, batch, target)) {
            const kind = row.membership_type === 'GROUP_USER' ? 'user' : 'group';
            const key = `${kind}\u0000${row.parent_name}\u0000${row.child_name}\u0000${row.directory_name ?? ''}`;
            if (seen.has(key)) continue;
            seen.add(key);
            out.push({ kind, group: row.parent_name, member: row.child_name, directory: row.directory_name, userKey: kind === 'user' ? row.user_key : null });
          }
        }
        return out;
      }),

    async close() {
      await Promise.all([...open].map((connection) => release(connection, true)));
    },
  };
}

/**
 * One fact per name from its rows. The account Jira uses is the one in the first active directory by
 * directory_position (Jira resolves a name that way; an inactive directory's copy is used only when no active one has
 * it). lastLogin and previousLogin are the latest over all rows, createdAt too.
 */
export function foldLoginRows(rows: readonly LoginRow[]): JiraLoginFact[] {
  const facts: JiraLoginFact[] = [];
  let start = 0;
  while (start < rows.length) {
    let end = start;
    while (end < rows.length && rows[end]?.lower_user_name === rows[start]?.lower_user_name) end += 1;
    const group = rows.slice(start, end);
    const chosen = [...group].sort(byJiraOrder)[0];
    if (chosen !== undefined) {
      facts.push({
        userKey: chosen.user_key ?? group.find((r) => r.user_key !== null)?.user_key ?? null,
        username: chosen.user_name,
        lastLogin: latest(group.map((r) => fromEpochText(r.last_login))),
        previousLogin: latest(group.map((r) => fromEpochText(r.previous_login))),
        loginCount: countOf(chosen.login_count),
        createdAt: latest(group.map((r) => toDate(r.created_date))),
        directory: chosen.directory_name,
        active: readFlag(chosen.user_active),
        email: chosen.email_address,
        displayName: chosen.display_name,
      });
    }
    start = end;
  }
  return facts;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byJiraOrder(a: LoginRow, b: LoginRow): number {
  const inactive = (row: LoginRow): number => (readFlag(row.directory_active) === true ? 0 : 1);
  const position = (row: LoginRow): number => row.directory_position ?? Infinity;
  return inactive(a) - inactive(b) || position(a) - position(b) || (a.user_name < b.user_name ? -1 : a.user_name > b.user_name ? 1 : 0);
}

/** Epoch milliseconds stored as text; anything else (garbage, 0, negative) is no date. */
function fromEpochText(value: string | number | null): Date | null {
  if (value === null) return null;
  const digits = String(value).trim();
  if (!/^\d+$/.test(digits)) return null;
  const millis = Number(digits);
  return Number.isSafeInteger(millis) && millis > 0 ? new Date(millis) : null;
}

function countOf(value: string | number | null): number | null {
  if (value === null) return null;
  const digits = String(value).trim();
  return /^\d+$/.test(digits) && Number.isSafeInteger(Number(digits)) ? Number(digits) : null;
}

function toDate(value: Date | string | null): Date | null {
  if (value === null) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function latest(dates: readonly (Date | null)[]): Date | null {
  let best: Date | null = null;
  for (const date of dates) if (date !== null && (best === null || date.getTime() > best.getTime())) best = date;
  return best;
}

/** Looks Jira's tables up in information_schema once (PostgreSQL and MySQL keep a quoted or upper-case spelling). */
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
    const actual = spellings.includes(table) ? table : spellings[0];
    if (actual === undefined) {
      if (required) problems.push(`no table ${table}`);
      return;
    }
    const found = new Map(rows.filter((r) => r.table_name === actual).map((r) => [r.column_name.toLowerCase(), r.column_name]));
    const missing = columns.filter((c) => !found.has(c));
    if (missing.length > 0) {
      if (required) problems.push(`table ${actual} has no column ${missing.join(', ')}`);
      return;
    }
    names.set(table, { table: actual, columns: found });
  };
  for (const [table, columns] of Object.entries(REQUIRED)) lookUp(table, columns, true);
  for (const [table, columns] of Object.entries(OPTIONAL)) lookUp(table, columns, false);
  if (problems.length > 0) {
    throw new ConnectorError(`the database is not a Jira database this account can read: ${problems.join('; ')}`, { target, fixable: true });
  }
  return names;
}

function parseRows<T>(schema: z.ZodType<T>, rows: readonly unknown[], target: string): T[] {
  const parsed = z.array(schema).safeParse(rows);
  if (!parsed.success) throw new ConnectorError(`unexpected rows from the Jira database: ${z.prettifyError(parsed.error)}`, { target });
  return parsed.data;
}

const TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'PROTOCOL_CONNECTION_LOST', '57P01', '57P03']);

function databaseError(what: string, error: unknown, target: string): ConnectorError {
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : null;
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectorError(`${what}: ${redactSecrets(message)}${code === null ? '' : ` (${code})`}; check the database: URL and the account's rights`, {
    target,
    retryable: code !== null && TRANSIENT.has(code),
    fixable: true,
    cause: error,
  });
}
