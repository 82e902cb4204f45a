/**
 * The SQL of Jira's read-only database source, as plain text built from the real spelling of Jira's tables and
 * columns (looked up in information_schema by the source); only the source runs it.
 *
 * Where the names come from (public material found with the search tool; certainty per line):
 * - VERIFIED, Atlassian's "Database – User and Group tables" (developer.atlassian.com/server/jira/platform/
 *   database-user-and-group-tables): APP_USER (ID, USER_KEY, LOWER_USER_NAME "Links to CWD_USER.LOWER_USER_NAME");
 *   CWD_USER (ID, DIRECTORY_ID, USER_NAME, LOWER_USER_NAME, ACTIVE NUMBER(9,0), CREATED_DATE, DISPLAY_NAME,
 *   EMAIL_ADDRESS, …); CWD_MEMBERSHIP (PARENT_ID, CHILD_ID, MEMBERSHIP_TYPE "a Group-User membership or Group-Group
 *   membership", PARENT_NAME, LOWER_PARENT_NAME, CHILD_NAME, LOWER_CHILD_NAME); CWD_USER_ATTRIBUTES for user attributes.
 * - VERIFIED, Atlassian KB SQL: `app_user au ON au.user_key = … JOIN cwd_user cu ON cu.lower_user_name =
 *   au.lower_user_name`, `cu.active = 0` for a disabled account ("How to list inactive users by Project Role");
 *   `cwd_directory` with `directory_position`, `directory_name`, `active` ("How to list all Users and Groups in Jira").
 * - 3RD-PARTY, many public admin scripts: `cwd_user_attributes.attribute_name = 'login.lastLoginMillis'`, epoch
 *   milliseconds as text; `membership_type` values 'GROUP_USER' and 'GROUP_GROUP'; `cwd_membership.directory_id`.
 * - 3RD-PARTY, Jira's own upgrade task (UpgradeTask_Build602, in a public copy of Jira's source) lists the login
 *   attributes 'login.lastLoginMillis', 'login.previousLoginMillis', 'login.count', …; Atlassian's Javadoc of LoginInfo
 *   (getLastLoginTime, getPreviousLoginTime: "miliseconds UTC"; getLoginCount) VERIFIES what they hold.
 */

/** The servers the source speaks to. */
export type Dialect = 'postgres' | 'mysql';

/** Tables and columns the queries need, lower-case; their real spelling is looked up once. */
export const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  cwd_user: ['id', 'directory_id', 'user_name', 'lower_user_name', 'active', 'created_date', 'email_address', 'display_name'],
  app_user: ['user_key', 'lower_user_name'],
  cwd_user_attributes: ['user_id', 'attribute_name', 'attribute_value'],
  cwd_directory: ['id', 'directory_name', 'active', 'directory_position', 'directory_type'],
};

/** cwd_membership: without it (a DBA's reduced copy or view) memberships are read over REST instead. */
export const OPTIONAL: Readonly<Record<string, readonly string[]>> = {
  cwd_membership: ['parent_name', 'child_name', 'membership_type', 'directory_id'],
  /**
   * Global permissions granted to groups (`permission` 'ADMINISTER' / 'SYSTEM_ADMIN', `group_id` = the group's name;
   * 3RD-PARTY: public admin SQL "select group_id from globalpermissionentry where permission = 'ADMINISTER'").
   * Without it, admin groups are not readable from the database.
   */
  globalpermissionentry: ['permission', 'group_id'],
  /** Groups with their directory and `local` flag (a group made in Jira inside a read-only LDAP directory). */
  cwd_group: ['group_name', 'directory_id', 'local'],
};

/** The login attributes read from cwd_user_attributes. */
export const LOGIN_ATTRIBUTES = {
  last: 'login.lastLoginMillis',
  previous: 'login.previousLoginMillis',
  count: 'login.count',
} as const;

/** Real spelling of each table and column found, lower-case name → as stored; optional tables only when complete. */
export type Names = ReadonlyMap<string, { readonly table: string; readonly columns: ReadonlyMap<string, string> }>;

/** Quoting of identifiers as stored: `t(table)` and `c(table, column)` give the real, quoted spelling. */
function spelling(dialect: Dialect, names: Names): { t: (table: string) => string; c: (table: string, column: string) => string } {
  const quote = (identifier: string): string =>
    dialect === 'postgres' ? `"${identifier.replaceAll('"', '""')}"` : `\`${identifier.replaceAll('`', '``')}\``;
  return {
    t: (table) => quote(names.get(table)?.table ?? table),
    c: (table, column) => quote(names.get(table)?.columns.get(column) ?? column),
  };
}

/**
 * One row per account per directory, ordered by lower-case username so a user's rows arrive together, each with the
 * user key (app_user), the account's flags and the three login attributes; the fold picks the directory Jira uses.
 */
export function loginQuery(dialect: Dialect, names: Names): string {
  const { t, c } = spelling(dialect, names);
  const attribute = (alias: string, name: string): string =>
    `LEFT JOIN ${t('cwd_user_attributes')} ${alias} ON ${alias}.${c('cwd_user_attributes', 'user_id')} = cu.${c('cwd_user', 'id')}
      AND ${alias}.${c('cwd_user_attributes', 'attribute_name')} = '${name}'`;
  return `SELECT cu.${c('cwd_user', 'lower_user_name')} AS lower_user_name,
      cu.${c('cwd_user', 'user_name')} AS user_name,
      au.${c('app_user', 'user_key')} AS user_key,
      cu.${c('cwd_user', 'active')} AS user_active,
      cu.${c('cwd_user', 'created_date')} AS created_date,
      cu.${c('cwd_user', 'email_address')} AS email_address,
      cu.${c('cwd_user', 'display_name')} AS display_name,
      cd.${c('cwd_directory', 'directory_name')} AS directory_name,
      cd.${c('cwd_directory', 'active')} AS directory_active,
      cd.${c('cwd_directory', 'directory_position')} AS directory_position,
      ll.${c('cwd_user_attributes', 'attribute_value')} AS last_login,
      pl.${c('cwd_user_attributes', 'attribute_value')} AS previous_login,
      lc.${c('cwd_user_attributes', 'attribute_value')} AS login_count
    FROM ${t('cwd_user')} cu
    LEFT JOIN ${t('app_user')} au ON au.${c('app_user', 'lower_user_name')} = cu.${c('cwd_user', 'lower_user_name')}
    LEFT JOIN ${t('cwd_directory')} cd ON cd.${c('cwd_directory', 'id')} = cu.${c('cwd_user', 'directory_id')}
    ${attribute('ll', LOGIN_ATTRIBUTES.last)}
    ${attribute('pl', LOGIN_ATTRIBUTES.previous)}
    ${attribute('lc', LOGIN_ATTRIBUTES.count)}
    ORDER BY cu.${c('cwd_user', 'lower_user_name')}`;
}

/** Directories with their place in Jira's order (directory_position) and active flag. */
export function directoryQuery(dialect: Dialect, names: Names): string {
  const { t, c } = spelling(dialect, names);
  return `SELECT ${c('cwd_directory', 'id')} AS id, ${c('cwd_directory', 'directory_name')} AS name,
      ${c('cwd_directory', 'active')} AS active, ${c('cwd_directory', 'directory_position')} AS position,
      ${c('cwd_directory', 'directory_type')} AS type
    FROM ${t('cwd_directory')} ORDER BY ${c('cwd_directory', 'directory_position')}`;
}

/**
 * Direct memberships from cwd_membership by name (GROUP_USER: a user in a group; GROUP_GROUP: a nested group), with
 * the directory each belongs to and, for a user, the user key app_user holds for the name; null when the schema has no complete cwd_membership.
 */
export function membershipQuery(dialect: Dialect, names: Names): string | null {
  if (!names.has('cwd_membership')) return null;
  const { t, c } = spelling(dialect, names);
  return `SELECT m.${c('cwd_membership', 'parent_name')} AS parent_name, m.${c('cwd_membership', 'child_name')} AS child_name,
      m.${c('cwd_membership', 'membership_type')} AS membership_type, d.${c('cwd_directory', 'directory_name')} AS directory_name,
      au.${c('app_user', 'user_key')} AS user_key
    FROM ${t('cwd_membership')} m
    LEFT JOIN ${t('cwd_directory')} d ON d.${c('cwd_directory', 'id')} = m.${c('cwd_membership', 'directory_id')}
    LEFT JOIN ${t('app_user')} au ON m.${c('cwd_membership', 'membership_type')} = 'GROUP_USER'
      AND au.${c('app_user', 'lower_user_name')} = lower(m.${c('cwd_membership', 'child_name')})
    WHERE m.${c('cwd_membership', 'membership_type')} IN ('GROUP_USER', 'GROUP_GROUP')`;
}

/** The global permissions that make an administrator. */
export const ADMIN_PERMISSIONS = ['ADMINISTER', 'SYSTEM_ADMIN'] as const;

/** Groups granted ADMINISTER or SYSTEM_ADMIN; null when the schema has no complete globalpermissionentry. */
export function adminGroupQuery(dialect: Dialect, names: Names): string | null {
  if (!names.has('globalpermissionentry')) return null;
  const { t, c } = spelling(dialect, names);
  return `SELECT ${c('globalpermissionentry', 'permission')} AS permission, ${c('globalpermissionentry', 'group_id')} AS group_name
    FROM ${t('globalpermissionentry')}
    WHERE ${c('globalpermissionentry', 'permission')} IN (${ADMIN_PERMISSIONS.map((p) => `'${p}'`).join(', ')})`;
}

/** Groups with their directory's type and their `local` flag; null without a complete cwd_group. */
export function groupQuery(dialect: Dialect, names: Names): string | null {
  if (!names.has('cwd_group')) return null;
  const { t, c } = spelling(dialect, names);
  return `SELECT g.${c('cwd_group', 'group_name')} AS group_name, g.${c('cwd_group', 'local')} AS local_flag,
      d.${c('cwd_directory', 'directory_type')} AS directory_type, d.${c('cwd_directory', 'directory_name')} AS directory_name
    FROM ${t('cwd_group')} g
    LEFT JOIN ${t('cwd_directory')} d ON d.${c('cwd_directory', 'id')} = g.${c('cwd_group', 'directory_id')}`;
}

/** The direct groups of one lower-case username (GROUP_USER rows), the name bound as the one parameter. */
export function userMembershipQuery(dialect: Dialect, names: Names): string | null {
  if (!names.has('cwd_membership')) return null;
  const { t, c } = spelling(dialect, names);
  const parameter = dialect === 'postgres' ? '$1' : '?';
  return `SELECT DISTINCT m.${c('cwd_membership', 'parent_name')} AS parent_name
    FROM ${t('cwd_membership')} m
    WHERE m.${c('cwd_membership', 'membership_type')} = 'GROUP_USER' AND lower(m.${c('cwd_membership', 'child_name')}) = ${parameter}`;
}

/** The direct user members of one lower-case group name with their user keys, the name bound as the one parameter. */
export function groupMemberQuery(dialect: Dialect, names: Names): string | null {
  if (!names.has('cwd_membership')) return null;
  const { t, c } = spelling(dialect, names);
  const parameter = dialect === 'postgres' ? '$1' : '?';
  return `SELECT DISTINCT m.${c('cwd_membership', 'child_name')} AS child_name, au.${c('app_user', 'user_key')} AS user_key
    FROM ${t('cwd_membership')} m
    LEFT JOIN ${t('app_user')} au ON au.${c('app_user', 'lower_user_name')} = lower(m.${c('cwd_membership', 'child_name')})
    WHERE m.${c('cwd_membership', 'membership_type')} = 'GROUP_USER' AND lower(m.${c('cwd_membership', 'parent_name')}) = ${parameter}`;
}
