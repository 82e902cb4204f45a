import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAdminFloor, countActiveAdmins } from './admin-floor-guard.ts';
import type { ActionStep, PlanRow } from './plan.ts';
import fc from 'fast-check';
import { buildLicenceModel } from './licence-model.ts';
import { DIRECTORIES, snapshot, user } from '../../test/support/snapshot-builder.ts';

// Active administrators: boss (group), root (individual grant), nested (group nested in the admin group).
// Not counted: sleeper (disabled), ghost (directory inactive). alice and bob are ordinary users.
const ORG = snapshot({
  users: [
    user('alice'),
    user('bob'),
    user('boss'),
    user('root'),
    user('nested'),
    user('sleeper', { status: 'disabled' }),
    user('ghost', { directory: 'Old LDAP' }),
  ],
  memberships: {
    'confluence-users': ['alice', 'bob', 'boss', 'root', 'nested', 'sleeper', 'ghost'],
    'confluence-administrators': ['boss', 'sleeper', 'ghost'],
    'wiki-admins': ['nested'],
  },
  nesting: [['confluence-administrators', 'wiki-admins']],
  grants: { adminUsers: ['root'] },
  directories: [...DIRECTORIES, { name: 'Old LDAP', order: 2, active: false, writable: true }],
});

function row(username: string, ...steps: ActionStep[]): PlanRow {
  return {
    username,
    userKey: `key-${username}`,
    displayName: username,
    directory: null,
    policy: 'p',
    reason: { rule: 'inactive', text: '', lastLogin: null, referenceDate: null, days: 100, thresholdDays: 90 },
    steps,
    notes: [],
  };
}

const unseat: ActionStep = { kind: 'remove-group', group: 'confluence-users' };
const unadmin: ActionStep = { kind: 'remove-group', group: 'confluence-administrators' };

test('active administrators before and after a plan, simulated on the snapshot', async (t) => {
  const cases: Array<[string, PlanRow[], { before: number; after: number; lost: string[]; gained: string[] }]> = [
    ['no rows', [], { before: 3, after: 3, lost: [], gained: [] }],
    ['an ordinary user unseated', [row('alice', unseat)], { before: 3, after: 3, lost: [], gained: [] }],
    ['admin group removed', [row('boss', unadmin)], { before: 3, after: 2, lost: ['boss'], gained: [] }],
    ['nested admin deactivated', [row('nested', { kind: 'disable' })], { before: 3, after: 2, lost: ['nested'], gained: [] }],
    ['nested admin leaves the nested group', [row('nested', { kind: 'remove-group', group: 'wiki-admins' })], { before: 3, after: 2, lost: ['nested'], gained: [] }],
    ['nested admin unseated keeps administration', [row('nested', unseat)], { before: 3, after: 3, lost: [], gained: [] }],
    [
      'individual admin: "can use" and display name do not matter',
      [row('root', unseat, { kind: 'revoke-use-grant' }, { kind: 'set-display-name', displayName: 'Root (inactive)' })],
      { before: 3, after: 3, lost: [], gained: [] },
    ],
    ['individual admin deactivated', [row('root', { kind: 'disable' })], { before: 3, after: 2, lost: ['root'], gained: [] }],
    ['disabled admin reactivated', [row('sleeper', { kind: 'enable' })], { before: 3, after: 4, lost: [], gained: ['sleeper'] }],
    ['admin of an inactive directory reactivated still does not count', [row('ghost', { kind: 'enable' })], { before: 3, after: 3, lost: [], gained: [] }],
    ['user added to a nested admin group', [row('alice', { kind: 'add-group', group: 'wiki-admins' })], { before: 3, after: 4, lost: [], gained: ['alice'] }],
    [
      'two rows for one user apply in order',
      [row('boss', unadmin), row('boss', { kind: 'add-group', group: 'confluence-administrators' })],
      { before: 3, after: 3, lost: [], gained: [] },
    ],
    [
      'all three stripped',
      [row('boss', unadmin), row('root', { kind: 'disable' }), row('nested', { kind: 'disable' })],
      { before: 3, after: 0, lost: ['boss', 'nested', 'root'], gained: [] },
    ],
  ];
  for (const [name, rows, expected] of cases) {
    await t.test(name, () => assert.deepStrictEqual(countActiveAdmins(ORG, rows), expected));
  }
});

test('safety.minAdmins refuses a plan that leaves too few administrators, or touches anyone when there are already too few', async (t) => {
  const cases: Array<[string, PlanRow[], number, { ok: true } | { ok: false; count: number; limit: number }]> = [
    ['ordinary plan, 3 admins, floor 2', [row('alice', unseat)], 2, { ok: true }],
    ['ordinary plan, 3 admins, floor 3', [row('alice', unseat)], 3, { ok: true }],
    ['ordinary plan, 3 admins, floor 4: too few already', [row('alice', unseat)], 4, { ok: false, count: 3, limit: 4 }],
    ['empty plan, 3 admins, floor 4: touches nobody', [], 4, { ok: true }],
    ['row without steps touches nobody', [row('alice')], 4, { ok: true }],
    ['one admin removed, leaves exactly the floor', [row('boss', unadmin)], 2, { ok: true }],
    ['two admins removed, leaves 1 < 2', [row('boss', unadmin), row('nested', { kind: 'disable' })], 2, { ok: false, count: 1, limit: 2 }],
    ['floor 0 allows anything', [row('boss', unadmin), row('root', { kind: 'disable' }), row('nested', { kind: 'disable' })], 0, { ok: true }],
  ];
  for (const [name, rows, minAdmins, expected] of cases) {
    await t.test(name, () => {
      const verdict = checkAdminFloor(ORG, rows, minAdmins);
      if (expected.ok) {
        assert.deepStrictEqual(verdict, { ok: true });
        return;
      }
      assert.equal(verdict.ok, false);
      if (verdict.ok) return;
      assert.deepStrictEqual({ guard: verdict.guard, count: verdict.count, limit: verdict.limit }, { guard: 'safety.minAdmins', count: expected.count, limit: expected.limit });
    });
  }

  await t.test('messages say why', () => {
    const tooFew = checkAdminFloor(ORG, [row('alice', unseat)], 4);
    assert.equal(
      tooFew.ok ? '' : tooFew.message,
      'instance wiki has 3 active administrators (scan scan_test), fewer than safety.minAdmins = 4; no plan may change anyone ' +
        'until it has 4, so that someone is left to notice and undo a wrong change. Restore administrators in Confluence and scan again, ' +
        'or lower safety.minAdmins.',
    );
    const drop = checkAdminFloor(ORG, [row('boss', unadmin), row('nested', { kind: 'disable' })], 2);
    assert.equal(
      drop.ok ? '' : drop.message,
      'the plan would leave 1 active administrator of 3 (boss, nested would lose administration); safety.minAdmins requires 2. ' +
        'Exclude them from the policy.',
    );
  });
});

test('property: with no plan, the count is exactly the licence model\'s active administrators (nesting and cycles included)', () => {
  const groups = ['g0', 'g1', 'g2', 'g3', 'g4', 'g5'];
  const names = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'];
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom(...groups), fc.constantFrom(...groups)), { maxLength: 8 }),
      fc.array(fc.tuple(fc.constantFrom(...groups), fc.constantFrom(...names)), { maxLength: 20 }),
      fc.subarray(groups),
      fc.subarray(names),
      fc.array(fc.constantFrom<'active' | 'disabled' | 'unknown'>('active', 'disabled', 'unknown'), { minLength: names.length, maxLength: names.length }),
      (nesting, pairs, adminGroups, adminUsers, statuses) => {
        const memberships: Record<string, string[]> = {};
        for (const [group, name] of pairs) memberships[group] = [...(memberships[group] ?? []), name];
        const snap = snapshot({
          users: names.map((name, i) => user(name, { status: statuses[i] ?? 'active' })),
          memberships,
          nesting,
          grants: { adminGroups, adminUsers },
        });
        const model = buildLicenceModel(snap);
        const expected = snap.users.filter((u) => u.status === 'active' && model.seatOf(u).admin).length;
        return countActiveAdmins(snap, []).before === expected;
      },
    ),
    { numRuns: 2000 },
  );
});
