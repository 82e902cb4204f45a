// A username can belong to two accounts over time (renamed away, then taken by someone new): undo keeps them apart by
// the user key each journaled change read before it was made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oneAccountPerName } from './undo-run.ts';
import type { SignedJournalEntry } from './store/journal-repository-port.ts';
import { InvalidInput } from '../domain/errors.ts';

let id = 0;
function entry(runId: string, username: string, userKey: string, group: string): SignedJournalEntry {
  id += 1;
  return {
    id,
    runId,
    username,
    seq: id,
    step: { kind: 'remove-group', group },
    outcome: 'done',
    prior: { username, userKey, status: 'active', displayName: username, groups: [group], useGrant: false, otherPermissions: [] },
    error: null,
    at: '2026-12-01T00:00:00.000Z',
    signature: null,
    userKey: userKey === '' ? null : userKey,
  };
}

test('undo of one user refuses when the journal holds changes to two accounts under that name', () => {
  const departed = entry('run_a', 'jdoe', 'K1', 'jira-software-users');
  const newHire = entry('run_b', 'JDoe', 'K2', 'jira-servicedesk-users');
  assert.throws(
    () => oneAccountPerName([departed, newHire], { kind: 'user', username: 'jdoe' }),
    (error: unknown) => error instanceof InvalidInput && /2 accounts that had the name jdoe at different times \(user keys K1, K2\)/.test(error.message),
  );
  // One account's changes, with or without a key recorded, pass as they are.
  const again = entry('run_c', 'jdoe', 'K1', 'staff');
  const unkeyed = { ...entry('run_d', 'jdoe', '', 'other'), prior: null };
  assert.deepEqual(oneAccountPerName([departed, again, unkeyed], { kind: 'user', username: 'jdoe' }).map((e) => e.id), [departed.id, again.id, unkeyed.id]);
});

test('undo of a run leaves out later changes made to another account that took the name', () => {
  const departed = entry('run_a', 'jdoe', 'K1', 'jira-software-users');
  const sameAccountLater = entry('run_b', 'jdoe', 'K1', 'staff');
  const newHire = entry('run_c', 'jdoe', 'K2', 'jira-servicedesk-users');
  const someoneElse = entry('run_c', 'ann', 'K9', 'staff');
  assert.deepEqual(
    oneAccountPerName([departed, sameAccountLater, newHire, someoneElse], { kind: 'run', runId: 'run_a' }).map((e) => e.id),
    [departed.id, sameAccountLater.id, someoneElse.id],
  );
});
