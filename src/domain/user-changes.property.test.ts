import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkUserChanges, type UserChangeRequest } from './user-changes.ts';
import { applyStep } from './action-step.ts';
import { buildLicenceModel } from './licence-model.ts';
import { LEGACY_CONFLUENCE_CAPABILITIES } from './instance-capabilities.ts';
import type { UserState } from './journal.ts';
import { snapshot, user } from '../../test/support/snapshot-builder.ts';

const GROUPS = ['confluence-users', 'confluence-administrators', 'engineering', 'sales', 'break-glass', 'ldap-staff'];
const PLAIN_GROUPS = ['confluence-users', 'engineering', 'sales', 'ldap-staff'];
const NAMES = ['ann', 'bob', 'cat', 'dan', 'eve', 'admin'];

// One or two kinds of change per request, mostly well-formed, so that many requests pass and their rows are checked.
const changeArb = fc.oneof(
  fc.record({ removeGroups: fc.oneof(fc.constant<'all'>('all'), fc.subarray(GROUPS, { minLength: 1 })) }),
  fc.record({ addGroups: fc.subarray(GROUPS, { minLength: 1 }) }),
  fc.record({ setGroups: fc.subarray(GROUPS) }),
  fc.constant({ deactivate: true }),
  fc.constant({ reactivate: true }),
  fc.record({ email: fc.constantFrom('x@new.example', 'y@new.example', 'bad address') }),
  fc.record({ displayName: fc.constantFrom('Someone', 'Other', '') }),
  fc.record({ renameTo: fc.constantFrom('ann', 'new_name', 'Bad Name') }),
  fc.record({ addGroups: fc.constant(['nope']) }),
);

const requestArb: fc.Arbitrary<UserChangeRequest> = fc
  .tuple(fc.constantFrom(...NAMES, 'zed'), changeArb, fc.option(changeArb, { nil: undefined }))
  .map(([username, first, second]) => ({ username, ...first, ...(second ?? {}) }));

const worldArb = fc.record({
  memberships: fc.array(fc.subarray(PLAIN_GROUPS), { minLength: NAMES.length, maxLength: NAMES.length }),
  statuses: fc.array(fc.constantFrom('active' as const, 'disabled' as const), { minLength: NAMES.length, maxLength: NAMES.length }),
  ldap: fc.array(fc.boolean(), { minLength: NAMES.length, maxLength: NAMES.length }),
  capable: fc.boolean(),
  // One request per user (a user asked for twice is refused, which the table test covers).
  requests: fc.uniqueArray(requestArb, { minLength: 1, maxLength: 4, selector: (r) => r.username }),
});

let planned = 0;

test('checked changes: a row exactly for each ok request with steps, none for a protected account, and its steps reach what was asked', () => {
  fc.assert(
    fc.property(worldArb, (world) => {
      // eve administers, dan is protected by break-glass; the others are plain people.
      const members: Record<string, string[]> = { 'confluence-administrators': ['eve'], 'break-glass': ['dan'] };
      NAMES.forEach((name, i) => {
        for (const g of world.memberships[i] ?? []) (members[g] ??= []).push(name);
      });
      const capabilities = world.capable ? { ...LEGACY_CONFLUENCE_CAPABILITIES, rename: true, updateEmail: true } : LEGACY_CONFLUENCE_CAPABILITIES;
      const snap = snapshot({
        users: NAMES.map((name, i) => user(name, { status: world.statuses[i] ?? 'active', directory: world.ldap[i] === true ? 'Corporate LDAP' : 'Confluence Internal Directory' })),
        memberships: members,
        groups: GROUPS,
        readOnlyGroups: ['ldap-staff'],
        capabilities,
      });
      const protection = { users: [], groups: ['break-glass'] };
      const { verdicts, rows } = checkUserChanges({ snapshot: snap, requests: world.requests, protection, requestedBy: 'ops' });
      assert.equal(verdicts.length, world.requests.length);
      const withSteps = verdicts.filter((v) => v.status === 'ok' && v.steps.length > 0);
      assert.deepEqual(rows.map((r) => [r.username, r.steps]), withSteps.map((v) => [v.username, v.steps]));
      for (const v of verdicts) {
        assert.equal(v.status === 'refused', v.reasons.length > 0);
        if (v.status === 'refused') assert.deepEqual(v.steps, []);
      }
      const model = buildLicenceModel(snap);
      for (const row of rows) {
        const subject = snap.users.find((u) => u.username === row.username);
        assert.ok(subject !== undefined);
        const seat = model.seatOf(subject);
        // Never an administrator, the connecting account, or a protected group's member; never into an admin group.
        assert.equal(seat.admin, false);
        assert.notEqual(row.username, 'admin');
        assert.equal(model.inGroup(seat, 'break-glass'), false);
        assert.ok(!row.steps.some((s) => s.kind === 'add-group' && s.group === 'confluence-administrators'));
        assert.ok(!row.steps.some((s) => (s.kind === 'add-group' || s.kind === 'remove-group') && s.group === 'ldap-staff'));
        if (!world.capable) assert.ok(!row.steps.some((s) => s.kind === 'rename' || s.kind === 'set-email'));
        // Carried out in order, the steps leave the user as the request asked.
        const request = world.requests.find((r) => r.username === row.username);
        assert.ok(request !== undefined);
        const start: UserState = { username: subject.username, status: subject.status, displayName: subject.displayName, email: subject.email, groups: seat.directGroups, useGrant: false, otherPermissions: [] };
        const end = row.steps.reduce((state, step) => applyStep(step, state), start);
        planned += 1;
        if (request.setGroups !== undefined) assert.deepEqual([...end.groups].sort(), [...request.setGroups].sort());
        if (request.removeGroups === 'all') assert.ok(end.groups.every((g) => (request.addGroups ?? []).includes(g)));
        if (request.deactivate === true) assert.equal(end.status, 'disabled');
        if (request.reactivate === true) assert.equal(end.status, 'active');
        if (request.email !== undefined) assert.equal(end.email, request.email);
        if (request.renameTo !== undefined) assert.equal(end.username, request.renameTo);
      }
    }),
    { numRuns: 500 },
  );
  assert.ok(planned > 40, `the generator plans rows often enough to check them (${planned})`);
});
