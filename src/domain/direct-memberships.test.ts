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

test('nesting cycles end (Confluence tolerates them): each user stays in at least one group of the cycle', () => {
  const nesting = [{ parent: 'a', child: 'b' }, { parent: 'b', child: 'a' }];
  const derived = deriveDirectMemberships([m('a', 'x'), m('b', 'y')], nesting);
  assert.deepEqual(derived, [m('a', 'x'), m('b', 'y')]);
});
