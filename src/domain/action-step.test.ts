// Steps against a user's state: the per-application grants, their legacy spellings in stored plans and journals, rename.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStep, currentStep, describeStep, inverseOf, isAlreadyDone } from './action-step.ts';
import type { ActionStep } from './plan.ts';
import type { UserState } from './journal.ts';

const OLD: UserState = { username: 'bob', status: 'active', displayName: 'Bob', groups: [], useGrant: true, otherPermissions: ['space/create'] };
const NEW: UserState = { ...OLD, useGrant: true, directApplications: ['jira-servicedesk', 'jira-software'], otherPermissions: [] };

test('a stored revoke-use-grant / grant-use is the individual grant of confluence, read, applied and undone as such', () => {
  const revoke: ActionStep = { kind: 'revoke-use-grant' };
  assert.deepEqual(currentStep(revoke), { kind: 'revoke-application', application: 'confluence' });
  assert.deepEqual(currentStep({ kind: 'grant-use', restore: ['space/create'] }), { kind: 'grant-application', application: 'confluence', restore: ['space/create'] });
  // A journal entry of the time says only useGrant: that is confluence.
  assert.equal(isAlreadyDone(revoke, OLD), false);
  const after = applyStep(revoke, OLD);
  assert.deepEqual([after.useGrant, after.directApplications, after.otherPermissions], [false, [], []]);
  assert.equal(isAlreadyDone(revoke, after), true);
  assert.deepEqual(inverseOf(revoke, OLD), { kind: 'grant-application', application: 'confluence', restore: ['space/create'] });
  assert.equal(describeStep(revoke), 'revoke individual "can use"');
});

test('revoke-application takes one application away and leaves the others', () => {
  const revoke: ActionStep = { kind: 'revoke-application', application: 'jira-servicedesk' };
  const after = applyStep(revoke, NEW);
  assert.deepEqual([after.useGrant, after.directApplications], [true, ['jira-software']]);
  assert.equal(isAlreadyDone(revoke, after), true);
  assert.equal(isAlreadyDone({ kind: 'revoke-application', application: 'jira-software' }, after), false);
  assert.deepEqual(inverseOf(revoke, NEW), { kind: 'grant-application', application: 'jira-servicedesk' });
  assert.equal(describeStep(revoke), 'revoke individual jira-servicedesk');
});

test('rename: done when the name is exactly the target; undone to the name before', () => {
  const rename: ActionStep = { kind: 'rename', to: 'bob_inactive_20261126' };
  assert.equal(isAlreadyDone(rename, OLD), false);
  const after = applyStep(rename, OLD);
  assert.equal(after.username, 'bob_inactive_20261126');
  assert.equal(isAlreadyDone(rename, after), true);
  // A change of case only is still a change of the username.
  assert.equal(isAlreadyDone(rename, { ...OLD, username: 'BOB_inactive_20261126' }), false);
  assert.deepEqual(inverseOf(rename, OLD), { kind: 'rename', to: 'bob' });
  assert.equal(describeStep(rename), 'rename to "bob_inactive_20261126"');
});
