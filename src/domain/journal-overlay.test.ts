import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overlayJournal } from './journal-overlay.ts';
import { buildLicenceModel } from './licence-model.ts';
import type { ActionStep } from './plan.ts';
import type { JournalEntry, StepOutcome } from './journal.ts';
import { snapshot, user } from '../../test/support/snapshot-builder.ts';

const SCANNED = snapshot({
  users: [user('alice'), user('bob'), user('carol')],
  memberships: { 'confluence-users': ['alice', 'bob', 'carol'], engineering: ['alice'] },
  groups: ['Confluence-Inactive-Users'],
  grants: { useUsers: ['bob'] },
});

function entry(id: number, username: string, step: ActionStep, outcome: StepOutcome = 'done'): JournalEntry {
  return { id, runId: 'run_a', username, seq: id, step, outcome, prior: null, error: null, at: '2026-11-26T13:00:00.000Z' };
}

test('the journal since the scan is laid over it: seats, groups, flags and names as the run left them', () => {
  const { snapshot: now, changed } = overlayJournal(SCANNED, [
    entry(2, 'alice', { kind: 'add-group', group: 'confluence-inactive-users' }),
    entry(1, 'ALICE', { kind: 'remove-group', group: 'Confluence-Users' }),
    entry(3, 'alice', { kind: 'disable' }),
    entry(4, 'bob', { kind: 'revoke-use-grant' }),
    entry(5, 'bob', { kind: 'remove-group', group: 'confluence-users' }, 'failed'),
    entry(6, 'carol', { kind: 'set-display-name', displayName: 'Carol (inactive)' }, 'already-done'),
    entry(7, 'ghost', { kind: 'disable' }),
    entry(8, 'carol', { kind: 'confirm-seat-freed' }),
  ]);
  const model = buildLicenceModel(now);
  const seat = (name: string) => {
    const u = now.users.find((x) => x.username === name);
    assert.ok(u);
    return { status: u.status, displayName: u.displayName, ...model.seatOf(u) };
  };
  assert.deepEqual(seat('alice'), {
    status: 'disabled', displayName: 'ALICE', licensed: false, applications: [], billableGroups: [], directGrant: false, admin: false, directGroups: ['Confluence-Inactive-Users', 'engineering'],
  });
  // The failed removal changed nothing: bob keeps the group, and with it his seat.
  assert.deepEqual(seat('bob'), {
    status: 'active', displayName: 'BOB', licensed: true, applications: [{ key: 'confluence', groups: ['confluence-users'], directGrant: false }], billableGroups: ['confluence-users'], directGrant: false, admin: false, directGroups: ['confluence-users'],
  });
  assert.equal(seat('carol').displayName, 'Carol (inactive)');
  assert.deepEqual(new Map(changed), new Map([
    ['alice', ['remove from Confluence-Users', 'add to confluence-inactive-users', 'deactivate']],
    ['bob', ['revoke individual "can use"']],
    ['carol', ['set display name to "Carol (inactive)"']],
  ]));
  assert.equal(now.users.length, 3, 'a user the scan does not know is not invented');
});

test('no entries since the scan: the same snapshot, nothing marked', () => {
  const { snapshot: now, changed } = overlayJournal(SCANNED, [entry(1, 'alice', { kind: 'disable' }, 'failed')]);
  assert.equal(now, SCANNED);
  assert.equal(changed.size, 0);
});
