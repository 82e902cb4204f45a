import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  PayloadError,
  atLeast,
  classifyGlobalPermissions,
  compareVersions,
  individualPermissions,
  mapActiveUserLogin,
  mapChildGroup,
  mapCurrentUser,
  mapGroupName,
  mapLicenseCount,
  mapMember,
  mapPerson,
  mapServerInformation,
  mapStatus,
  statusWordOf,
  mapApplinksManifest,
  mapPageMetaVersion,
  parseVersion,
  toPermissionGrants,
} from './confluence-dc-mapping.ts';
import { parseLoginInstant } from './confluence-dc-login-time.ts';

/** A payload written from Atlassian's docs (synthetic/README.md), not recorded from a live instance. */
function synthetic(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./synthetic/${name}`, import.meta.url), 'utf8'));
}

function results(name: string): unknown[] {
  const body = synthetic(name);
  assert.ok(typeof body === 'object' && body !== null && 'results' in body && Array.isArray(body.results));
  return body.results;
}

describe('mapStatus', () => {
  // Atlassian's UserStatus values in either case; the JSON spelling is not published.
  const table: [unknown, string][] = [
    ['current', 'active'],
    ['CURRENT', 'active'],
    [' Current ', 'active'],
    ['unlicensed', 'active'],
    ['UNLICENSED', 'active'],
    ['deactivated', 'disabled'],
    ['DEACTIVATED', 'disabled'],
    ['externally_deleted', 'disabled'],
    ['EXTERNALLY_DELETED', 'disabled'],
    [{ value: 'CURRENT' }, 'active'],
    [{ status: 'deactivated' }, 'disabled'],
    // Words Atlassian does not document are not guessed.
    ['active', 'unknown'],
    ['ACTIVE', 'unknown'],
    ['inactive', 'unknown'],
    ['disabled', 'unknown'],
    ['PENDING_REVIEW', 'unknown'],
    ['', 'unknown'],
    [null, 'unknown'],
    [undefined, 'unknown'],
    [false, 'unknown'],
    [0, 'unknown'],
    [{}, 'unknown'],
    [['deactivated'], 'unknown'],
  ];
  for (const [raw, expected] of table) {
    it(`${JSON.stringify(raw) ?? 'undefined'} → ${expected}`, () => assert.equal(mapStatus(raw), expected));
  }
  it('keeps the word as sent, for the scan to count and name', () => {
    assert.equal(statusWordOf(' PENDING_REVIEW '), 'PENDING_REVIEW');
    assert.equal(statusWordOf({ value: 'current' }), 'current');
    assert.equal(statusWordOf(undefined), null);
  });
});

describe('version routes every release has', () => {
  it('reads the applinks manifest and refuses one without a version', () => {
    assert.deepEqual(mapApplinksManifest({ id: 'x', name: 'Wiki', typeId: 'confluence', version: '8.5.16', buildNumber: 8804 }), {
      version: '8.5.16', parsed: [8, 5, 16], typeId: 'confluence',
    });
    assert.equal(mapApplinksManifest({ name: 'Wiki' }), null);
    assert.equal(mapApplinksManifest('<html>'), null);
  });
  it('reads ajs-version-number from a page, attributes in any order', () => {
    assert.deepEqual(mapPageMetaVersion('<head><meta name="ajs-version-number" content="9.0.2"></head>'), { version: '9.0.2', parsed: [9, 0, 2] });
    assert.deepEqual(mapPageMetaVersion("<meta content='8.4.1' name='ajs-version-number' />")?.parsed, [8, 4, 1]);
    assert.equal(mapPageMetaVersion('<meta name="ajs-build-number" content="8804">'), null);
    assert.equal(mapPageMetaVersion(null), null);
  });
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

describe('mapPerson on a synthetic /rest/api/user/list?expand=status page', () => {
  it('maps every user with exact values', () => {
    // No e-mail on this route; the documented status words in either case; an undocumented word and a missing status are unknown.
    const user = (username: string, userKey: string, displayName: string, status: string, statusWord: string | null) =>
      ({ accountId: userKey, username, displayName, email: null, status, statusWord, directory: null });
    assert.deepEqual(results('user-list.json').map(mapPerson), [
      user('admin', '8a7f808a8b5c3e2a018b5c3f1e2d0000', 'Confluence Administrator', 'active', 'current'),
      user('jdoe', '8a7f808a8b5c3e2a018b5c3f1e2d0001', 'Jane Doe', 'disabled', 'DEACTIVATED'),
      user('Ole.Nordmann', '8a7f808a8b5c3e2a018b5c3f1e2d0002', 'Ole Nordmann', 'active', 'unlicensed'),
      user('svc-backup', '8a7f808a8b5c3e2a018b5c3f1e2d0003', 'svc-backup', 'unknown', 'PENDING_REVIEW'),
      user('mmuster', '8a7f808a8b5c3e2a018b5c3f1e2d0004', 'Max Mustermann', 'unknown', null),
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
    assert.deepEqual(mapMember('staff', { type: 'known', username: 'jdoe', userKey: 'k1' }), { group: 'staff', accountId: 'k1', username: 'jdoe' });
    // A record off the fast path (no type) goes through the full parse, with the same result.
    assert.deepEqual(mapMember('staff', { username: 'jdoe', userKey: 'k1' }), { group: 'staff', accountId: 'k1', username: 'jdoe' });
    assert.throws(() => mapMember('staff', { type: 'known', username: 'jdoe' }), /without userKey/);
    assert.deepEqual(mapChildGroup('staff', { type: 'group', name: 'engineering' }), { parent: 'staff', child: 'engineering' });
  });
});

describe('groups', () => {
  it('reads names from a synthetic /rest/api/group page', () => {
    assert.deepEqual(results('group-list.json').map(mapGroupName), ['confluence-administrators', 'confluence-users', 'R&D / Berlin']);
  });
  it('refuses a group without a name', () => {
    assert.throws(() => mapGroupName({ type: 'group' }), PayloadError);
  });
});

describe('mapActiveUserLogin on a synthetic /rest/api/admin/users/list/active?expand=lastLogin page', () => {
  it('maps epoch number, epoch string, ISO with offset and a missing lastLogin', () => {
    const facts = results('active-users-last-login.json').map(mapActiveUserLogin);
    assert.deepEqual(
      facts.map((f) => f && { username: f.fact.username, lastLogin: f.fact.lastLogin?.toISOString() ?? null, email: f.fact.email, sent: f.lastLoginSent }),
      [
        { username: 'svc-backup', lastLogin: null, email: 'backup@example.com', sent: false },
        { username: 'jdoe', lastLogin: '2024-03-02T09:00:00.000Z', email: 'jane.doe@example.com', sent: true },
        { username: 'mmuster', lastLogin: '2024-06-01T10:00:00.000Z', email: 'max@example.com', sent: true },
        { username: 'admin', lastLogin: '2024-11-26T08:15:42.123Z', email: 'admin@example.com', sent: true },
      ],
    );
  });

  it('reads 0 as "never" but refuses a present, unreadable lastLogin (it would look like never-logged-in)', () => {
    assert.equal(mapActiveUserLogin({ type: 'known', username: 'a', userKey: 'k', lastLogin: 0 })?.fact.lastLogin, null);
    assert.equal(mapActiveUserLogin({ type: 'known', username: 'a', userKey: 'k', lastLogin: null })?.lastLoginSent, true);
    assert.throws(() => mapActiveUserLogin({ type: 'known', username: 'a', userKey: 'k', lastLogin: '26.11.2024' }), /unreadable lastLogin/);
  });
});

describe('global permissions', () => {
  it('classifies a synthetic /rest/api/permissions answer', () => {
    const classified = classifyGlobalPermissions(synthetic('permissions.json'));
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

  it('reads the individual permissions in /rest/api/permissions/user/{u}, ignoring group-inherited entries', () => {
    const use = { targetType: 'application', operationKey: 'use' };
    const space = { targetType: 'SPACE', operationKey: 'Create' };
    assert.deepEqual(individualPermissions([{ operation: space, subject: { type: 'user', displayName: 'A' } }, { operation: use, subject: { type: 'user', username: 'a' } }]), [
      'application/use',
      'space/create',
    ]);
    // Without a subject the entry is the user's own: the route is about one user.
    assert.deepEqual(individualPermissions([{ operation: use }]), ['application/use']);
    assert.deepEqual(individualPermissions([{ operation: use, subject: { type: 'group', displayName: 'confluence-users' } }]), []);
    assert.deepEqual(individualPermissions([{ operation: { targetType: '', operationKey: 'use' } }]), []);
    assert.deepEqual(individualPermissions([]), []);
    assert.throws(() => individualPermissions({ operation: use }), PayloadError);
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

  it('reads a synthetic /rest/api/server-information answer', () => {
    assert.deepEqual(mapServerInformation(synthetic('server-information.json')), { version: '9.2.3', parsed: [9, 2, 3] });
    assert.throws(() => mapServerInformation({ baseUrl: 'x' }), /no version/);
    assert.throws(() => mapServerInformation({ version: 'unknown' }), /cannot read the Confluence version/);
  });

  it('reads the current user', () => {
    assert.deepEqual(mapCurrentUser({ type: 'known', username: 'admin', userKey: 'k' }), { username: 'admin', userKey: 'k' });
    assert.deepEqual(mapCurrentUser({ type: 'known', username: 'admin' }), { username: 'admin', userKey: null });
    assert.throws(() => mapCurrentUser({ type: 'anonymous', username: 'anonymous' }), /anonymous/);
    assert.throws(() => mapCurrentUser({ type: 'anonymous' }), PayloadError);
  });
});
