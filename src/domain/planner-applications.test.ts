// Policies for one application of an instance with several (Jira's roles), and the rename step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePolicies } from './planner.ts';
import type { InactiveUsersPolicy } from './policy.ts';
import type { ApplicationSnapshot } from './snapshot.ts';
import type { InstanceCapabilities } from './instance-capabilities.ts';
import { InvalidInput } from './errors.ts';
import { verifyPlanHash } from './plan-hash.ts';
import { checkPlanLimits, planLimit } from './safety-guard.ts';
import { NOW, daysAgo, snapshot, user } from '../../test/support/snapshot-builder.ts';

const MULTI: InstanceCapabilities = {
  productName: 'Tracker',
  lastLogin: 'database',
  memberLists: 'direct',
  directGrants: false,
  revokeTakesOtherPermissions: false,
  disable: true,
  rename: true,
  updateDisplayName: true,
  updateEmail: true,
};

function app(key: string, name: string, groups: string[], users: string[] = []): ApplicationSnapshot {
  return { key, name, groups, users, defaultGroups: groups.slice(0, 1), seatsUsed: null, seatsMax: null, unlimited: false };
}

const APPS = [app('jira-servicedesk', 'Jira Service Management', ['jira-servicedesk-users']), app('jira-software', 'Jira Software', ['jira-software-users'])];

function policy(overrides: Partial<Omit<InactiveUsersPolicy, 'actions'>> & { actions?: Partial<InactiveUsersPolicy['actions']> } = {}): InactiveUsersPolicy {
  return {
    id: 'inactive-agents',
    instance: 'wiki',
    select: { inactiveDays: 90, neverLoggedInDays: null, directories: [], group: null },
    exclude: { users: [], groups: [] },
    ...overrides,
    actions: { removeGroups: 'license', addGroups: [], deactivate: false, rename: null, ...overrides.actions },
  };
}

const stale = { lastLogin: daysAgo(200) };
const ORG = snapshot({
  users: [user('agent', stale), user('dev', stale), user('shared', stale), user('fresh'), user('Agent_inactive_20261126', stale)],
  memberships: {
    'jira-servicedesk-users': ['agent', 'fresh'],
    'jira-software-users': ['agent', 'dev', 'fresh'],
    'support-team': ['shared'],
  },
  nesting: [
    ['jira-servicedesk-users', 'support-team'],
    ['jira-software-users', 'support-team'],
  ],
  applications: APPS,
  capabilities: MULTI,
});

const plan = (policies: InactiveUsersPolicy[], snap = ORG) => evaluatePolicies({ snapshot: snap, policies, protection: { users: [], groups: [] }, now: NOW });

test('a policy for one application frees that seat only: the membership granting it goes, the other application stays', () => {
  const result = plan([policy({ application: 'jira-servicedesk' })]);
  const agent = result.rows.find((r) => r.username === 'agent');
  assert.deepEqual(agent?.steps, [{ kind: 'remove-group', group: 'jira-servicedesk-users' }]);
  assert.deepEqual([agent?.freesSeat, agent?.freesApplications], [true, ['jira-servicedesk']]);
  // dev holds Jira Software only: no seat of the application the policy targets (nor does the unseated account).
  assert.equal(result.rows.some((r) => r.username === 'dev'), false);
  assert.equal(result.summaries[0]?.skipped['no-seat'], 2);
  assert.deepEqual(
    result.applications?.map((a) => [a.key, a.held, a.freed]),
    [['jira-servicedesk', 3, 1], ['jira-software', 4, 0]],
  );
  assert.ok(verifyPlanHash(result));
});

test('a group granting the target and an application the policy keeps: the row is not possible, and says why', () => {
  const result = plan([policy({ application: 'jira-servicedesk', actions: { addGroups: [] } })]);
  const shared = result.rows.find((r) => r.username === 'shared');
  assert.deepEqual(shared?.steps, []);
  assert.equal(shared?.freesSeat, false);
  assert.deepEqual(shared?.notes, [
    'not possible: support-team grants Jira Service Management and also Jira Software, which policy inactive-agents keeps; ' +
      "removing the membership would take Jira Software too. Grant Jira Service Management through a group of its own in Tracker's application access",
  ]);
});

test('without an application the policy frees every application, shared groups included', () => {
  const result = plan([policy()]);
  const byUser = new Map(result.rows.map((r) => [r.username, r.steps]));
  assert.deepEqual(byUser.get('agent'), [
    { kind: 'remove-group', group: 'jira-servicedesk-users' },
    { kind: 'remove-group', group: 'jira-software-users' },
  ]);
  assert.deepEqual(byUser.get('shared'), [{ kind: 'remove-group', group: 'support-team' }]);
  assert.deepEqual(result.rows.find((r) => r.username === 'shared')?.freesApplications, ['jira-servicedesk', 'jira-software']);
});

test('an application the instance does not have: the plan says so, naming the ones it has', () => {
  assert.throws(
    () => plan([policy({ application: 'jira-core' })]),
    (error: unknown) =>
      error instanceof InvalidInput &&
      error.problems.includes('policies.inactive-agents.application: instance wiki has no application "jira-core"; it has jira-servicedesk (Jira Service Management), jira-software (Jira Software)'),
  );
});

test('an individual grant of the target is revoked where the instance has individual grants; the other stays', () => {
  const snap = snapshot({
    users: [user('granted', stale)],
    memberships: {},
    applications: [app('jira-servicedesk', 'Jira Service Management', [], ['granted']), app('jira-software', 'Jira Software', [], ['granted'])],
    capabilities: { ...MULTI, directGrants: true },
  });
  const row = plan([policy({ application: 'jira-software' })], snap).rows[0];
  assert.deepEqual(row?.steps, [{ kind: 'revoke-application', application: 'jira-software' }]);
  assert.deepEqual(row?.freesApplications, ['jira-software']);
});

test('rename: planned last where the instance can rename; a taken name (any case) or an unusable one is a note instead', () => {
  const rename = '{username}_inactive_{yyyyMMdd}';
  const result = plan([policy({ actions: { rename, deactivate: true } })]);
  const byUser = new Map(result.rows.map((r) => [r.username, r]));
  assert.deepEqual(byUser.get('dev')?.steps, [{ kind: 'remove-group', group: 'jira-software-users' }, { kind: 'disable' }, { kind: 'rename', to: 'dev_inactive_20261126' }]);
  assert.deepEqual(byUser.get('dev')?.notes, []);
  // Agent_inactive_20261126 exists: agent's new name would collide, case-insensitively.
  assert.deepEqual(byUser.get('agent')?.steps.map((s) => s.kind), ['remove-group', 'remove-group', 'disable']);
  assert.deepEqual(byUser.get('agent')?.notes, ['rename to "agent_inactive_20261126" not possible: that name is not usable: it is taken by another user; the username stays']);
  const invalid = plan([policy({ actions: { rename: '{username} old' } })]).rows.find((r) => r.username === 'dev');
  assert.equal(invalid?.steps.some((s) => s.kind === 'rename'), false);
  assert.match(invalid?.notes[0] ?? '', /^rename to "dev old" not possible: that name is not usable: /);
});

test('rename where the instance cannot: no step, the note says so from its capabilities', () => {
  const result = plan([policy({ actions: { rename: '{username}_inactive_{yyyyMMdd}' } })], { ...ORG, capabilities: { ...MULTI, rename: false } });
  const dev = result.rows.find((r) => r.username === 'dev');
  assert.deepEqual(dev?.steps, [{ kind: 'remove-group', group: 'jira-software-users' }]);
  assert.deepEqual(dev?.notes, ['rename to "dev_inactive_20261126" not possible: Tracker\'s API cannot rename users; the username stays']);
});

test('safety.maxPercent of a policy for one application counts the holders of that application, not every licensed user', () => {
  const one = plan([policy({ application: 'jira-servicedesk' })]);
  // ORG: 4 licensed users, 3 hold Service Management (agent, fresh, shared through support-team).
  assert.deepEqual([one.licensedUsers, one.limitBase], [4, { application: 'jira-servicedesk', name: 'Jira Service Management', users: 3 }]);
  const limits = { maxActions: 500, maxPercent: 50 };
  // Two rows: 50 % of 4 licensed users would allow both; 50 % of 3 agents allows one.
  const row = one.rows.find((r) => r.username === 'agent');
  assert.ok(row);
  const two = { ...one, rows: [row, { ...row, username: 'fresh' }] };
  assert.equal(checkPlanLimits({ ...two, limitBase: undefined }, limits).ok, true);
  const verdict = checkPlanLimits(two, limits);
  assert.equal(verdict.ok, false);
  assert.match(verdict.ok ? '' : verdict.message, /50 % of 3 users holding Jira Service Management = 1\./);
  assert.equal(planLimit(one, limits).limit, 1);
  assert.equal(planLimit({ licensedUsers: 4 }, { maxActions: 500, maxPercent: 50 }).limit, 2);
});

test('a plan of policies for different applications, or for every application, is limited by every licensed user', () => {
  assert.equal(plan([policy()]).limitBase, undefined);
  const mixed = plan([policy({ application: 'jira-servicedesk' }), policy({ id: 'devs', application: 'jira-software' })]);
  assert.equal(mixed.limitBase, undefined);
  assert.ok(verifyPlanHash(mixed));
});
