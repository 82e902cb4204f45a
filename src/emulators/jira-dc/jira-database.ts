/**
 * Mirrors an emulated Jira instance into a real PostgreSQL or MariaDB/MySQL database with Jira's own table
 * and column names, so the connector's read-only database source and the queries admins run (Atlassian KB
 * and public scripts) see the facts the REST emulator serves. Tables and columns, as public SQL against
 * Jira databases uses them (3RD-PARTY, several independent scripts found through code search; Atlassian KB
 * "How to list inactive users by Project Role in Jira Data Center" for app_user and `cwd_user.active = 0`):
 * - cwd_directory (id, directory_name, lower_directory_name, active 1/0, directory_type, directory_position, …),
 * - cwd_user (id, directory_id, user_name, lower_user_name, active 1/0, display_name, email_address, …),
 * - cwd_user_attributes (user_id, directory_id, attribute_name, attribute_value, lower_attribute_value) with
 *   `login.lastLoginMillis` in epoch milliseconds as text (reference §5 [S52]; Jira's UpgradeTask_Build602
 *   names its siblings login.previousLoginMillis, login.count, … — not written, their values are not modelled),
 * - cwd_group, cwd_membership (parent_id, child_id, membership_type GROUP_USER / GROUP_GROUP, parent_name,
 *   lower_parent_name, child_name, lower_child_name, directory_id) — direct memberships only, as Crowd stores them,
 * - app_user (id, user_key, lower_user_name): the stable key behind every rename,
 * - licenserolesgroup (license_role_name, group_id = group name, primary_group 'Y'/'N'): application access,
 * - globalpermissionentry (permission, group_id): ADMINISTER / SYSTEM_ADMIN.
 * Users who never logged in have no login attribute. Timestamps are written as UTC wall-clock values.
 */

import { openMysql, openPostgres, type SqlTarget } from '../confluence-dc/emulator-database.ts';
import type { JiraOrgSeed } from './jira-org-generator.ts';
import { JiraState } from './jira-state.ts';

/** Row counts of what was written. */
export interface JiraDatabaseSummary {
  readonly dialect: 'postgres' | 'mysql';
  readonly users: number;
  readonly loginAttributes: number;
  readonly groups: number;
  readonly userMemberships: number;
  readonly groupMemberships: number;
}

/**
 * Creates Jira's tables in the schema (PostgreSQL: `?options=-c search_path=<schema>`) or database
 * (MySQL/MariaDB: the URL's path) given by `url` and bulk-inserts the instance. The tables must not exist.
 */
export async function writeJiraDatabase(url: string, source: JiraOrgSeed | JiraState): Promise<JiraDatabaseSummary> {
  const state = source instanceof JiraState ? source : new JiraState(source);
  const target = url.startsWith('postgres://') || url.startsWith('postgresql://') ? await openPostgres(url)
    : url.startsWith('mysql://') || url.startsWith('mariadb://') ? await openMysql(url) : null;
  if (target === null) throw new RangeError('writeJiraDatabase needs a postgres:// or mysql:// URL');
  try {
    // MySQL commits implicitly on DDL, so the transaction starts once the tables exist; indexes come last.
    for (const statement of tables(target.dialect)) await target.exec(statement);
    await target.exec('BEGIN');
    const summary = await insertAll(target, state);
    await target.exec('COMMIT');
    for (const statement of INDEXES) await target.exec(statement);
    return summary;
  } catch (error) {
    await target.exec('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await target.close();
  }
}

async function insertAll(target: SqlTarget, state: JiraState): Promise<JiraDatabaseSummary> {
  const epoch = '2015-01-01 00:00:00.000';
  const directoryId = new Map(state.directoryList.map((d) => [d.name, d.id]));
  await target.insert('cwd_directory',
    ['id', 'directory_name', 'lower_directory_name', 'created_date', 'updated_date', 'active', 'description', 'impl_class', 'lower_impl_class',
      'directory_type', 'directory_position'],
    state.directoryList.map((d) => {
      const implClass = d.type === 'INTERNAL' ? 'com.atlassian.crowd.directory.InternalDirectory' : 'com.atlassian.crowd.directory.OpenLDAP';
      return [d.id, d.name, d.name.toLowerCase(), epoch, epoch, d.active ? 1 : 0, null, implClass, implClass.toLowerCase(), d.type, d.order];
    }));

  const users = state.streamUsers();
  await target.insert('cwd_user',
    ['id', 'directory_id', 'user_name', 'lower_user_name', 'active', 'created_date', 'updated_date', 'first_name', 'lower_first_name',
      'last_name', 'lower_last_name', 'display_name', 'lower_display_name', 'email_address', 'lower_email_address', 'credential', 'external_id'],
    users.map((u) => {
      const [first = '', ...rest] = u.displayName.split(' ');
      const last = rest.join(' ');
      return [u.id, directoryId.get(u.directory) ?? null, u.username, u.lower, u.active ? 1 : 0, sqlTime(u.createdAt), sqlTime(u.createdAt),
        first, first.toLowerCase(), last, last.toLowerCase(), u.displayName, u.displayName.toLowerCase(), u.email, u.email.toLowerCase(), 'X', null];
    }));
  await target.insert('app_user', ['id', 'user_key', 'lower_user_name'], users.map((u) => [u.appUserId, u.key, u.lower]));
  const loggedIn = users.filter((u) => u.lastLogin !== null);
  await target.insert('cwd_user_attributes', ['id', 'user_id', 'directory_id', 'attribute_name', 'attribute_value', 'lower_attribute_value'],
    loggedIn.map((u, index) => {
      const millis = String(u.lastLogin?.getTime() ?? 0);
      return [index + 1, u.id, directoryId.get(u.directory) ?? null, 'login.lastLoginMillis', millis, millis];
    }));

  const groups = state.allGroups();
  await target.insert('cwd_group',
    ['id', 'group_name', 'lower_group_name', 'active', quote(target.dialect, 'local'), 'created_date', 'updated_date', 'description',
      'lower_description', 'group_type', 'directory_id'],
    groups.map((g) => [g.id, g.name, g.name.toLowerCase(), 1, g.local ? 1 : 0, epoch, epoch, null, null, 'GROUP', directoryId.get(g.directory) ?? null]));
  const memberships: unknown[][] = [];
  let userMemberships = 0;
  for (const group of groups) {
    const directory = directoryId.get(group.directory) ?? null;
    for (const user of state.membersOf(group.name)) {
      userMemberships += 1;
      memberships.push([memberships.length + 1, group.id, user.id, 'GROUP_USER', 'GROUP', group.name, group.name.toLowerCase(), user.username, user.lower, directory]);
    }
    for (const child of state.childGroupsOf(group.name)) {
      memberships.push([memberships.length + 1, group.id, child.id, 'GROUP_GROUP', 'GROUP', group.name, group.name.toLowerCase(), child.name,
        child.name.toLowerCase(), directory]);
    }
  }
  await target.insert('cwd_membership',
    ['id', 'parent_id', 'child_id', 'membership_type', 'group_type', 'parent_name', 'lower_parent_name', 'child_name', 'lower_child_name', 'directory_id'],
    memberships);

  const roleRows = state.applicationRoles().flatMap((role) =>
    role.groups.map((group) => [role.key, group, role.defaultGroups.includes(group) ? 'Y' : 'N']));
  await target.insert('licenserolesgroup', ['id', 'license_role_name', 'group_id', 'primary_group'], roleRows.map((row, index) => [10_000 + index, ...row]));
  const permissionRows = (['ADMINISTER', 'SYSTEM_ADMIN'] as const).flatMap((permission) =>
    groups.filter((g) => state.permissionGrants(permission).includes(g.name.toLowerCase())).map((g) => [permission, g.name]));
  await target.insert('globalpermissionentry', ['id', 'permission', 'group_id'], permissionRows.map((row, index) => [10_000 + index, ...row]));
  return { dialect: target.dialect, users: users.length, loginAttributes: loggedIn.length, groups: groups.length, userMemberships,
    groupMemberships: memberships.length - userMemberships };
}

function tables(dialect: SqlTarget['dialect']): string[] {
  const time = dialect === 'postgres' ? 'TIMESTAMP' : 'DATETIME(3)';
  return [
    `CREATE TABLE cwd_directory (id BIGINT PRIMARY KEY, directory_name VARCHAR(255), lower_directory_name VARCHAR(255), created_date ${time},
      updated_date ${time}, active INTEGER, description VARCHAR(255), impl_class VARCHAR(255), lower_impl_class VARCHAR(255),
      directory_type VARCHAR(60), directory_position BIGINT)`,
    `CREATE TABLE cwd_user (id BIGINT PRIMARY KEY, directory_id BIGINT, user_name VARCHAR(255), lower_user_name VARCHAR(255), active INTEGER,
      created_date ${time}, updated_date ${time}, first_name VARCHAR(255), lower_first_name VARCHAR(255), last_name VARCHAR(255),
      lower_last_name VARCHAR(255), display_name VARCHAR(255), lower_display_name VARCHAR(255), email_address VARCHAR(255),
      lower_email_address VARCHAR(255), credential VARCHAR(255), external_id VARCHAR(255), UNIQUE (lower_user_name, directory_id))`,
    'CREATE TABLE app_user (id BIGINT PRIMARY KEY, user_key VARCHAR(255) UNIQUE, lower_user_name VARCHAR(255))',
    `CREATE TABLE cwd_user_attributes (id BIGINT PRIMARY KEY, user_id BIGINT, directory_id BIGINT, attribute_name VARCHAR(255),
      attribute_value VARCHAR(255), lower_attribute_value VARCHAR(255))`,
    `CREATE TABLE cwd_group (id BIGINT PRIMARY KEY, group_name VARCHAR(255), lower_group_name VARCHAR(255), active INTEGER,
      ${quote(dialect, 'local')} INTEGER, created_date ${time}, updated_date ${time}, description VARCHAR(255), lower_description VARCHAR(255),
      group_type VARCHAR(60), directory_id BIGINT)`,
    `CREATE TABLE cwd_membership (id BIGINT PRIMARY KEY, parent_id BIGINT, child_id BIGINT, membership_type VARCHAR(60), group_type VARCHAR(60),
      parent_name VARCHAR(255), lower_parent_name VARCHAR(255), child_name VARCHAR(255), lower_child_name VARCHAR(255), directory_id BIGINT)`,
    'CREATE TABLE licenserolesgroup (id BIGINT PRIMARY KEY, license_role_name VARCHAR(255), group_id VARCHAR(255), primary_group CHAR(1))',
    'CREATE TABLE globalpermissionentry (id BIGINT PRIMARY KEY, permission VARCHAR(255), group_id VARCHAR(255))',
  ];
}

const INDEXES = [
  'CREATE INDEX idx_user_name ON cwd_user (lower_user_name)',
  'CREATE INDEX idx_user_attr ON cwd_user_attributes (user_id, attribute_name)',
  'CREATE INDEX idx_mem_parent ON cwd_membership (parent_id)',
  'CREATE INDEX idx_mem_child ON cwd_membership (child_id)',
];

/** `local` is reserved in MySQL; Jira's column carries that name all the same. */
function quote(dialect: SqlTarget['dialect'], identifier: string): string {
  return dialect === 'mysql' ? `\`${identifier}\`` : `"${identifier}"`;
}

function sqlTime(at: Date): string {
  return at.toISOString().replace('T', ' ').replace('Z', '');
}
