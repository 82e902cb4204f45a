// Confluence compares user, group and directory names without regard to case, so a plan must too: every protection,
// exclusion, scope and group rule is tried here with a spelling the config and the instance do not share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePolicies } from './planner.ts';
import type { InactiveUsersPolicy, Protection } from './policy.ts';
import { checkAdminFloor } from './admin-floor-guard.ts';
import { buildLicenceModel } from './licence-model.ts';
import { applyStep, isAlreadyDone } from './action-step.ts';
import { NOW, daysAgo, snapshot, user } from '../../test/support/snapshot-builder.ts';

function policy(overrides: { select?: Partial<InactiveUsersPolicy['select']>; exclude?: Partial<InactiveUsersPolicy['exclude']>; actions?: Partial<InactiveUsersPolicy['actions']> } = {}): InactiveUsersPolicy {
  return {
    id: 'inactive-users',
    instance: 'wiki',
    select: { inactiveDays: 90, neverLoggedInDays: null, directories: [], group: null, ...overrides.select },
    exclude: { users: [], groups: [], ...overrides.exclude },
    actions: { removeGroups: 'license', addGroups: [], deactivate: false, rename: null, ...overrides.actions },
  };
}

const stale = { lastLogin: daysAgo(400) };
const ORG = snapshot({
  users: [user('break-glass', stale), user('ops', stale), user('carol', stale), user('dave', stale), user('svc-seatkeeper', stale), user('erin', stale)],
  memberships: {
    'confluence-users': ['break-glass', 'ops', 'carol', 'dave', 'svc-seatkeeper', 'erin'],
    'On-Call': ['ops'],
    contractors: ['dave'],
  },
  connectedAs: 'SVC-Seatkeeper',
});
const none: Protection = { users: [], groups: [] };

function planned(p: InactiveUsersPolicy, protection: Protection = none): string[] {
  return evaluatePolicies({ snapshot: ORG, policies: [p], protection, now: NOW }).rows.map((r) => r.username);
}

test('break-glass users and groups protect whatever the spelling in the config or the instance', () => {
  assert.deepEqual(planned(policy()), ['break-glass', 'carol', 'dave', 'erin', 'ops']);
  assert.deepEqual(planned(policy(), { users: ['Break-Glass'], groups: ['on-call'] }), ['carol', 'dave', 'erin']);
});

test('the connected account is never planned, whatever case the instance reports it in', () => {
  assert.equal(planned(policy()).includes('svc-seatkeeper'), false);
});

test('exclusions, group scope and removeGroups match any spelling', () => {
  assert.deepEqual(planned(policy({ exclude: { users: ['CAROL'], groups: ['Contractors'] } })), ['break-glass', 'erin', 'ops']);
  assert.deepEqual(planned(policy({ select: { group: 'CONTRACTORS' } })), ['dave']);
  const rows = evaluatePolicies({ snapshot: ORG, policies: [policy({ actions: { removeGroups: ['Confluence-Users'], addGroups: ['Contractors'] } })], protection: none, now: NOW }).rows;
  const dave = rows.find((r) => r.username === 'dave');
  // Already in contractors (spelled otherwise): no add step; the licence group is removed as the instance spells it.
  assert.deepEqual(dave?.steps, [{ kind: 'remove-group', group: 'confluence-users' }]);
});

test('a grant or a nesting spelled differently from the memberships still counts for seats and administration', () => {
  const org = snapshot({
    users: [user('ann', stale), user('bob', stale), user('root', stale), user('root2', stale)],
    memberships: { 'confluence-users': ['ann'], Engineering: ['bob'], 'Confluence-Administrators': ['root', 'root2'] },
    nesting: [['Confluence-Users', 'engineering']],
    grants: { useGroups: ['CONFLUENCE-USERS'], adminGroups: ['confluence-administrators'] },
  });
  const model = buildLicenceModel(org);
  assert.equal(model.licensedCount, 2, 'ann directly, bob through the nesting');
  assert.equal(model.grantsUse('ENGINEERING'), true);
  assert.equal(model.seatOf(org.users[2] ?? user('x')).admin, true);
  // Both administrators would lose administration: the floor guard sees them despite the spelling.
  const rows = ['root', 'root2'].map((username) => ({
    username,
    userKey: `key-${username}`,
    displayName: username,
    directory: null,
    policy: 'p',
    reason: { rule: 'inactive' as const, text: '', lastLogin: null, referenceDate: null, days: 400, thresholdDays: 90 },
    steps: [{ kind: 'remove-group' as const, group: 'confluence-administrators' }],
    notes: [],
  }));
  const verdict = checkAdminFloor(org, rows, 1);
  assert.equal(verdict.ok, false);
});

test('a step on a group spelled otherwise than Confluence spells it is judged by the name, not the spelling', () => {
  const state = { username: 'ann', status: 'active' as const, displayName: 'Ann', groups: ['confluence-inactive-users'], useGrant: false, otherPermissions: [] };
  // The config's tracking group, as an undo would take it out again: not "already done" while the user is in it.
  assert.equal(isAlreadyDone({ kind: 'remove-group', group: 'Confluence-Inactive-Users' }, state), false);
  assert.equal(isAlreadyDone({ kind: 'add-group', group: 'Confluence-Inactive-Users' }, state), true);
  assert.deepEqual(applyStep({ kind: 'remove-group', group: 'Confluence-Inactive-Users' }, state).groups, []);
});
