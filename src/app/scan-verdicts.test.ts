import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusVerdict, unknownStatuses, unreadableGroupsVerdict } from './scan-instance.ts';

test('unknown status words are counted per word, most frequent first, and quoted', () => {
  const users = [
    { status: 'active' as const, statusWord: 'current' },
    { status: 'unknown' as const, statusWord: 'PENDING' },
    { status: 'unknown' as const, statusWord: 'PENDING' },
    { status: 'unknown' as const, statusWord: null },
  ];
  assert.deepEqual(unknownStatuses(users), [{ word: 'PENDING', count: 2 }, { word: '(none)', count: 1 }]);
});

test('up to 1 % of users with an unknown status is a warning; above it the scan cannot stand', () => {
  const words = [{ word: 'PENDING', count: 10 }];
  const at = statusVerdict(1000, words);
  assert.equal(at.error, null);
  assert.match(at.warning ?? '', /^10 of 1000 users have a status Seatkeeper does not know \("PENDING" × 10\)/);
  const over = statusVerdict(999, words);
  assert.equal(over.warning, null);
  assert.match(over.error ?? '', /"PENDING" × 10.*More than 1 % is too many.*instance check/);
  assert.deepEqual(statusVerdict(5, []), { error: null, warning: null });
});

test('a status word with control characters is quoted escaped', () => {
  const verdict = statusVerdict(1, [{ word: 'bad\u001b[2Jword', count: 1 }]);
  assert.ok(verdict.error?.includes('"bad\\u001b[2Jword"'));
});

test('a group unreadable over REST stops the scan only when it (or a group above it) grants "can use"', () => {
  const why = 'the name contains "/"';
  const unreadable = new Map([['eng/platform', why]]);
  assert.match(unreadableGroupsVerdict(unreadable, { useGroups: ['confluence-users'], adminGroups: [] }, []).warning ?? '', /"eng\/platform" \(the name contains/);
  assert.match(unreadableGroupsVerdict(unreadable, { useGroups: ['eng/platform'], adminGroups: [] }, []).error ?? '', /grant a licence or administration.*cannot be read over REST, so their members are unknown: "eng\/platform"/);
  const nested = [{ parent: 'confluence-users', child: 'eng/platform' }];
  assert.notEqual(unreadableGroupsVerdict(unreadable, { useGroups: ['confluence-users'], adminGroups: [] }, nested).error, null);
  assert.deepEqual(unreadableGroupsVerdict(new Map(), { useGroups: ['confluence-users'], adminGroups: [] }, nested), { error: null, warning: null });
});

test('an unreadable group that grants administration, or that the config protects or excludes, stops the scan too', () => {
  const unreadable = new Map([['ops/wiki-admins', 'the name contains "/"']]);
  assert.notEqual(unreadableGroupsVerdict(unreadable, { useGroups: [], adminGroups: ['ops/wiki-admins'] }, []).error, null);
  assert.notEqual(unreadableGroupsVerdict(unreadable, { useGroups: [], adminGroups: [] }, [], ['OPS/Wiki-Admins']).error, null);
  assert.equal(unreadableGroupsVerdict(unreadable, { useGroups: [], adminGroups: [] }, [], ['staff']).error, null);
});
