import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChangeFile, parseCsv } from './user-change-file.ts';
import { InvalidInput } from '../domain/errors.ts';

test('RFC 4180: quoted cells hold commas, doubled quotes and line breaks; a BOM and blank lines are dropped', () => {
  assert.deepEqual(parseCsv('\ufeffa,b\r\n"x, y","say ""hi""\nthere"\r\n\r\nlast,\n'), [['a', 'b'], ['x, y', 'say "hi"\nthere'], ['last', '']]);
  assert.throws(() => parseCsv('a\n"open'), InvalidInput);
});

test('a CSV change file: lists split on ; (\\; for a ;), flags true/false, empty cells left alone', () => {
  const text = [
    'username,removeGroups,removeAllGroups,addGroups,setGroups,deactivate,reactivate,email,displayName,renameTo',
    'alice,g1; g2,,tracking,,yes,,,,',
    'bob,,true,,,,,bob@new.example,"Smith, Bob",bob_old',
    'carol,,,,a\\;b;c,,1,,,',
  ].join('\r\n');
  assert.deepEqual(parseChangeFile(text, 'csv'), [
    { username: 'alice', removeGroups: ['g1', 'g2'], addGroups: ['tracking'], deactivate: true },
    { username: 'bob', removeGroups: 'all', email: 'bob@new.example', displayName: 'Smith, Bob', renameTo: 'bob_old' },
    { username: 'carol', setGroups: ['a;b', 'c'], reactivate: true },
  ]);
});

test('a CSV change file lists every problem at once: unknown column, missing username, a flag that is not one', () => {
  assert.throws(() => parseChangeFile('username,colour\nalice,red\n', 'csv'), (error: unknown) => {
    assert.ok(error instanceof InvalidInput);
    assert.deepEqual(error.problems, ['unknown column "colour"; the columns are username, removeGroups, removeAllGroups, addGroups, setGroups, deactivate, reactivate, email, displayName, renameTo']);
    return true;
  });
  assert.throws(() => parseChangeFile('username,deactivate,removeGroups,removeAllGroups\n,maybe,,\nbob,,g,true\n', 'csv'), (error: unknown) => {
    assert.ok(error instanceof InvalidInput);
    assert.deepEqual(error.problems, [
      'line 2: no username',
      'line 2: deactivate is "maybe"; write true or false (or leave it empty)',
      'line 3: removeAllGroups and removeGroups together; give one',
    ]);
    return true;
  });
});

test('a JSON change file: a list or { changes }, checked field by field; unknown fields are refused', () => {
  const requests = [{ username: 'alice', removeGroups: 'all', deactivate: true }, { username: 'bob', email: 'b@new.example' }];
  assert.deepEqual(parseChangeFile(JSON.stringify(requests), 'json'), requests);
  assert.deepEqual(parseChangeFile(JSON.stringify({ changes: requests }), 'json'), requests);
  assert.throws(() => parseChangeFile('[{"username":"a","deactivte":true}]', 'json'), /does not hold change requests/);
  assert.throws(() => parseChangeFile('[{"username":"a","removeGroups":"some"}]', 'json'), InvalidInput);
  assert.throws(() => parseChangeFile('{', 'json'), /not valid JSON/);
});
