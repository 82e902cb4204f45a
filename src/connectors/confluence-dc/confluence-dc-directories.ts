/**
 * What Confluence's embedded Crowd tables say about user directories, as pure data → DirectoryFacts.
 *
 * Crowd decides every write by "allowed operations": a directory's own (cwd_directory_operation) and,
 * on top, those of its mapping to the application (cwd_app_dir_operation); a write needs both
 * (PermissionManagerImpl.hasPermission(application, directory, operation)). The LDAP permission option of
 * the directory screen is stored as such a set (com.atlassian.crowd.embedded.api.PermissionOption):
 *   Read Only                     → UPDATE_USER_ATTRIBUTE, UPDATE_GROUP_ATTRIBUTE
 *   Read Only, with Local Groups  → the above + CREATE_GROUP, UPDATE_GROUP, DELETE_GROUP
 *   Read/Write                    → every OperationType
 * Disabling an account is a user update (UPDATE_USER); changing a membership is a group update (UPDATE_GROUP),
 * and an LDAP directory in "with local groups" mode (ldap.local.groups) takes it only for groups created in
 * Confluence (cwd_group.local); its LDAP groups refuse it.
 */

import type { DirectoryFacts } from '../../app/instance-port.ts';
import type { DirectorySnapshot } from '../../domain/snapshot.ts';

/** One cwd_directory row with one of its application mappings (LEFT JOIN: mapping fields null when unmapped). */
export interface DirectoryRow {
  readonly id: string;
  readonly name: string;
  /** cwd_directory.active as stored: 'T'/'F', a boolean, or 1/0. */
  readonly active: unknown;
  /** cwd_directory.directory_type: INTERNAL, CONNECTOR (LDAP), DELEGATING, CROWD, CUSTOM, UNKNOWN. */
  readonly type: string;
  readonly mappingId: string | null;
  readonly listIndex: number | null;
}

/** One cwd_group row. */
export interface GroupRow {
  readonly name: string;
  readonly directoryId: string;
  /** cwd_group.local as stored. */
  readonly local: unknown;
}

/** What the optional tables said; `null` for a table the schema does not have. */
export interface DirectoryPermissionRows {
  readonly directoryOperations: readonly { readonly directoryId: string; readonly operation: string }[] | null;
  readonly mappingOperations: readonly { readonly mappingId: string; readonly operation: string }[] | null;
  /** cwd_directory_attribute 'ldap.local.groups' values. */
  readonly localGroupsAttributes: readonly { readonly directoryId: string; readonly value: string | null }[] | null;
}

/** Which groups of a directory take membership changes through Confluence. */
export type GroupWrites = 'all' | 'local-only' | 'none';

/** A directory as derived, before the groups are looked at. */
export interface DerivedDirectory {
  readonly id: string;
  readonly snapshot: DirectorySnapshot;
  readonly groupWrites: GroupWrites;
}

/** Reads Confluence's 'T'/'F' flags, tolerating booleans, 1/0 and 'true'/'false'; `null` when unreadable. */
export function readFlag(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : null;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 't' || text === 'true' || text === '1' || text === 'y') return true;
    if (text === 'f' || text === 'false' || text === '0' || text === 'n') return false;
    return null;
  }
  // MySQL BIT(1) arrives as a one-byte buffer.
  if (value instanceof Uint8Array && value.length === 1) return value[0] === 1;
  return null;
}

/**
 * Each directory with its order, active flag, writability and which of its groups take membership changes.
 * Throws a RangeError naming the directory whose active flag cannot be read.
 */
export function deriveDirectories(rows: readonly DirectoryRow[], permissions: DirectoryPermissionRows): DerivedDirectory[] {
  const byId = new Map<string, { row: DirectoryRow; mappingIds: string[]; listIndex: number | null }>();
  for (const row of rows) {
    const entry = byId.get(row.id) ?? { row, mappingIds: [], listIndex: null };
    if (row.mappingId !== null) entry.mappingIds.push(row.mappingId);
    // Confluence's embedded Crowd has one application ("crowd-embedded"), so one mapping per directory;
    // should there be several, the first position counts for the order.
    if (row.listIndex !== null && (entry.listIndex === null || row.listIndex < entry.listIndex)) entry.listIndex = row.listIndex;
    byId.set(row.id, entry);
  }
  const directoryOperations = groupBy(permissions.directoryOperations, (r) => r.directoryId, (r) => r.operation);
  const mappingOperations = groupBy(permissions.mappingOperations, (r) => r.mappingId, (r) => r.operation);
  const localGroups = permissions.localGroupsAttributes === null
    ? null
    : new Map(permissions.localGroupsAttributes.map((r) => [r.directoryId, readFlag(r.value)]));

  const mapped = [...byId.values()].sort((a, b) => (a.listIndex ?? Infinity) - (b.listIndex ?? Infinity) || compareIds(a.row.id, b.row.id));
  const lastIndex = Math.max(-1, ...mapped.map((entry) => entry.listIndex ?? -1));
  let unmapped = 0;
  return mapped.map(({ row, mappingIds, listIndex }) => {
    const active = readFlag(row.active);
    if (active === null) throw new RangeError(`cwd_directory.active of directory ${row.name} is unreadable: ${String(row.active)}`);
    const type = row.type.trim().toUpperCase();
    const own = directoryOperations === null ? null : (directoryOperations.get(row.id) ?? new Set<string>());
    const operations = own === null ? null : withMappings(own, mappingIds, mappingOperations);
    const localGroupsOn = localGroups?.get(row.id) ?? null;
    // Without the operation tables only the internal directory is known to be writable; anything else is taken
    // as read-only, since calling a directory writable that is not makes Seatkeeper plan writes Confluence refuses.
    const writable = operations === null ? type === 'INTERNAL' : operations.has('UPDATE_USER');
    let groupWrites: GroupWrites;
    if (operations === null) {
      // A group flagged local was created in Confluence, so local groups were on; only the attribute saying
      // they are off now (ldap.local.groups = false) makes those read-only too.
      groupWrites = writable ? 'all' : localGroupsOn === false ? 'none' : 'local-only';
    } else if (!operations.has('UPDATE_GROUP')) {
      groupWrites = 'none';
    } else if (type === 'CONNECTOR' && (localGroupsOn === true || !ALL_OPERATIONS.every((operation) => own?.has(operation)))) {
      // LDAP short of Read/Write (PermissionOption.fromAllowedOperations) is "with local groups".
      groupWrites = 'local-only';
    } else {
      // Internal and delegating directories keep their groups in Confluence's own tables.
      groupWrites = 'all';
    }
    // A directory missing from the application's list is not used by Confluence at all; it goes last.
    const order = listIndex ?? lastIndex + 1 + unmapped++;
    return { id: row.id, snapshot: { name: row.name, order, active, writable }, groupWrites };
  });
}

/**
 * Names of groups whose membership Confluence cannot change, sorted and unique (case-insensitively, as
 * Confluence compares group names). Groups of inactive directories are invisible to Confluence and left out.
 * A name held by several directories is read-only if any of them makes it so: whether a removal works then
 * depends on the user's directory, and a planned removal that fails is what this list is there to prevent.
 */
export function readOnlyGroupNames(directories: readonly DerivedDirectory[], groups: readonly GroupRow[]): string[] {
  const byId = new Map(directories.map((directory) => [directory.id, directory]));
  const names = new Map<string, string>();
  for (const group of groups) {
    const directory = byId.get(group.directoryId);
    if (directory === undefined || !directory.snapshot.active) continue;
    const writable = directory.groupWrites === 'all' || (directory.groupWrites === 'local-only' && readFlag(group.local) === true);
    if (writable) continue;
    const key = group.name.toLowerCase();
    const known = names.get(key);
    if (known === undefined || group.name < known) names.set(key, group.name);
  }
  return [...names.values()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Directories whose groups need to be read to know which are read-only. */
export function directoriesWithReadOnlyGroups(directories: readonly DerivedDirectory[]): string[] {
  return directories.filter((d) => d.snapshot.active && d.groupWrites !== 'all').map((d) => d.id);
}

/** The facts of the port from derived directories and the read-only group names. */
export function toDirectoryFacts(directories: readonly DerivedDirectory[], readOnlyGroups: string[]): DirectoryFacts {
  return { directories: directories.map((d) => d.snapshot), readOnlyGroups };
}

/** Embedded Crowd's OperationType values: a Read/Write directory has them all. */
const ALL_OPERATIONS = [
  'CREATE_USER', 'CREATE_GROUP', 'CREATE_ROLE', 'UPDATE_USER', 'UPDATE_GROUP', 'UPDATE_ROLE',
  'UPDATE_USER_ATTRIBUTE', 'UPDATE_GROUP_ATTRIBUTE', 'UPDATE_ROLE_ATTRIBUTE', 'DELETE_USER', 'DELETE_GROUP', 'DELETE_ROLE',
];

/** The directory's allowed operations ∩ those of its application mappings (when the schema has them). */
function withMappings(
  own: ReadonlySet<string>,
  mappingIds: readonly string[],
  mappingOperations: ReadonlyMap<string, ReadonlySet<string>> | null,
): Set<string> {
  const allowed = new Set(own);
  if (mappingOperations === null) return allowed;
  for (const mappingId of mappingIds) {
    const granted = mappingOperations.get(mappingId) ?? new Set<string>();
    for (const operation of allowed) if (!granted.has(operation)) allowed.delete(operation);
  }
  return allowed;
}

function groupBy<T>(rows: readonly T[] | null, key: (row: T) => string, value: (row: T) => string): Map<string, Set<string>> | null {
  if (rows === null) return null;
  const out = new Map<string, Set<string>>();
  for (const row of rows) {
    const set = out.get(key(row)) ?? new Set<string>();
    set.add(value(row).trim().toUpperCase());
    out.set(key(row), set);
  }
  return out;
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
