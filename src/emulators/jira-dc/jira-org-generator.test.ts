import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateJiraOrganisation, JIRA_LDAP_DIRECTORY } from './jira-org-generator.ts';
import { JiraState } from './jira-state.ts';

const NOW = new Date('2026-01-15T12:00:00Z');

test('the same seed gives the same Jira organisation, another seed a different one', () => {
  const a = generateJiraOrganisation({ seed: 11, users: 500, now: NOW });
  assert.deepEqual(a, generateJiraOrganisation({ seed: 11, users: 500, now: NOW }));
  assert.notDeepEqual(a.users.map((u) => u.username), generateJiraOrganisation({ seed: 12, users: 500, now: NOW }).users.map((u) => u.username));
});

test('shares, keys, seats and nesting are as asked; seats default to a tier that fits', () => {
  const org = generateJiraOrganisation({ seed: 5, users: 4000, now: NOW, neverLoggedInShare: 0.1, inactiveShare: 0.05 });
  const share = (p: (u: (typeof org.users)[number]) => boolean) => org.users.filter(p).length / org.users.length;
  assert.ok(Math.abs(share((u) => u.lastLogin === null) - 0.1) < 0.02);
  assert.ok(Math.abs(share((u) => !u.active) - 0.05) < 0.015);
  assert.ok(Math.abs(share((u) => u.directory === JIRA_LDAP_DIRECTORY) - 0.6) < 0.03);
  assert.equal(new Set(org.users.map((u) => u.key)).size, org.users.length, 'keys are unique');
  assert.ok(org.users.every((u) => /^JIRAUSER\d+$/.test(u.key) || u.key === u.username.toLowerCase()));
  const state = new JiraState(org);
  for (const role of state.applicationRoles()) assert.ok(role.userCount <= role.numberOfSeats && role.userCount > 0, role.key);
  assert.ok(state.flattenedMembersOf('staff').length > state.membersOf('staff').length, 'departments nest in staff');
});

// Speed is the benchmark's to judge, never a test's (the machine is shared): the time is printed, not asserted.
test('100,000 users generate and load into the state (timing printed, not asserted)', () => {
  const started = performance.now();
  const org = generateJiraOrganisation({ seed: 42, users: 100_000, now: NOW });
  const state = new JiraState(org);
  console.log(`generateJiraOrganisation + JiraState: 100,000 users in ${Math.round(performance.now() - started)} ms`);
  assert.equal(state.streamUsers().length, 100_000);
  assert.ok(state.applicationRole('jira-software')!.userCount > 50_000);
});
