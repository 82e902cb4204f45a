import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveDirectMemberships } from './direct-memberships.ts';

const m = (group: string, username: string) => ({ group, username });

test('a flattened parent list keeps only the members no descendant lists', () => {
  // staff ⊃ engineering ⊃ platform; a flattened staff list repeats engineering's and platform's members.
  const nesting = [{ parent: 'staff', child: 'engineering' }, { parent: 'engineering', child: 'platform' }];
  const flattened = [m('staff', 'ann'), m('staff', 'bob'), m('staff', 'cy'), m('engineering', 'bob'), m('engineering', 'cy'), m('platform', 'cy')];
  assert.deepEqual(deriveDirectMemberships(flattened, nesting), [m('staff', 'ann'), m('engineering', 'bob'), m('platform', 'cy')]);
});

test('direct lists come through unchanged, and so does everything without nesting', () => {
  const nesting = [{ parent: 'staff', child: 'engineering' }];
  const direct = [m('staff', 'ann'), m('engineering', 'bob')];
  assert.deepEqual(deriveDirectMemberships(direct, nesting), direct);
  const flat = [m('a', 'x'), m('b', 'x')];
  assert.deepEqual(deriveDirectMemberships(flat, []), flat);
});

test('in a nesting cycle (Confluence tolerates them) every group lists the same flattened set: no membership is dropped', () => {
  // admins-a ⇄ admins-b: flattened, both list x and y; dropping either pair could drop x from every admin group.
  const nesting = [{ parent: 'admins-a', child: 'admins-b' }, { parent: 'admins-b', child: 'admins-a' }, { parent: 'admins-b', child: 'ops' }];
  const flattened = [m('admins-a', 'x'), m('admins-a', 'y'), m('admins-b', 'x'), m('admins-b', 'y'), m('admins-a', 'z'), m('admins-b', 'z'), m('ops', 'z')];
  // z is in ops, below the cycle but not part of it: its pairs in the cycle's groups go.
  assert.deepEqual(deriveDirectMemberships(flattened, nesting), [m('admins-a', 'x'), m('admins-a', 'y'), m('admins-b', 'x'), m('admins-b', 'y'), m('ops', 'z')]);
});
