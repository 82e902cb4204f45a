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

test('licence model per application: what each user holds and through which direct membership or grant', () => {
  const app = (key: string, groups: string[], users: string[] = []) => ({
    key,
    name: key,
    groups,
    users,
    defaultGroups: [],
    seatsUsed: null,
    seatsMax: null,
    unlimited: false,
  });
  const snap = snapshot({
    users: [user('agent'), user('dev'), user('both'), user('granted'), user('off', { status: 'disabled' }), user('none')],
    memberships: {
      'jira-servicedesk-users': ['agent'],
      'jira-software-users': ['dev'],
      'support-team': ['both'],
      'jira-servicedesk-users-2': ['off'],
      staff: ['none'],
    },
    nesting: [
      ['jira-servicedesk-users', 'support-team'],
      ['jira-software-users', 'support-team'],
      ['jira-servicedesk-users', 'jira-servicedesk-users-2'],
    ],
    applications: [
      app('jira-software', ['Jira-Software-Users'], ['granted']),
      app('jira-servicedesk', ['jira-servicedesk-users']),
    ],
  });
  const model = buildLicenceModel(snap);
  const held = (name: string) => {
    const seat = model.seatOf(snap.users.find((u) => u.username === name) ?? user(name));
    return { licensed: seat.licensed, applications: seat.applications };
  };
  assert.deepStrictEqual(held('agent'), { licensed: true, applications: [{ key: 'jira-servicedesk', groups: ['jira-servicedesk-users'], directGrant: false }] });
  // Group names compare case-insensitively: the grant to Jira-Software-Users covers jira-software-users.
  assert.deepStrictEqual(held('dev'), { licensed: true, applications: [{ key: 'jira-software', groups: ['jira-software-users'], directGrant: false }] });
  // One nested membership may grant two applications.
  assert.deepStrictEqual(held('both'), {
    licensed: true,
    applications: [
      { key: 'jira-servicedesk', groups: ['support-team'], directGrant: false },
      { key: 'jira-software', groups: ['support-team'], directGrant: false },
    ],
  });
  assert.deepStrictEqual(held('granted'), { licensed: true, applications: [{ key: 'jira-software', groups: [], directGrant: true }] });
  assert.deepStrictEqual(held('off'), { licensed: false, applications: [] });
  assert.deepStrictEqual(held('none'), { licensed: false, applications: [] });
  assert.deepStrictEqual(model.applicationsOf('SUPPORT-TEAM'), ['jira-servicedesk', 'jira-software']);
  assert.deepStrictEqual(model.applicationsOf('staff'), []);
  assert.deepStrictEqual([...model.heldCount], [['jira-servicedesk', 2], ['jira-software', 3]]);
  assert.equal(model.licensedCount, 4);
});
