import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLicenceModel } from './licence-model.ts';
import { snapshot, user } from '../../test/support/snapshot-builder.ts';

test('licence model: who holds a seat and through which direct membership', async (t) => {
  const snap = snapshot({
    users: [
      user('direct'),
      user('nested'),
      user('deep'),
      user('granted'),
      user('nothing'),
      user('disabled', { status: 'disabled' }),
      user('unknown', { status: 'unknown' }),
      user('offdir', { directory: 'Old LDAP' }),
      user('boss'),
      user('cycle'),
    ],
    memberships: {
      'confluence-users': ['direct', 'disabled', 'unknown', 'offdir'],
      engineering: ['nested'],
      platform: ['deep'],
      newsletter: ['nothing', 'granted', 'direct'],
      'confluence-administrators': ['boss'],
      'loop-a': ['cycle'],
    },
    nesting: [
      ['confluence-users', 'engineering'],
      ['engineering', 'platform'],
      ['loop-a', 'loop-b'],
      ['loop-b', 'loop-a'],
    ],
    grants: { useGroups: ['confluence-users', 'confluence-administrators'], useUsers: ['granted'] },
    directories: [
      { name: 'Confluence Internal Directory', order: 0, active: true, writable: true },
      { name: 'Old LDAP', order: 1, active: false, writable: false },
    ],
  });
  const model = buildLicenceModel(snap);
  const cases: Array<[string, { licensed: boolean; billableGroups: string[]; directGrant: boolean; admin: boolean }]> = [
    ['direct', { licensed: true, billableGroups: ['confluence-users'], directGrant: false, admin: false }],
    ['nested', { licensed: true, billableGroups: ['engineering'], directGrant: false, admin: false }],
    ['deep', { licensed: true, billableGroups: ['platform'], directGrant: false, admin: false }],
    ['granted', { licensed: true, billableGroups: [], directGrant: true, admin: false }],
    ['nothing', { licensed: false, billableGroups: [], directGrant: false, admin: false }],
    ['disabled', { licensed: false, billableGroups: ['confluence-users'], directGrant: false, admin: false }],
    ['unknown', { licensed: false, billableGroups: ['confluence-users'], directGrant: false, admin: false }],
    ['offdir', { licensed: false, billableGroups: ['confluence-users'], directGrant: false, admin: false }],
    ['boss', { licensed: true, billableGroups: ['confluence-administrators'], directGrant: false, admin: true }],
    ['cycle', { licensed: false, billableGroups: [], directGrant: false, admin: false }],
  ];
  for (const [name, expected] of cases) {
    await t.test(name, () => {
      const u = snap.users.find((x) => x.username === name)!;
      const seat = model.seatOf(u);
      assert.deepEqual(
        { licensed: seat.licensed, billableGroups: [...seat.billableGroups], directGrant: seat.directGrant, admin: seat.admin },
        expected,
      );
    });
  }
  assert.equal(model.licensedCount, 5);
  const deep = model.seatOf(snap.users[2]!);
  assert.deepEqual(['confluence-users', 'engineering', 'platform', 'newsletter'].map((g) => model.inGroup(deep, g)), [true, true, true, false]);
});

test('licence model: administration through a nested group makes an administrator', () => {
  const snap = snapshot({
    users: [user('ops')],
    memberships: { 'wiki-ops': ['ops'] },
    nesting: [['confluence-administrators', 'wiki-ops']],
  });
  assert.equal(buildLicenceModel(snap).seatOf(snap.users[0]!).admin, true);
});
