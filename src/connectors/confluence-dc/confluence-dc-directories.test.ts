import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  deriveDirectories,
  directoriesWithReadOnlyGroups,
  readFlag,
  readOnlyGroupNames,
  type DirectoryPermissionRows,
  type DirectoryRow,
  type GroupWrites,
} from './confluence-dc-directories.ts';

const ALL = ['CREATE_USER', 'CREATE_GROUP', 'CREATE_ROLE', 'UPDATE_USER', 'UPDATE_GROUP', 'UPDATE_ROLE',
  'UPDATE_USER_ATTRIBUTE', 'UPDATE_GROUP_ATTRIBUTE', 'UPDATE_ROLE_ATTRIBUTE', 'DELETE_USER', 'DELETE_GROUP', 'DELETE_ROLE'];
/** Crowd's PermissionOption sets for LDAP. */
const READ_ONLY = ['UPDATE_USER_ATTRIBUTE', 'UPDATE_GROUP_ATTRIBUTE'];
const READ_ONLY_LOCAL_GROUPS = [...READ_ONLY, 'CREATE_GROUP', 'UPDATE_GROUP', 'DELETE_GROUP'];

function directory(id: string, type: string, listIndex: number | null, active: unknown = 'T'): DirectoryRow {
  return { id, name: `dir ${id}`, active, type, mappingId: listIndex === null ? null : `m${id}`, listIndex };
}

function operations(byDirectory: Record<string, readonly string[]>): DirectoryPermissionRows['directoryOperations'] {
  return Object.entries(byDirectory).flatMap(([directoryId, ops]) => ops.map((operation) => ({ directoryId, operation })));
}

describe('readFlag', () => {
  const cases: readonly [unknown, boolean | null][] = [
    ['T', true], ['F', false], ['t', true], [' f ', false], [true, true], [false, false], [1, true], [0, false],
    ['1', true], ['0', false], ['true', true], ['false', false], [Uint8Array.of(1), true], [Uint8Array.of(0), false],
    ['X', null], [2, null], [null, null], [undefined, null],
  ];
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value) ?? 'undefined'} → ${String(expected)}`, () => assert.equal(readFlag(value), expected));
  }
});

describe('deriveDirectories from allowed operations', () => {
  const cases: readonly { name: string; type: string; ops: readonly string[] | null; localGroups?: string; writable: boolean; groups: GroupWrites }[] = [
    { name: 'internal, all operations', type: 'INTERNAL', ops: ALL, writable: true, groups: 'all' },
    { name: 'LDAP Read/Write', type: 'CONNECTOR', ops: ALL, localGroups: 'false', writable: true, groups: 'all' },
    { name: 'LDAP Read Only, with Local Groups', type: 'CONNECTOR', ops: READ_ONLY_LOCAL_GROUPS, localGroups: 'true', writable: false, groups: 'local-only' },
    { name: 'LDAP Read Only', type: 'CONNECTOR', ops: READ_ONLY, localGroups: 'false', writable: false, groups: 'none' },
    { name: 'delegating, all operations', type: 'DELEGATING', ops: ALL, writable: true, groups: 'all' },
    { name: 'Crowd Read Only', type: 'CROWD', ops: READ_ONLY, writable: false, groups: 'none' },
    { name: 'internal with no operation rows', type: 'INTERNAL', ops: [], writable: false, groups: 'none' },
    { name: 'internal, no operation table', type: 'INTERNAL', ops: null, writable: true, groups: 'all' },
    { name: 'LDAP, no operation table', type: 'CONNECTOR', ops: null, writable: false, groups: 'local-only' },
    { name: 'LDAP, no operation table, local groups off', type: 'CONNECTOR', ops: null, localGroups: 'false', writable: false, groups: 'none' },
    { name: 'delegating, no operation table (unsure: read-only)', type: 'DELEGATING', ops: null, writable: false, groups: 'local-only' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const [derived] = deriveDirectories([directory('7', c.type, 0)], {
        directoryOperations: c.ops === null ? null : operations({ 7: c.ops }),
        mappingOperations: null,
        localGroupsAttributes: c.localGroups === undefined ? [] : [{ directoryId: '7', value: c.localGroups }],
      });
      assert.deepEqual(derived, { id: '7', snapshot: { name: 'dir 7', order: 0, active: true, writable: c.writable }, groupWrites: c.groups });
    });
  }

  it('needs the application mapping to allow an operation too', () => {
    const derived = deriveDirectories([directory('1', 'INTERNAL', 0)], {
      directoryOperations: operations({ 1: ALL }),
      mappingOperations: ALL.filter((op) => op !== 'UPDATE_USER').map((operation) => ({ mappingId: 'm1', operation })),
      localGroupsAttributes: null,
    });
    assert.deepEqual(derived.map((d) => [d.snapshot.writable, d.groupWrites]), [[false, 'all']]);
  });

  it('orders by list_index, puts unmapped directories last, reads 1/0 and boolean flags', () => {
    const derived = deriveDirectories(
      [directory('30', 'CONNECTOR', 1, 0), directory('10', 'INTERNAL', 0, true), directory('99', 'CONNECTOR', null, 1), directory('20', 'INTERNAL', 4, 'F')],
      { directoryOperations: null, mappingOperations: null, localGroupsAttributes: null },
    );
    assert.deepEqual(derived.map((d) => [d.snapshot.name, d.snapshot.order, d.snapshot.active]), [
      ['dir 10', 0, true], ['dir 30', 1, false], ['dir 20', 4, false], ['dir 99', 5, true],
    ]);
    assert.deepEqual(directoriesWithReadOnlyGroups(derived), ['99'], 'only the active LDAP directory has groups to look at');
  });

  it('refuses an active flag it cannot read', () => {
    assert.throws(
      () => deriveDirectories([directory('1', 'INTERNAL', 0, 'maybe')], { directoryOperations: null, mappingOperations: null, localGroupsAttributes: null }),
      /cwd_directory.active of directory dir 1 is unreadable/,
    );
  });
});

describe('readOnlyGroupNames', () => {
  const derived = deriveDirectories(
    [directory('1', 'INTERNAL', 0), directory('2', 'CONNECTOR', 1), directory('3', 'CONNECTOR', 2, 'F')],
    { directoryOperations: operations({ 1: ALL, 2: READ_ONLY_LOCAL_GROUPS, 3: READ_ONLY }), mappingOperations: null, localGroupsAttributes: null },
  );

  it('lists the LDAP groups of a read-only directory, not its local ones, nor groups of inactive directories', () => {
    assert.deepEqual(
      readOnlyGroupNames(derived, [
        { name: 'confluence-users', directoryId: '1', local: 'F' },
        { name: 'wiki-access', directoryId: '2', local: 'F' },
        { name: 'staff', directoryId: '2', local: 'T' },
        { name: 'all-employees', directoryId: '2', local: 0 },
        { name: 'gone', directoryId: '3', local: 'F' },
        { name: 'orphan', directoryId: '404', local: 'F' },
      ]),
      ['all-employees', 'wiki-access'],
    );
  });

  it('marks a name read-only when any directory holding it makes it so, once, whatever the case', () => {
    assert.deepEqual(
      readOnlyGroupNames(derived, [
        { name: 'Wiki-Access', directoryId: '2', local: 'F' },
        { name: 'wiki-access', directoryId: '1', local: 'F' },
        { name: 'wiki-access', directoryId: '2', local: 'F' },
        { name: 'odd', directoryId: '2', local: 'unreadable' },
      ]),
      ['Wiki-Access', 'odd'],
    );
  });
});
