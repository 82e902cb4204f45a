// Lifecycle records joined to a snapshot's users: by account id first, by username for records kept without one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lifecycleOfAccounts } from './lifecycle-accounts.ts';
import type { AccountLifecycleRecord } from './store/lifecycle-repository-port.ts';

const at = new Date('2026-03-01T03:00:00.000Z');
const record = (username: string, userKey: string | null, policy = 'staged'): AccountLifecycleRecord => ({ policy, username, userKey, stage: 'noticed', enteredAt: at, lastLoginAtEntry: null });
const plain = (username: string, policy = 'staged') => ({ policy, username, stage: 'noticed', enteredAt: at, lastLoginAtEntry: null });

test('a keyed record takes the name its account has now, and a record of an account not listed is left out', () => {
  const users = [{ username: 'ann.smith', userKey: 'k-ann' }, { username: 'bea', userKey: 'k-new' }, { username: 'cid', userKey: 'k-cid' }];
  assert.deepStrictEqual(
    lifecycleOfAccounts([record('ann', 'k-ann'), record('bea', 'k-bea'), record('cid', null), record('dot', null)], users),
    [plain('cid'), plain('dot'), plain('ann.smith')],
  );
});

test('a keyed record speaks for its user over a keyless one under any spelling of the name, per policy', () => {
  const users = [{ username: 'Ann', userKey: 'k-ann' }];
  assert.deepStrictEqual(
    lifecycleOfAccounts([record('ann', null), record('Ann', 'k-ann'), record('ann', null, 'other')], users),
    [plain('ann', 'other'), plain('Ann')],
  );
});
