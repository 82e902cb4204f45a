import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readPage, readPerson } from './http-directory-mapping.ts';

const config = { match: { user: 'username' as const, directory: 'login' }, status: { field: 'status', activeValues: ['employed', 'active'] } };

test('pages: a bare array, or results/users/people with next or _links.next', () => {
  assert.deepEqual(readPage([{ login: 'a' }]), { people: [{ login: 'a' }], next: null });
  assert.deepEqual(readPage({ results: [], next: '/p?page=2' }), { people: [], next: '/p?page=2' });
  assert.deepEqual(readPage({ users: [1], _links: { next: 'https://x/2' } }), { people: [1], next: 'https://x/2' });
  assert.deepEqual(readPage({ people: [] }), { people: [], next: null });
  assert.equal(readPage({ data: [] }), null);
  assert.equal(readPage('nope'), null);
});

test('people: key lower-cased; status from a boolean, a word, or absent (active)', async (t) => {
  const cases: Array<[unknown, [string, 'active' | 'disabled'] | null]> = [
    [{ login: 'Alice', status: 'Employed' }, ['alice', 'active']],
    [{ login: 'bob', status: 'terminated' }, ['bob', 'disabled']],
    [{ login: 'carol', status: true }, ['carol', 'active']],
    [{ login: 'dave', status: false }, ['dave', 'disabled']],
    [{ login: 'erin' }, ['erin', 'active']],
    [{ login: ' ', status: 'active' }, null],
    [{ status: 'active' }, null],
  ];
  for (const [record, expected] of cases) {
    await t.test(JSON.stringify(record), () => assert.deepEqual(readPerson(record, config), expected));
  }
});
