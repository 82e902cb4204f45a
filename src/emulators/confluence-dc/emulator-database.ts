/**
 * Mirrors an emulated instance into a real PostgreSQL or MariaDB/MySQL database with Confluence's own
 * table and column names (cwd_application, cwd_directory with its attributes and allowed operations,
 * cwd_app_dir_mapping and its operations, cwd_user, user_mapping, logininfo, cwd_user_attribute,
 * cwd_group, cwd_membership, SPACEPERMISSIONS), so the connector's read-only database source and the
 * Atlassian KB queries run against the same facts the REST emulator serves. Column names follow public
 * pg_dumps of Confluence databases. Timestamps are written as UTC wall-clock values.
 */

import pg from 'pg';
import { createConnection, type Connection } from 'mysql2/promise';
import { EmulatorState } from './emulator-state.ts';
import type { OrgSeed, PermissionKey } from './org-generator.ts';

/** Row counts of what was written. */
export interface ConfluenceDatabaseSummary {
  readonly dialect: 'postgres' | 'mysql';
  readonly users: number;
  readonly loginRows: number;
  readonly groups: number;
  readonly memberships: number;
}

/** SPACEPERMISSIONS.PERMTYPE for each global permission (global = SPACEID null). */
const PERMTYPE: Readonly<Record<PermissionKey, string>> = {
  'application/use': 'USECONFLUENCE',
  'application/administer': 'ADMINISTRATECONFLUENCE',
  'system/administer': 'SYSTEMADMINISTRATOR',
  'personal_space/create': 'PERSONALSPACE',
  'space/create': 'CREATESPACE',
};

/** Embedded Crowd's OperationType, in its declaration order. */
const ALL_OPERATIONS = [
  'CREATE_USER', 'CREATE_GROUP', 'CREATE_ROLE', 'UPDATE_USER', 'UPDATE_GROUP', 'UPDATE_ROLE',
  'UPDATE_USER_ATTRIBUTE', 'UPDATE_GROUP_ATTRIBUTE', 'UPDATE_ROLE_ATTRIBUTE', 'DELETE_USER', 'DELETE_GROUP', 'DELETE_ROLE',
] as const;

/** Allowed operations of the LDAP permission option "Read Only, with Local Groups" (Crowd's PermissionOption). */
const READ_ONLY_LOCAL_GROUPS = ['UPDATE_USER_ATTRIBUTE', 'UPDATE_GROUP_ATTRIBUTE', 'CREATE_GROUP', 'UPDATE_GROUP', 'DELETE_GROUP'] as const;

/** cwd_application.id of Confluence's one embedded-Crowd application. */
const APPLICATION_ID = 1;

/** MySQL/MariaDB: values per multi-row INSERT, well under the default max_allowed_packet. */
const MAX_VALUES_PER_STATEMENT = 30_000;

/** A connection that can run DDL and bulk inserts; shared with the Jira emulator's mirror. */
export interface SqlTarget {
  readonly dialect: 'postgres' | 'mysql';
  exec(sql: string): Promise<void>;
  insert(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Creates Confluence's tables in the schema (PostgreSQL: `?options=-c search_path=<schema>` in the URL)
 * or database (MySQL/MariaDB: the URL's path) given by `url`, creating that schema or database when it is
 * missing, and bulk-inserts the instance. The tables must not exist yet. Users who never logged in get
 * no logininfo row and no lastAuthenticated attribute, as in Confluence.
 */
export async function writeConfluenceDatabase(url: string, source: OrgSeed | EmulatorState): Promise<ConfluenceDatabaseSummary> {
  const state = source instanceof EmulatorState ? source : new EmulatorState(source);
  const target = url.startsWith('postgres://') || url.startsWith('postgresql://') ? await openPostgres(url)
    : url.startsWith('mysql://') || url.startsWith('mariadb://') ? await openMysql(url)
      : null;
  if (target === null) throw new RangeError('writeConfluenceDatabase needs a postgres:// or mysql:// URL');
  try {
    const { tables, indexes } = ddl(target.dialect);
    // MySQL commits implicitly on DDL, so the transaction starts after the tables exist;
    // indexes come last because building them once is cheaper than maintaining them per row.
    for (const statement of tables) await target.exec(statement);
    await target.exec('BEGIN');
    const summary = await insertAll(target, state);
    await target.exec('COMMIT');
    for (const statement of indexes) await target.exec(statement);
    return summary;
  } catch (error) {
    await target.exec('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await target.close();
  }
}

async function insertAll(target: SqlTarget, state: EmulatorState): Promise<ConfluenceDatabaseSummary> {
  const epoch = '2015-01-01 00:00:00.000';
  const directories = state.directories;
  const directoryId = new Map(directories.map((directory) => [directory.name, directory.id]));
  await target.insert('cwd_application',
    ['id', 'application_name', 'lower_application_name', 'created_date', 'updated_date', 'active', 'description', 'application_type', 'credential'],
    [[APPLICATION_ID, 'crowd-embedded', 'crowd-embedded', epoch, epoch, 'T', null, 'CROWD', 'X']]);
  await target.insert('cwd_directory',
    ['id', 'directory_name', 'lower_directory_name', 'created_date', 'updated_date', 'active', 'description', 'impl_class', 'lower_impl_class', 'directory_type'],
    directories.map((directory) => {
      const implClass = directory.type === 'INTERNAL'
        ? 'com.atlassian.crowd.directory.InternalDirectory' : 'com.atlassian.crowd.directory.OpenLDAP';
      return [directory.id, directory.name, directory.name.toLowerCase(), epoch, epoch, flag(directory.active),
        directory.type === 'INTERNAL' ? 'Internal' : directory.writable ? 'Read/Write' : 'Read only, with local groups', implClass, implClass.toLowerCase(), directory.type];
    }));
  // A read-only directory is LDAP "Read Only, with Local Groups"; a writable one may do everything.
  const operations = directories.flatMap((directory) =>
    (directory.writable ? ALL_OPERATIONS : READ_ONLY_LOCAL_GROUPS).map((operation) => [directory.id, operation]));
  await target.insert('cwd_directory_operation', ['directory_id', 'operation_type'], operations);
  await target.insert('cwd_directory_attribute', ['directory_id', 'attribute_name', 'attribute_value'],
    directories.flatMap((directory) => directory.type === 'INTERNAL'
      ? [[directory.id, 'user_encryption_method', 'atlassian-security']]
      : [[directory.id, 'ldap.url', 'ldap://ldap.corp.example.com:389'], [directory.id, 'ldap.basedn', 'dc=corp,dc=example,dc=com'],
        [directory.id, 'ldap.local.groups', String(!directory.writable)]]));
  await target.insert('cwd_app_dir_mapping', ['id', 'application_id', 'directory_id', 'allow_all', 'list_index'],
    directories.map((directory, index) => [index + 1, APPLICATION_ID, directory.id, 'T', directory.order]));
  // The application itself may do everything in every directory; the directory's own operations are the limit.
  await target.insert('cwd_app_dir_operation', ['app_dir_mapping_id', 'operation_type'],
    directories.flatMap((_, index) => ALL_OPERATIONS.map((operation) => [index + 1, operation])));

  const users = state.allUsers();
  await target.insert('cwd_user',
    ['id', 'user_name', 'lower_user_name', 'active', 'created_date', 'updated_date', 'first_name', 'lower_first_name', 'last_name',
      'lower_last_name', 'display_name', 'lower_display_name', 'email_address', 'lower_email_address', 'directory_id', 'credential'],
    users.map((user) => {
      const [first = '', ...rest] = user.displayName.split(' ');
      const last = rest.join(' ');
      return [user.id, user.username, user.username.toLowerCase(), flag(user.active), sqlTime(user.createdAt), sqlTime(user.createdAt),
        first, first.toLowerCase(), last, last.toLowerCase(), user.displayName, user.displayName.toLowerCase(), user.email,
        user.email.toLowerCase(), directoryId.get(user.directory) ?? null, null];
    }));
  await target.insert('user_mapping', ['user_key', 'username', 'lower_username'],
    users.map((user) => [user.userKey, user.username, user.username.toLowerCase()]));

  const loggedIn = users.filter((user) => user.lastLogin !== null);
  await target.insert('logininfo', ['id', 'username', 'successdate', 'prevsuccessdate', 'faileddate', 'curfailed', 'totalfailed'],
    loggedIn.map((user, index) => [index + 1, user.userKey, sqlTime(user.lastLogin), null, null, 0, 0]));
  await target.insert('cwd_user_attribute', ['id', 'user_id', 'directory_id', 'attribute_name', 'attribute_value', 'attribute_lower_value'],
    loggedIn.map((user, index) => {
      const millis = String(user.lastLogin?.getTime() ?? 0);
      return [index + 1, user.id, directoryId.get(user.directory) ?? null, 'lastAuthenticated', millis, millis];
    }));

  const groups = state.allGroups();
  await target.insert('cwd_group',
    ['id', 'group_name', 'lower_group_name', 'active', quote(target.dialect, 'local'), 'created_date', 'updated_date', 'description', 'group_type', 'directory_id'],
    groups.map((group) => [group.id, group.name, group.name.toLowerCase(), 'T', flag(group.local), epoch, epoch, null, 'GROUP',
      directoryId.get(group.directory) ?? null]));

  const memberships: unknown[][] = [];
  for (const group of groups) {
    for (const user of state.membersOf(group.name)) memberships.push([memberships.length + 1, group.id, null, user.id]);
    for (const child of state.childGroupsOf(group.name)) memberships.push([memberships.length + 1, group.id, child.id, null]);
  }
  await target.insert('cwd_membership', ['id', 'parent_id', 'child_group_id', 'child_user_id'], memberships);

  await target.insert('SPACEPERMISSIONS', ['PERMID', 'SPACEID', 'PERMTYPE', 'PERMGROUPNAME', 'PERMUSERNAME', 'CREATIONDATE'],
    state.permissions().map((entry, index) => [index + 1, null, PERMTYPE[entry.permission],
      entry.subject === 'group' ? entry.group.name : null, entry.subject === 'user' ? entry.user.userKey : null, epoch]));

  return {
    dialect: target.dialect,
    users: users.length,
    loginRows: loggedIn.length,
    groups: groups.length,
    memberships: memberships.filter((row) => row[3] !== null).length,
  };
}

/** Confluence's DDL, reduced to the columns that matter here; types follow each server's Confluence schema. */
function ddl(dialect: SqlTarget['dialect']): { tables: string[]; indexes: string[] } {
  const time = dialect === 'postgres' ? 'TIMESTAMP' : 'DATETIME(3)';
  const local = quote(dialect, 'local');
  const tables = [
    `CREATE TABLE cwd_application (id BIGINT PRIMARY KEY, application_name VARCHAR(255) NOT NULL,
      lower_application_name VARCHAR(255) NOT NULL, created_date ${time} NOT NULL, updated_date ${time} NOT NULL,
      active CHAR(1) NOT NULL, description VARCHAR(255), application_type VARCHAR(32) NOT NULL, credential VARCHAR(255) NOT NULL)`,
    `CREATE TABLE cwd_directory (id BIGINT PRIMARY KEY, directory_name VARCHAR(255) NOT NULL, lower_directory_name VARCHAR(255) NOT NULL,
      created_date ${time} NOT NULL, updated_date ${time} NOT NULL, active CHAR(1) NOT NULL, description VARCHAR(255),
      impl_class VARCHAR(255) NOT NULL, lower_impl_class VARCHAR(255) NOT NULL, directory_type VARCHAR(32) NOT NULL)`,
    `CREATE TABLE cwd_directory_attribute (directory_id BIGINT NOT NULL, attribute_value VARCHAR(4000),
      attribute_name VARCHAR(255) NOT NULL, PRIMARY KEY (directory_id, attribute_name))`,
    `CREATE TABLE cwd_directory_operation (directory_id BIGINT NOT NULL, operation_type VARCHAR(32) NOT NULL,
      PRIMARY KEY (directory_id, operation_type))`,
    `CREATE TABLE cwd_app_dir_mapping (id BIGINT PRIMARY KEY, application_id BIGINT, directory_id BIGINT NOT NULL,
      allow_all CHAR(1) NOT NULL, list_index INTEGER)`,
    `CREATE TABLE cwd_app_dir_operation (app_dir_mapping_id BIGINT NOT NULL, operation_type VARCHAR(32) NOT NULL,
      PRIMARY KEY (app_dir_mapping_id, operation_type))`,
    `CREATE TABLE cwd_user (id BIGINT PRIMARY KEY, user_name VARCHAR(255) NOT NULL, lower_user_name VARCHAR(255) NOT NULL,
      active CHAR(1) NOT NULL, created_date ${time} NOT NULL, updated_date ${time} NOT NULL, first_name VARCHAR(255),
      lower_first_name VARCHAR(255), last_name VARCHAR(255), lower_last_name VARCHAR(255), display_name VARCHAR(255),
      lower_display_name VARCHAR(255), email_address VARCHAR(255), lower_email_address VARCHAR(255), directory_id BIGINT NOT NULL,
      credential VARCHAR(255), UNIQUE (lower_user_name, directory_id))`,
    'CREATE TABLE user_mapping (user_key VARCHAR(255) PRIMARY KEY, username VARCHAR(255), lower_username VARCHAR(255))',
    `CREATE TABLE logininfo (id BIGINT PRIMARY KEY, username VARCHAR(255) NOT NULL, successdate ${time}, prevsuccessdate ${time},
      faileddate ${time}, curfailed INTEGER, totalfailed INTEGER)`,
    `CREATE TABLE cwd_user_attribute (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL, directory_id BIGINT NOT NULL,
      attribute_name VARCHAR(255) NOT NULL, attribute_value VARCHAR(255), attribute_lower_value VARCHAR(255))`,
    `CREATE TABLE cwd_group (id BIGINT PRIMARY KEY, group_name VARCHAR(255) NOT NULL, lower_group_name VARCHAR(255) NOT NULL,
      active CHAR(1) NOT NULL, ${local} CHAR(1) NOT NULL, created_date ${time} NOT NULL, updated_date ${time} NOT NULL,
      description VARCHAR(255), group_type VARCHAR(32) NOT NULL, directory_id BIGINT NOT NULL)`,
    `CREATE TABLE cwd_membership (id BIGINT PRIMARY KEY, parent_id BIGINT, child_group_id BIGINT, child_user_id BIGINT)`,
    `CREATE TABLE SPACEPERMISSIONS (PERMID BIGINT PRIMARY KEY, SPACEID BIGINT, PERMTYPE VARCHAR(255), PERMGROUPNAME VARCHAR(255),
      PERMUSERNAME VARCHAR(255), CREATIONDATE ${time})`,
  ];
  const indexes = [
    'CREATE INDEX c_user_lower_name ON cwd_user (lower_user_name)',
    'CREATE INDEX login_username ON logininfo (username)',
    'CREATE INDEX c_attr_user ON cwd_user_attribute (user_id, attribute_name)',
    'CREATE INDEX c_mem_parent ON cwd_membership (parent_id)',
    'CREATE INDEX c_mem_user ON cwd_membership (child_user_id)',
  ];
  return { tables, indexes };
}

/** `local` is reserved in MySQL; Confluence's column carries that name all the same. */
function quote(dialect: SqlTarget['dialect'], identifier: string): string {
  return dialect === 'mysql' ? `\`${identifier}\`` : `"${identifier}"`;
}

function flag(value: boolean): 'T' | 'F' {
  return value ? 'T' : 'F';
}

/** `2026-01-15 12:00:00.000`: UTC wall clock, accepted by both servers for TIMESTAMP / DATETIME. */
function sqlTime(at: Date | null): string | null {
  return at === null ? null : at.toISOString().replace('T', ' ').replace('Z', '');
}

function batches<T>(rows: readonly T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_VALUES_PER_STATEMENT / columns));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** Opens PostgreSQL at `url`, creating and selecting the schema its `search_path` option names. */
export async function openPostgres(url: string): Promise<SqlTarget> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const schema = /search_path\s*=\s*([A-Za-z0-9_]+)/.exec(new URL(url).searchParams.get('options') ?? '')?.[1];
  if (schema !== undefined) {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(`SET search_path TO "${schema}"`);
  }
  return {
    dialect: 'postgres',
    exec: async (sql) => {
      await client.query(sql);
    },
    insert: async (table, columns, rows) => {
      // One array parameter per column (unnest) instead of one parameter per value: PostgreSQL parses
      // and plans one small statement per batch, which is several times faster for 100k-row tables.
      const types = await client.query<{ column_name: string; udt_name: string }>(
        'SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
        [table.toLowerCase()],
      );
      const typeOf = new Map(types.rows.map((row) => [row.column_name, row.udt_name]));
      const casts = columns.map((column, index) => `$${index + 1}::${typeOf.get(column.replace(/"/g, '').toLowerCase()) ?? 'text'}[]`);
      for (let offset = 0; offset < rows.length; offset += 20_000) {
        const batch = rows.slice(offset, offset + 20_000);
        const arrays = columns.map((_, index) => batch.map((row) => row[index] ?? null));
        await client.query(`INSERT INTO ${table} (${columns.join(',')}) SELECT * FROM unnest(${casts.join(',')})`, arrays);
      }
    },
    close: () => client.end(),
  };
}

/** Opens MySQL/MariaDB at `url`, creating and selecting the database its path names. */
export async function openMysql(url: string): Promise<SqlTarget> {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(database)) throw new RangeError(`mysql URL needs a database name of letters, digits and _: ${url}`);
  const connection: Connection = await createConnection({
    host: parsed.hostname,
    port: parsed.port === '' ? 3306 : Number(parsed.port),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  });
  await connection.query(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
  await connection.query(`USE \`${database}\``);
  return {
    dialect: 'mysql',
    exec: async (sql) => {
      await connection.query(sql);
    },
    insert: async (table, columns, rows) => {
      // mysql2 expands `VALUES ?` with nested arrays into one multi-row insert.
      for (const batch of batches(rows, columns.length)) await connection.query(`INSERT INTO ${table} (${columns.join(',')}) VALUES ?`, [batch]);
    },
    close: () => connection.end(),
  };
}
