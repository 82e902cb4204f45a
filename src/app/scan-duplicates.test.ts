import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DuplicateUsers } from './scan-instance.ts';

test('a user listed twice, by the same key or the same username in another case, is seen once and named', () => {
  const duplicates = new DuplicateUsers('Confluence');
  const listed = [
    { username: 'alice', accountId: 'k1' },
    { username: 'bob', accountId: 'k2' },
    { username: 'ALICE', accountId: 'k9' }, // same username, other case
    { username: 'robert', accountId: 'k2' }, // same key, renamed
    { username: 'carol', accountId: '' },
    { username: 'Carol', accountId: '' }, // no key: the username decides
    { username: 'dave', accountId: 'k4' },
  ];
  assert.deepEqual(listed.map((u) => duplicates.seen(u)), [false, false, true, true, false, true, false]);
  assert.equal(duplicates.verdict(), 'Confluence listed 3 users twice (e.g. "ALICE", "robert", "Carol"): the listing cannot be trusted; scan again');
});

test('no duplicates, no verdict; names in the verdict are escaped and at most five', () => {
  const clean = new DuplicateUsers('Confluence');
  assert.equal(clean.seen({ username: 'a', accountId: 'k' }), false);
  assert.equal(clean.verdict(), null);
  const many = new DuplicateUsers('Confluence');
  for (let i = 0; i < 8; i += 1) {
    many.seen({ username: `u${i}\u001b`, accountId: `k${i}` });
    many.seen({ username: `u${i}\u001b`, accountId: `k${i}` });
  }
  const verdict = many.verdict() ?? '';
  assert.match(verdict, /^Confluence listed 8 users twice \(e\.g\. "u0\\u001b", "u1\\u001b", "u2\\u001b", "u3\\u001b", "u4\\u001b"\)/);
});

test('an account without a username (a Cloud product) is told apart by its id, and the verdict names the product', () => {
  const duplicates = new DuplicateUsers('Jira');
  assert.deepEqual([{ username: null, accountId: 'a1' }, { username: null, accountId: 'a2' }, { username: null, accountId: 'a1' }].map((u) => duplicates.seen(u)), [false, false, true]);
  assert.equal(duplicates.verdict(), 'Jira listed 1 users twice (e.g. "a1"): the listing cannot be trusted; scan again');
});
