import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  PayloadError,
  atLeast,
  classifyGlobalPermissions,
  compareVersions,
  hasDirectUseGrant,
  mapActiveUserLogin,
  mapChildGroup,
  mapCurrentUser,
  mapGroupName,
  mapLicenseCount,
  mapMember,
  mapPerson,
  mapServerInformation,
  mapStatus,
  parseVersion,
  toPermissionGrants,
} from './confluence-dc-mapping.ts';
import { parseLoginInstant } from './confluence-dc-login-time.ts';

function recorded(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./recorded/${name}`, import.meta.url), 'utf8'));
}

function results(name: string): unknown[] {
  const body = recorded(name);
  assert.ok(typeof body === 'object' && body !== null && 'results' in body && Array.isArray(body.results));
  return body.results;
}

describe('mapStatus', () => {
  const table: [unknown, string][] = [
    ['active', 'active'],
    ['ACTIVE', 'active'],
    ['Enabled', 'active'],
    [' activated ', 'active'],
    ['inactive', 'disabled'],
    ['DISABLED', 'disabled'],
    ['deactivated', 'disabled'],
    [{ value: 'ACTIVE' }, 'active'],
    [{ status: 'disabled' }, 'disabled'],
    ['PENDING_REVIEW', 'unknown'],
    ['locked', 'unknown'],
    ['', 'unknown'],
    [null, 'unknown'],
    [undefined, 'unknown'],
    [false, 'unknown'],
    [0, 'unknown'],
    [{}, 'unknown'],
    [['disabled'], 'unknown'],
  ];
  for (const [raw, expected] of table) {
    it(`${JSON.stringify(raw) ?? 'undefined'} → ${expected}`, () => assert.equal(mapStatus(raw), expected));
  }
});

describe('parseLoginInstant', () => {
  const table: [unknown, string | null][] = [
    [1709370000000, '2024-03-02T09:00:00.000Z'],
    ['1717236000000', '2024-06-01T10:00:00.000Z'],
    [' 1717236000000 ', '2024-06-01T10:00:00.000Z'],
    ['2024-11-26T09:15:42.123+01:00', '2024-11-26T08:15:42.123Z'],
    ['2024-11-26T09:15:42.123+0100', '2024-11-26T08:15:42.123Z'],
    ['2024-11-26T09:15:42Z', '2024-11-26T09:15:42.000Z'],
    ['2024-11-26 09:15:42-05:30', '2024-11-26T14:45:42.000Z'],
    ['2024-11-26T09:15-02', '2024-11-26T11:15:00.000Z'],
    ['2024-02-29T00:00:00.123456789Z', '2024-02-29T00:00:00.123Z'],
    ['2024-11-26T09:15:42', null],
    ['2024-11-26', null],
    ['2023-02-29T00:00:00Z', null],
    ['2024-13-01T00:00:00Z', null],
    ['2024-11-26T24:00:00Z', null],
    ['26/11/2024 09:15', null],
    ['yesterday', null],
    ['', null],
    [0, null],
    [-1, null],
    ['0', null],
    [1.5, null],
    [Number.NaN, null],
    [null, null],
    [undefined, null],
    [true, null],
    [{ date: '2024-11-26T09:15:42Z' }, null],
  ];
  for (const [raw, expected] of table) {
    it(`${JSON.stringify(raw) ?? String(raw)} → ${expected}`, () => {
      assert.equal(parseLoginInstant(raw)?.toISOString() ?? null, expected);
    });
  }
});

describe('mapPerson on a recorded /rest/api/user/list?expand=status page', () => {
  it('maps every user with exact values', () => {
    assert.deepEqual(results('user-list.json').map(mapPerson), [
      {
        username: 'admin',
        userKey: '8a7f808a8b5c3e2a018b5c3f1e2d0000',
        displayName: 'Confluence Administrator',
        email: 'admin@example.com',
        status: 'active',
        directory: null,
      },
      {
        username: 'jdoe',
        userKey: '8a7f808a8b5c3e2a018b5c3f1e2d0001',
        displayName: 'Jane Doe',
        email: 'jane.doe@example.com',
        status: 'disabled',
        directory: null,
      },
      {
        username: 'Ole.Nordmann',
        userKey: '8a7f808a8b5c3e2a018b5c3f1e2d0002',
        displayName: 'Ole Nordmann',
        email: null,
        status: 'disabled',
        directory: null,
      },
      {
        username: 'svc-backup',
        userKey: '8a7f808a8b5c3e2a018b5c3f1e2d0003',
        displayName: 'svc-backup',
        email: null,
        status: 'unknown',
        directory: null,
      },
      {
        username: 'mmuster',
        userKey: '8a7f808a8b5c3e2a018b5c3f1e2d0004',
        displayName: 'Max Mustermann',
        email: 'max@example.com',
        status: 'unknown',
        directory: null,
      },
    ]);
  });

  it('skips the anonymous pseudo-user and keeps a directory name when one is sent', () => {
    assert.equal(mapPerson({ type: 'anonymous', displayName: 'Anonymous' }), null);
    assert.equal(mapPerson({ type: 'known', username: 'a', userKey: 'k', directory: { name: 'Corporate LDAP' } })?.directory, 'Corporate LDAP');
  });

  it('refuses a known user without username or key instead of dropping it', () => {
    assert.throws(() => mapPerson({ type: 'known', userKey: 'k', displayName: 'No Name' }), PayloadError);
    assert.throws(() => mapPerson({ type: 'known', username: 'x' }), /without userKey/);
    assert.throws(() => mapPerson('jdoe'), PayloadError);
  });

  it('maps group members and child groups', () => {
    assert.deepEqual(mapMember('staff', { type: 'known', username: 'jdoe', userKey: 'k1' }), { group: 'staff', username: 'jdoe' });
    assert.deepEqual(mapChildGroup('staff', { type: 'group', name: 'engineering' }), { parent: 'staff', child: 'engineering' });
  });
});

describe('groups', () => {
  it('reads names from a recorded /rest/api/group page', () => {
    assert.deepEqual(results('group-list.json').map(mapGroupName), ['confluence-administrators', 'confluence-users', 'R&D / Berlin']);
  });
  it('refuses a group without a name', () => {
    assert.throws(() => mapGroupName({ type: 'group' }), PayloadError);
  });
});

describe('mapActiveUserLogin on a recorded /rest/api/admin/users/list/active?expand=lastLogin page', () => {
  it('maps epoch number, epoch string, ISO with offset and a missing lastLogin', () => {
    const facts = results('active-users-last-login.json').map(mapActiveUserLogin);
    assert.deepEqual(
      facts.map((f) => f && { username: f.username, lastLogin: f.lastLogin?.toISOString() ?? null, createdAt: f.createdAt, directory: f.directory }),
      [
        { username: 'svc-backup', lastLogin: null, createdAt: null, directory: null },
        { username: 'jdoe', lastLogin: '2024-03-02T09:00:00.000Z', createdAt: null, directory: null },
        { username: 'mmuster', lastLogin: '2024-06-01T10:00:00.000Z', createdAt: null, directory: null },
        { username: 'admin', lastLogin: '2024-11-26T08:15:42.123Z', createdAt: null, directory: null },
      ],
    );
  });

  it('reads 0 as "never" but refuses a present, unreadable lastLogin (it would look like never-logged-in)', () => {
    assert.equal(mapActiveUserLogin({ type: 'known', username: 'a', userKey: 'k', lastLogin: 0 })?.lastLogin, null);
    assert.throws(() => mapActiveUserLogin({ type: 'known', username: 'a', userKey: 'k', lastLogin: '26.11.2024' }), /unreadable lastLogin/);
  });
});

describe('global permissions', () => {
  it('classifies a recorded /rest/api/permissions answer', () => {
    const classified = classifyGlobalPermissions(recorded('permissions.json'));
    assert.deepEqual(classified, {
      useGroups: ['confluence-administrators', 'confluence-users', 'staff'],
      adminGroups: ['confluence-administrators'],
      useUsers: [{ username: 'svc-backup', userKey: '8a7f808a8b5c3e2a018b5c3f1e2d0003' }],
      adminUsers: [{ username: null, userKey: '8a7f808a8b5c3e2a018b5c3f1e2d0001' }],
    });
  });

  it('reads group names from name, groupName or a nested group as well', () => {
    const classified = classifyGlobalPermissions([
      { operation: { targetType: 'application', operationKey: 'use' }, subject: { type: 'GROUP', name: 'a' } },
      { operation: { targetType: 'APPLICATION', operationKey: 'USE' }, subject: { type: 'group', groupName: 'b' } },
      { operation: { targetType: 'system', operationKey: 'administer' }, subject: { type: 'group', group: { name: 'c' } } },
      { operation: { targetType: 'space', operationKey: 'create' }, subject: { type: 'group', name: 'd' } },
      { operation: { targetType: 'application', operationKey: 'use' }, subject: { type: 'user', displayName: 'Only A Name' } },
    ]);
    assert.deepEqual(classified, { useGroups: ['a', 'b'], adminGroups: ['c'], useUsers: [], adminUsers: [] });
  });

  it('refuses something that is not a permission list', () => {
    assert.throws(() => classifyGlobalPermissions({ results: [] }), PayloadError);
  });

  it('builds sorted, de-duplicated grants', () => {
    assert.deepEqual(
      toPermissionGrants({ useGroups: ['b', 'a', 'b'], adminGroups: [], useUsers: ['z', 'y'], adminUsers: ['admin'] }, 'config'),
      { useGroups: ['a', 'b'], useUsers: ['y', 'z'], adminGroups: [], adminUsers: ['admin'], source: 'config' },
    );
  });

  it('finds a direct use grant in /rest/api/permissions/user/{u}, ignoring group-inherited entries', () => {
    const use = { targetType: 'application', operationKey: 'use' };
    assert.equal(hasDirectUseGrant([{ operation: use, subject: { type: 'user', username: 'a' } }]), true);
    assert.equal(hasDirectUseGrant([{ operation: use }]), true);
    assert.equal(hasDirectUseGrant([{ operation: use, subject: { type: 'group', displayName: 'confluence-users' } }]), false);
    assert.equal(hasDirectUseGrant([{ operation: { targetType: 'space', operationKey: 'create' }, subject: { type: 'user' } }]), false);
    assert.equal(hasDirectUseGrant([]), false);
  });
});

describe('licence counts', () => {
  const table: [unknown, number | null][] = [
    [{ count: 1234 }, 1234],
    [{ count: 0 }, 0],
    [{ count: -1 }, null],
    [{ count: 12.5 }, null],
    [{ count: null }, null],
    [{}, null],
    [null, null],
    ['250', null],
  ];
  for (const [raw, expected] of table) {
    it(`${JSON.stringify(raw)} → ${expected}`, () => assert.equal(mapLicenseCount(raw), expected));
  }
});

describe('versions', () => {
  const table: [string, readonly [number, number, number] | null][] = [
    ['10.2.1', [10, 2, 1]],
    ['9.3.0-m07', [9, 3, 0]],
    ['8.5', [8, 5, 0]],
    ['10', [10, 0, 0]],
    ['v9', null],
    ['', null],
  ];
  for (const [raw, expected] of table) {
    it(`"${raw}" → ${JSON.stringify(expected)}`, () => assert.deepEqual(parseVersion(raw), expected));
  }

  it('compares numerically, not as text', () => {
    assert.ok(compareVersions([10, 0, 0], [9, 3, 0]) > 0);
    assert.ok(compareVersions([9, 10, 0], [9, 3, 0]) > 0);
    assert.equal(compareVersions([8, 4, 0], [8, 4, 0]), 0);
    assert.equal(atLeast([8, 3, 9], [8, 4, 0]), false);
    assert.equal(atLeast([10, 2, 0], [10, 2, 0]), true);
  });

  it('reads a recorded /rest/api/server-information answer', () => {
    assert.deepEqual(mapServerInformation(recorded('server-information.json')), { version: '9.2.3', parsed: [9, 2, 3] });
    assert.throws(() => mapServerInformation({ baseUrl: 'x' }), /no version/);
    assert.throws(() => mapServerInformation({ version: 'unknown' }), /cannot read the Confluence version/);
  });

  it('reads the current user', () => {
    assert.equal(mapCurrentUser({ type: 'known', username: 'admin', userKey: 'k' }), 'admin');
    assert.throws(() => mapCurrentUser({ type: 'anonymous', username: 'anonymous' }), /anonymous/);
    assert.throws(() => mapCurrentUser({ type: 'anonymous' }), PayloadError);
  });
});
