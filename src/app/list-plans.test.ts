// The seats a plan frees are the planner's judgement, row by row: a leaver who holds no seat frees none, a user who
// keeps one through a group the policy does not remove frees none, and only a held seat the steps end counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePolicies } from '../domain/planner.ts';
import type { InactiveUsersPolicy, OrgStatus } from '../domain/policy.ts';
import { planSeats, rowFreesSeat, runSeats } from './list-plans.ts';
import { NOW, daysAgo, snapshot, user } from '../../test/support/snapshot-builder.ts';

const stale = { lastLogin: daysAgo(400) };
const ORG = snapshot({
  users: [user('seated', stale), user('twice', stale), user('unseated', stale)],
  memberships: { 'confluence-users': ['seated', 'twice'], 'wiki-access': ['twice'], newsletter: ['unseated'] },
  grants: { useGroups: ['confluence-users', 'wiki-access'] },
});

function leavers(removeGroups: InactiveUsersPolicy['actions']['removeGroups'], deactivate: boolean): InactiveUsersPolicy {
  return {
    id: 'leavers',
    instance: 'wiki',
    select: { inactiveDays: null, neverLoggedInDays: null, directories: [], group: null, orgStatus: { statuses: ['not-found'], via: 'hr' } },
    exclude: { users: [], groups: [] },
    actions: { removeGroups, addGroups: [], deactivate, rename: null },
  };
}

test('seats freed: only rows whose steps end a seat the user holds', () => {
  const statuses = new Map([['hr', new Map<string, OrgStatus>([['seated', 'not-found'], ['twice', 'not-found'], ['unseated', 'not-found']])]]);
  const byGroups = evaluatePolicies({ snapshot: ORG, policies: [leavers(['confluence-users', 'newsletter'], false)], protection: { users: [], groups: [] }, now: NOW, orgStatuses: statuses });
  const freed = (plan: typeof byGroups) => Object.fromEntries(plan.rows.map((row) => [row.username, rowFreesSeat(plan, row)]));
  // twice keeps wiki-access; unseated loses a group that grants nothing.
  assert.deepEqual(freed(byGroups), { seated: true, twice: false, unseated: false });
  assert.deepEqual(planSeats(byGroups, 100), { used: 2, max: 100, freed: 1, after: 1 });
  // Deactivating a leaver who holds no seat frees none: the plan does not promise a seat it cannot give.
  const byDeactivation = evaluatePolicies({ snapshot: ORG, policies: [leavers('none', true)], protection: { users: [], groups: [] }, now: NOW, orgStatuses: statuses });
  assert.deepEqual(freed(byDeactivation), { seated: true, twice: true, unseated: false });
  assert.deepEqual(planSeats(byDeactivation, 100), { used: 2, max: 100, freed: 2, after: 0 });
});

test('seats per application: counted where the instance has several', () => {
  const app = (key: string, name: string, groups: string[]) => ({ key, name, groups, users: [], defaultGroups: [], seatsUsed: null, seatsMax: null, unlimited: false });
  const jira = snapshot({
    users: [user('agent', stale), user('dev', stale), user('fresh')],
    memberships: { 'jira-servicedesk-users': ['agent', 'fresh'], 'jira-software-users': ['agent', 'dev', 'fresh'] },
    applications: [app('jira-servicedesk', 'Jira Service Management', ['jira-servicedesk-users']), app('jira-software', 'Jira Software', ['jira-software-users'])],
  });
  const policy: InactiveUsersPolicy = {
    id: 'agents',
    instance: 'wiki',
    application: 'jira-servicedesk',
    select: { inactiveDays: 90, neverLoggedInDays: null, directories: [], group: null },
    exclude: { users: [], groups: [] },
    actions: { removeGroups: 'license', addGroups: [], deactivate: false, rename: null },
  };
  const plan = evaluatePolicies({ snapshot: jira, policies: [policy], protection: { users: [], groups: [] }, now: NOW });
  const seats = planSeats(plan, null);
  assert.deepEqual(seats.applications, [
    { key: 'jira-servicedesk', name: 'Jira Service Management', used: 2, freed: 1, after: 1 },
    { key: 'jira-software', name: 'Jira Software', used: 3, freed: 0, after: 3 },
  ]);
  // A run that carried nothing out frees nothing of either.
  assert.deepEqual(runSeats(plan, null, []).applications?.map((a) => a.after), [2, 3]);
  // One application (Confluence): no per-application lines, the seat line says it all.
  const single = evaluatePolicies({ snapshot: ORG, policies: [{ ...policy, application: null }], protection: { users: [], groups: [] }, now: NOW });
  assert.equal(planSeats(single, 100).applications, undefined);
});
