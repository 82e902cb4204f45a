import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePolicies } from './planner.ts';
import type { InactiveUsersPolicy } from './policy.ts';
import { InvalidInput } from './errors.ts';
import { verifyPlanHash } from './plan-hash.ts';
import { NOW, daysAgo, snapshot, user } from '../../test/support/snapshot-builder.ts';

function policy(overrides: {
  select?: Partial<InactiveUsersPolicy['select']>;
  exclude?: Partial<InactiveUsersPolicy['exclude']>;
  actions?: Partial<InactiveUsersPolicy['actions']>;
  id?: string;
} = {}): InactiveUsersPolicy {
  return {
    id: overrides.id ?? 'inactive-users',
    instance: 'wiki',
    select: { inactiveDays: 90, neverLoggedInDays: 30, directories: [], group: null, ...overrides.select },
    exclude: { users: [], groups: [], ...overrides.exclude },
    actions: { removeGroups: 'license', addGroups: ['confluence-inactive-users'], deactivate: false, rename: null, ...overrides.actions },
  };
}

const ORG = snapshot({
  users: [
    user('active', { lastLogin: daysAgo(10) }),
    user('stale', { lastLogin: daysAgo(269) }),
    user('edge', { lastLogin: daysAgo(90) }),
    user('nested', { lastLogin: daysAgo(200) }),
    user('granted', { lastLogin: daysAgo(300) }),
    user('never', { lastLogin: null, createdAt: daysAgo(45) }),
    user('newbie', { lastLogin: null, createdAt: daysAgo(5) }),
    user('seen', { lastLogin: null, createdAt: null, firstSeen: daysAgo(60) }),
    user('blind', { lastLogin: null, loginKnown: false, createdAt: daysAgo(900) }),
    user('boss', { lastLogin: daysAgo(500) }),
    user('admin', { lastLogin: daysAgo(500) }),
    user('gone', { lastLogin: daysAgo(500), status: 'disabled' }),
    user('odd', { lastLogin: daysAgo(500), status: 'unknown' }),
    user('unseated', { lastLogin: daysAgo(500) }),
    user('ldap', { lastLogin: daysAgo(400), directory: 'Corporate LDAP' }),
    user('svc-backup', { lastLogin: daysAgo(400) }),
    user('contractor', { lastLogin: daysAgo(400) }),
  ],
  memberships: {
    'confluence-users': ['active', 'stale', 'edge', 'never', 'newbie', 'seen', 'blind', 'gone', 'odd', 'ldap', 'svc-backup', 'contractor', 'admin'],
    engineering: ['nested'],
    newsletter: ['stale', 'granted', 'unseated'],
    'confluence-administrators': ['boss'],
    contractors: ['contractor'],
    'confluence-inactive-users': [],
  },
  groups: ['confluence-inactive-users'],
  nesting: [['confluence-users', 'engineering']],
  grants: { useUsers: ['granted'] },
});

test('inactive-users policy: exact plan rows, reasons and steps', () => {
  const plan = evaluatePolicies({
    snapshot: ORG,
    policies: [policy({ exclude: { users: ['svc-backup'], groups: ['contractors'] } })],
    protection: { users: [], groups: [] },
    now: NOW,
  });
  const rows = plan.rows.map((r) => [r.username, r.reason.text, r.steps, r.notes]);
  const tracking = { kind: 'add-group', group: 'confluence-inactive-users' };
  assert.deepEqual(rows, [
    ['granted', 'last login 2026-01-30, 300 days ago > 90', [{ kind: 'revoke-application', application: 'confluence' }, tracking], []],
    ['ldap', 'last login 2025-10-22, 400 days ago > 90', [{ kind: 'remove-group', group: 'confluence-users' }, tracking], []],
    ['nested', 'last login 2026-05-10, 200 days ago > 90', [{ kind: 'remove-group', group: 'engineering' }, tracking], []],
    ['never', 'never logged in, created 2026-10-12, 45 days ago > 30', [{ kind: 'remove-group', group: 'confluence-users' }, tracking], []],
    ['seen', 'never logged in, first seen by Seatkeeper 2026-09-27, 60 days ago > 30', [{ kind: 'remove-group', group: 'confluence-users' }, tracking], []],
    ['stale', 'last login 2026-03-02, 269 days ago > 90', [{ kind: 'remove-group', group: 'confluence-users' }, tracking], []],
  ]);
  assert.deepEqual(plan.summaries, [
    {
      policy: 'inactive-users',
      selected: 6,
      byRule: { inactive: 4, neverLoggedIn: 2 },
      skipped: {
        'protected-admin': 1,
        'protected-connector-account': 1,
        'excluded-user': 1,
        'excluded-group': 1,
        'excluded-directory': 0,
        'out-of-scope': 0,
        'no-seat': 2,
        'unknown-status': 1,
        'already-selected': 0,
        'seat-in-read-only-group': 0,
      },
      notYetDue: { neverLoggedIn: 1 },
    },
  ]);
  assert.equal(plan.licensedUsers, 13);
  assert.equal(verifyPlanHash(plan), true);
});

test('scope, removal modes and deactivation, table-driven', async (t) => {
  const cases: Array<{ name: string; policy: InactiveUsersPolicy; expected: Array<[string, unknown[], string[]]> }> = [
    {
      name: 'directories scope',
      policy: policy({ select: { directories: ['Corporate LDAP'] }, actions: { addGroups: [] } }),
      expected: [['ldap', [{ kind: 'remove-group', group: 'confluence-users' }], []]],
    },
    {
      name: 'processing group (nested membership counts)',
      policy: policy({ select: { group: 'engineering' }, actions: { addGroups: [] } }),
      expected: [['nested', [{ kind: 'remove-group', group: 'engineering' }], []]],
    },
    {
      name: 'remove all groups',
      policy: policy({ select: { inactiveDays: 250, neverLoggedInDays: null }, actions: { removeGroups: 'all', addGroups: [] }, exclude: { users: ['svc-backup', 'contractor', 'ldap'] } }),
      expected: [
        ['granted', [{ kind: 'remove-group', group: 'newsletter' }, { kind: 'revoke-application', application: 'confluence' }], []],
        ['stale', [{ kind: 'remove-group', group: 'confluence-users' }, { kind: 'remove-group', group: 'newsletter' }], []],
      ],
    },
    {
      name: 'named groups that leave the seat are called out',
      policy: policy({ select: { inactiveDays: 250, neverLoggedInDays: null }, actions: { removeGroups: ['newsletter'], addGroups: [] }, exclude: { users: ['svc-backup', 'contractor', 'ldap'] } }),
      expected: [
        ['granted', [{ kind: 'remove-group', group: 'newsletter' }], ['keeps a seat through an individual grant: removeGroups does not cover it']],
        ['stale', [{ kind: 'remove-group', group: 'newsletter' }], ['keeps a seat through confluence-users: removeGroups does not cover it']],
      ],
    },
    {
      name: 'deactivate; a read-only directory gets group removal with a stated reason',
      policy: policy({ select: { inactiveDays: 350, neverLoggedInDays: null }, actions: { removeGroups: 'none', addGroups: [], deactivate: true }, exclude: { users: ['svc-backup'] } }),
      expected: [
        ['contractor', [{ kind: 'disable' }], []],
        ['ldap', [{ kind: 'remove-group', group: 'confluence-users' }], ['directory "Corporate LDAP" is read-only: deactivation replaced by removal of licence groups']],
      ],
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const plan = evaluatePolicies({ snapshot: ORG, policies: [c.policy], protection: { users: [], groups: [] }, now: NOW });
      assert.deepEqual(plan.rows.map((r) => [r.username, r.steps, r.notes]), c.expected);
    });
  }
});

test('configured protection and earlier policies take users first', () => {
  const plan = evaluatePolicies({
    snapshot: ORG,
    policies: [
      policy({ id: 'first', select: { neverLoggedInDays: null }, exclude: { users: ['svc-backup', 'contractor'] } }),
      policy({ id: 'second', select: { inactiveDays: 30 }, actions: { addGroups: [] } }),
    ],
    protection: { users: ['stale'], groups: ['engineering'] },
    now: NOW,
  });
  assert.deepEqual(plan.rows.map((r) => `${r.policy}:${r.username}`), ['first:granted', 'first:ldap', 'second:contractor', 'second:edge', 'second:never', 'second:seen', 'second:svc-backup']);
  assert.equal(plan.summaries[1]!.skipped['already-selected'], 2);
  assert.equal(plan.summaries[1]!.skipped['protected-admin'], 3);
});

test('a policy whose added group grants a seat, or that names unknown groups, is refused with every problem', () => {
  assert.throws(
    () =>
      evaluatePolicies({
        snapshot: ORG,
        policies: [policy({ select: { group: 'no-such-group' }, actions: { addGroups: ['engineering', 'ghosts'] } })],
        protection: { users: [], groups: [] },
        now: NOW,
      }),
    (error: unknown) =>
      error instanceof InvalidInput &&
      error.problems.length === 3 &&
      error.problems[0] === 'policies.inactive-users.actions.addGroups: group "engineering" grants "can use", so the user would keep a seat',
  );
});

test('the plan hash is stable for the same input and changes with the content', () => {
  const make = (days: number) =>
    evaluatePolicies({ snapshot: ORG, policies: [policy({ select: { inactiveDays: days } })], protection: { users: [], groups: [] }, now: NOW });
  assert.equal(make(90).hash, make(90).hash);
  assert.notEqual(make(90).hash, make(91).hash);
  const tampered = { ...make(90), rows: make(90).rows.slice(1) };
  assert.equal(verifyPlanHash(tampered), false);
});

test('a seat held through a read-only directory group is not half-handled; read-only groups are never removed', () => {
  const org = snapshot({
    users: [
      user('ldap-seat', { lastLogin: daysAgo(400), directory: 'Corporate LDAP' }),
      user('both', { lastLogin: daysAgo(400), directory: 'Corporate LDAP' }),
      user('local', { lastLogin: daysAgo(400), directory: 'Corporate LDAP' }),
    ],
    memberships: { 'wiki-access': ['ldap-seat'], 'confluence-users': ['both', 'local'], 'all-employees': ['both', 'local', 'ldap-seat'] },
    grants: { useGroups: ['confluence-users', 'wiki-access'] },
    groups: ['confluence-inactive-users'],
    readOnlyGroups: ['all-employees', 'wiki-access'],
  });
  const plan = evaluatePolicies({
    snapshot: org,
    policies: [policy({ select: { neverLoggedInDays: null }, actions: { removeGroups: 'all' } })],
    protection: { users: [], groups: [] },
    now: NOW,
  });
  assert.deepEqual(plan.rows.map((r) => [r.username, r.steps, r.notes]), [
    ['both', [{ kind: 'remove-group', group: 'confluence-users' }, { kind: 'add-group', group: 'confluence-inactive-users' }], ['all-employees cannot be changed through Confluence (read-only): change it in its directory']],
    ['local', [{ kind: 'remove-group', group: 'confluence-users' }, { kind: 'add-group', group: 'confluence-inactive-users' }], ['all-employees cannot be changed through Confluence (read-only): change it in its directory']],
  ]);
  assert.equal(plan.summaries[0]!.skipped['seat-in-read-only-group'], 1);
});

test('a directories scope over REST (no directory facts) is refused with what to set', () => {
  const rest = { ...ORG, directories: [] };
  assert.throws(
    () => evaluatePolicies({ snapshot: rest, policies: [policy({ select: { directories: ['Corporate LDAP'] } })], protection: { users: [], groups: [] }, now: NOW }),
    (error: unknown) => error instanceof InvalidInput && /needs each user.s directory, which Confluence.s REST API does not give; set lastLogin: database/.test(error.problems.join()),
  );
});

test('e-mail domains scope, directory exclusion and the rename note, table-driven', async (t) => {
  const org = snapshot({
    users: [
      user('acq1', { lastLogin: daysAgo(400), email: 'acq1@Acquired.example' }),
      user('home1', { lastLogin: daysAgo(400), email: 'home1@example.com' }),
      user('ldap1', { lastLogin: daysAgo(400), email: 'ldap1@acquired.example', directory: 'Corporate LDAP' }),
      user('home1_inactive_20261126', { lastLogin: daysAgo(1) }),
    ],
    memberships: { 'confluence-users': ['acq1', 'home1', 'ldap1', 'home1_inactive_20261126'] },
  });
  const cases: Array<{ name: string; policy: InactiveUsersPolicy; expected: Array<[string, string[]]> }> = [
    {
      name: 'only the acquired domain (case-insensitive)',
      policy: policy({ select: { emailDomains: ['acquired.example'] }, actions: { addGroups: [] } }),
      expected: [['acq1', []], ['ldap1', []]],
    },
    {
      name: 'excluding a directory',
      policy: policy({ exclude: { directories: ['Corporate LDAP'] }, actions: { addGroups: [] } }),
      expected: [['acq1', []], ['home1', []]],
    },
    {
      name: 'rename shows the name, collisions and that Confluence DC cannot do it',
      policy: policy({ select: { emailDomains: ['example.com'] }, actions: { addGroups: [], rename: '{username}_inactive_{yyyyMMdd}' } }),
      expected: [
        ['home1', ['rename to "home1_inactive_20261126" (and that name is not usable: it is taken by another user) not possible: Confluence\'s API cannot rename users; the username stays']],
      ],
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const plan = evaluatePolicies({ snapshot: org, policies: [c.policy], protection: { users: [], groups: [] }, now: NOW });
      assert.deepEqual(plan.rows.map((r) => [r.username, r.notes]), c.expected);
    });
  }
});

test('leavers: selected by what the directory says, with or without a seat; protected users never', () => {
  const org = snapshot({
    users: [
      user('gone', { lastLogin: daysAgo(2) }),
      user('off', { lastLogin: daysAgo(2) }),
      user('seatless', { lastLogin: daysAgo(2) }),
      user('employed', { lastLogin: daysAgo(500) }),
      user('boss', { lastLogin: daysAgo(2) }),
    ],
    memberships: { 'confluence-users': ['gone', 'off', 'employed'], newsletter: ['seatless'], 'confluence-administrators': ['boss'] },
    groups: ['confluence-inactive-users'],
  });
  const leavers = policy({
    id: 'leavers',
    select: { inactiveDays: null, neverLoggedInDays: null, orgStatus: { statuses: ['not-found', 'disabled'], via: 'hr' } },
    actions: { removeGroups: 'all', deactivate: true },
  });
  const statuses = new Map([['hr', new Map<string, 'active' | 'disabled' | 'not-found'>([['off', 'disabled'], ['employed', 'active']])]]);
  const plan = evaluatePolicies({ snapshot: org, policies: [leavers], protection: { users: [], groups: [] }, now: NOW, orgStatuses: statuses });
  const tracking = { kind: 'add-group', group: 'confluence-inactive-users' };
  assert.deepEqual(plan.rows.map((r) => [r.username, r.reason.text, r.steps]), [
    ['gone', 'not found in directory hr', [{ kind: 'remove-group', group: 'confluence-users' }, tracking, { kind: 'disable' }]],
    ['off', 'disabled in directory hr', [{ kind: 'remove-group', group: 'confluence-users' }, tracking, { kind: 'disable' }]],
    ['seatless', 'not found in directory hr', [{ kind: 'remove-group', group: 'newsletter' }, tracking, { kind: 'disable' }]],
  ]);
  assert.equal(plan.summaries[0]!.byRule.orgStatus, 3);
  assert.equal(plan.summaries[0]!.skipped['protected-admin'], 1);
  assert.throws(() => evaluatePolicies({ snapshot: org, policies: [leavers], protection: { users: [], groups: [] }, now: NOW }), /directory hr was not read/);
});

test('leavers: the groups a policy adds are never removed by it, whatever their case, so a second run changes nothing', () => {
  const org = snapshot({
    users: [
      user('tracked', { lastLogin: daysAgo(2), status: 'disabled' }),
      user('shouty', { lastLogin: daysAgo(2) }),
      user('fresh', { lastLogin: daysAgo(2) }),
    ],
    memberships: {
      'confluence-users': ['shouty', 'fresh'],
      'confluence-inactive-users': ['tracked'],
      'Confluence-Inactive-Users': ['shouty'],
    },
    groups: ['confluence-inactive-users'],
  });
  const leavers = policy({
    id: 'leavers',
    select: { inactiveDays: null, neverLoggedInDays: null, orgStatus: { statuses: ['not-found'], via: 'hr' } },
    actions: { removeGroups: 'all', deactivate: true },
  });
  const statuses = new Map([['hr', new Map<string, 'active' | 'disabled' | 'not-found'>()]]);
  const plan = evaluatePolicies({ snapshot: org, policies: [leavers], protection: { users: [], groups: [] }, now: NOW, orgStatuses: statuses });
  // tracked: already deactivated and only in the tracking group, so nothing to do; shouty: in it under another case.
  assert.deepEqual(plan.rows.map((r) => [r.username, r.steps]), [
    ['fresh', [{ kind: 'remove-group', group: 'confluence-users' }, { kind: 'add-group', group: 'confluence-inactive-users' }, { kind: 'disable' }]],
    ['shouty', [{ kind: 'remove-group', group: 'confluence-users' }, { kind: 'disable' }]],
  ]);
});

test('only steps the instance can take are planned; what it cannot do is said in its own name', () => {
  const cannot = { ...ORG, capabilities: { ...ORG.capabilities, productName: 'Jira', directGrants: false, disable: false, rename: false } };
  const plan = evaluatePolicies({
    snapshot: cannot,
    policies: [
      policy({
        select: { inactiveDays: 250, neverLoggedInDays: null },
        actions: { removeGroups: 'all', addGroups: [], deactivate: true, rename: '{username}_old' },
        exclude: { users: ['svc-backup', 'contractor', 'ldap', 'boss', 'admin', 'gone', 'odd', 'unseated'] },
      }),
    ],
    protection: { users: [], groups: [] },
    now: NOW,
  });
  const replaced = 'Jira cannot deactivate accounts here: deactivation replaced by removal of licence groups';
  assert.deepEqual(plan.rows.map((r) => [r.username, r.steps, r.notes, r.freesSeat]), [
    [
      'granted',
      [{ kind: 'remove-group', group: 'newsletter' }],
      [replaced, "keeps a seat through an individual grant: not possible to take it back through Jira's API", 'rename to "granted_old" not possible: Jira\'s API cannot rename users; the username stays'],
      false,
    ],
    [
      'stale',
      [{ kind: 'remove-group', group: 'confluence-users' }, { kind: 'remove-group', group: 'newsletter' }],
      [replaced, 'rename to "stale_old" not possible: Jira\'s API cannot rename users; the username stays'],
      true,
    ],
  ]);
  assert.ok(plan.rows.every((r) => r.steps.every((s) => s.kind !== 'disable' && s.kind !== 'revoke-application')));
});
