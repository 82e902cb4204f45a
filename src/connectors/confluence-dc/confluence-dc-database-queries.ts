/**
 * The SQL of the read-only database source, as plain text built from the real spelling of Confluence's
 * tables and columns (looked up in information_schema by the source); only the source runs it.
 */

/** The servers the source speaks to. */
export type Dialect = 'postgres' | 'mysql';

/** Tables and columns the queries need, lower-case; their real spelling is looked up once. */
export const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  cwd_user: ['id', 'lower_user_name', 'created_date', 'directory_id', 'email_address'],
  user_mapping: ['user_key', 'username', 'lower_username'],
  logininfo: ['username', 'successdate'],
  cwd_user_attribute: ['user_id', 'attribute_name', 'attribute_value'],
  cwd_directory: ['id', 'directory_name', 'active', 'directory_type'],
  cwd_app_dir_mapping: ['id', 'directory_id', 'list_index'],
  cwd_group: ['id', 'group_name', 'directory_id', 'local'],
};

/**
 * Embedded Crowd's permission tables (present in Confluence's schema, but a DBA's reduced copy or view may
 * lack them): without them directories other than the internal one are read as read-only.
 */
export const OPTIONAL: Readonly<Record<string, readonly string[]>> = {
  cwd_directory_operation: ['directory_id', 'operation_type'],
  cwd_app_dir_operation: ['app_dir_mapping_id', 'operation_type'],
  cwd_directory_attribute: ['directory_id', 'attribute_name', 'attribute_value'],
  cwd_membership: ['parent_id', 'child_group_id', 'child_user_id'],
};

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
 * The KB join, ordered by lower-case username so each user's rows arrive together; each row carries its
 * directory and that directory's place in Confluence's order, so the fold can pick the one Confluence uses.
 */
export function loginQuery(dialect: Dialect, names: Names): string {
  const { t, c } = spelling(dialect, names);
  return `SELECT um.${c('user_mapping', 'lower_username')} AS lower_username,
      um.${c('user_mapping', 'username')} AS username,
      um.${c('user_mapping', 'user_key')} AS user_key,
      li.${c('logininfo', 'successdate')} AS success_date,
      ua.${c('cwd_user_attribute', 'attribute_value')} AS last_authenticated,
      cu.${c('cwd_user', 'created_date')} AS created_date,
      cu.${c('cwd_user', 'email_address')} AS email_address,
      cd.${c('cwd_directory', 'directory_name')} AS directory_name,
      cd.${c('cwd_directory', 'active')} AS directory_active,
      am.${c('cwd_app_dir_mapping', 'list_index')} AS list_index
    FROM ${t('user_mapping')} um
    JOIN ${t('cwd_user')} cu ON cu.${c('cwd_user', 'lower_user_name')} = um.${c('user_mapping', 'lower_username')}
    LEFT JOIN ${t('cwd_directory')} cd ON cd.${c('cwd_directory', 'id')} = cu.${c('cwd_user', 'directory_id')}
    LEFT JOIN ${t('cwd_app_dir_mapping')} am ON am.${c('cwd_app_dir_mapping', 'directory_id')} = cu.${c('cwd_user', 'directory_id')}
    LEFT JOIN ${t('logininfo')} li ON li.${c('logininfo', 'username')} = um.${c('user_mapping', 'user_key')}
    LEFT JOIN ${t('cwd_user_attribute')} ua ON ua.${c('cwd_user_attribute', 'user_id')} = cu.${c('cwd_user', 'id')}
      AND ua.${c('cwd_user_attribute', 'attribute_name')} = 'lastAuthenticated'
    ORDER BY um.${c('user_mapping', 'lower_username')}`;
}

/**
 * Direct memberships from cwd_membership (users and child groups of each group), with the user key and the username as
 * user_mapping spells it (the REST listing's spelling); null when the schema has no cwd_membership.
 */
export function membershipQuery(dialect: Dialect, names: Names): string | null {
  if (!names.has('cwd_membership')) return null;
  const { t, c } = spelling(dialect, names);
  return `SELECT g.${c('cwd_group', 'group_name')} AS group_name,
      um.${c('user_mapping', 'username')} AS username,
      um.${c('user_mapping', 'user_key')} AS user_key,
      cg.${c('cwd_group', 'group_name')} AS child_group
    FROM ${t('cwd_membership')} m
    JOIN ${t('cwd_group')} g ON g.${c('cwd_group', 'id')} = m.${c('cwd_membership', 'parent_id')}
    LEFT JOIN ${t('cwd_user')} cu ON cu.${c('cwd_user', 'id')} = m.${c('cwd_membership', 'child_user_id')}
    LEFT JOIN ${t('user_mapping')} um ON um.${c('user_mapping', 'lower_username')} = cu.${c('cwd_user', 'lower_user_name')}
    LEFT JOIN ${t('cwd_group')} cg ON cg.${c('cwd_group', 'id')} = m.${c('cwd_membership', 'child_group_id')}`;
}

/** The queries behind readDirectories; `null` for a table the schema does not have. */
export function directorySql(dialect: Dialect, names: Names): {
  directories: string;
  directoryOperations: string | null;
  mappingOperations: string | null;
  localGroupsAttributes: string | null;
  groupsOf: (directoryIds: readonly string[]) => string | null;
} {
  const { t, c } = spelling(dialect, names);
  const has = (table: string): boolean => names.has(table);
  return {
    directories: `SELECT d.${c('cwd_directory', 'id')} AS id, d.${c('cwd_directory', 'directory_name')} AS name,
        d.${c('cwd_directory', 'active')} AS active, d.${c('cwd_directory', 'directory_type')} AS type,
        am.${c('cwd_app_dir_mapping', 'id')} AS mapping_id, am.${c('cwd_app_dir_mapping', 'list_index')} AS list_index
      FROM ${t('cwd_directory')} d
      LEFT JOIN ${t('cwd_app_dir_mapping')} am ON am.${c('cwd_app_dir_mapping', 'directory_id')} = d.${c('cwd_directory', 'id')}`,
    directoryOperations: has('cwd_directory_operation')
      ? `SELECT ${c('cwd_directory_operation', 'directory_id')} AS directory_id, ${c('cwd_directory_operation', 'operation_type')} AS operation_type
        FROM ${t('cwd_directory_operation')}`
      : null,
    mappingOperations: has('cwd_app_dir_operation')
      ? `SELECT ${c('cwd_app_dir_operation', 'app_dir_mapping_id')} AS mapping_id, ${c('cwd_app_dir_operation', 'operation_type')} AS operation_type
        FROM ${t('cwd_app_dir_operation')}`
      : null,
    localGroupsAttributes: has('cwd_directory_attribute')
      ? `SELECT ${c('cwd_directory_attribute', 'directory_id')} AS directory_id, ${c('cwd_directory_attribute', 'attribute_value')} AS attribute_value
        FROM ${t('cwd_directory_attribute')} WHERE ${c('cwd_directory_attribute', 'attribute_name')} = 'ldap.local.groups'`
      : null,
    groupsOf: (directoryIds) => {
      // The ids came from the database as integers; anything else is not interpolated.
      const ids = directoryIds.filter((value) => /^-?\d+$/.test(value));
      if (ids.length === 0) return null;
      return `SELECT ${c('cwd_group', 'group_name')} AS group_name, ${c('cwd_group', 'directory_id')} AS directory_id,
          ${c('cwd_group', 'local')} AS is_local
        FROM ${t('cwd_group')} WHERE ${c('cwd_group', 'directory_id')} IN (${ids.join(', ')})`;
    },
  };
}
