import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renamePatternProblems, renderRename, usernameProblems } from './rename-pattern.ts';

const DAY = new Date('2026-03-02T23:30:00Z');

test('rename patterns: tokens render from the plan day in UTC', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['{username}_inactive_{yyyyMMdd}', 'alice', 'alice_inactive_20260302'],
    ['{username}-{yyyy}-{MM}-{dd}', 'bob.smith', 'bob.smith-2026-03-02'],
    ['old_{username}', 'carol', 'old_carol'],
  ];
  for (const [pattern, username, expected] of cases) {
    await t.test(pattern, () => assert.equal(renderRename(pattern, username, DAY), expected));
  }
});

test('rename patterns: unknown tokens and a missing {username} are problems', () => {
  assert.deepEqual(renamePatternProblems('{username}_inactive_{yyyyMMdd}'), []);
  assert.deepEqual(renamePatternProblems('{user}_{date}'), [
    'unknown token {user}; use {username}, {yyyy}, {MM}, {dd}, {yyyyMMdd}',
    'unknown token {date}; use {username}, {yyyy}, {MM}, {dd}, {yyyyMMdd}',
    'the pattern must contain {username}, or every renamed user would get the same name',
  ]);
});

test("Confluence's username rules", () => {
  assert.deepEqual(usernameProblems('alice_inactive_20260302'), []);
  assert.deepEqual(usernameProblems('Alice'), ['it has upper-case letters']);
  assert.deepEqual(usernameProblems('a b'), ['it has whitespace or one of \\ , + < > \' "']);
  assert.deepEqual(usernameProblems(''), ['it is empty']);
});
