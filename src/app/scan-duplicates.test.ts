import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DuplicateUsers } from './scan-instance.ts';

test('a user listed twice, by the same key or the same username in another case, is seen once and named', () => {
  const duplicates = new DuplicateUsers();
  const listed = [
    { username: 'alice', userKey: 'k1' },
    { username: 'bob', userKey: 'k2' },
    { username: 'ALICE', userKey: 'k9' }, // same username, other case
    { username: 'robert', userKey: 'k2' }, // same key, renamed
    { username: 'carol', userKey: '' },
    { username: 'Carol', userKey: '' }, // no key: the username decides
    { username: 'dave', userKey: 'k4' },
  ];
  assert.deepEqual(listed.map((u) => duplicates.seen(u)), [false, false, true, true, false, true, false]);
  assert.equal(duplicates.verdict(), 'Confluence listed 3 users twice (e.g. "ALICE", "robert", "Carol"): the listing cannot be trusted; scan again');
});

test('no duplicates, no verdict; names in the verdict are escaped and at most five', () => {
  const clean = new DuplicateUsers();
  assert.equal(clean.seen({ username: 'a', userKey: 'k' }), false);
  assert.equal(clean.verdict(), null);
  const many = new DuplicateUsers();
  for (let i = 0; i < 8; i += 1) {
    many.seen({ username: `u${i}\u001b`, userKey: `k${i}` });
    many.seen({ username: `u${i}\u001b`, userKey: `k${i}` });
  }
  const verdict = many.verdict() ?? '';
  assert.match(verdict, /^Confluence listed 8 users twice \(e\.g\. "u0\\u001b", "u1\\u001b", "u2\\u001b", "u3\\u001b", "u4\\u001b"\)/);
});
