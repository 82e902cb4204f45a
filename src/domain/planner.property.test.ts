import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evaluatePolicies } from './planner.ts';
import { buildLicenceModel } from './licence-model.ts';
import type { InactiveUsersPolicy } from './policy.ts';
import { NOW, daysAgo, snapshot, user } from '../../test/support/snapshot-builder.ts';

const GROUPS = ['confluence-users', 'confluence-administrators', 'engineering', 'sales', 'newsletter', 'break-glass'];

const orgArbitrary = fc
  .array(
    fc.record({
      lastLogin: fc.option(fc.integer({ min: 0, max: 1200 }), { nil: null }),
      created: fc.option(fc.integer({ min: 0, max: 1500 }), { nil: null }),
      status: fc.constantFrom('active' as const, 'active' as const, 'disabled' as const, 'unknown' as const),
      directory: fc.constantFrom('Confluence Internal Directory', 'Corporate LDAP'),
      groups: fc.subarray(GROUPS),
      granted: fc.boolean(),
    }),
    { minLength: 1, maxLength: 40 },
  )
  .chain((users) =>
    fc.record({
      users: fc.constant(users),
      nestEngineering: fc.boolean(),
      connectedAs: fc.integer({ min: 0, max: users.length - 1 }),
      policy: fc.record({
        inactiveDays: fc.option(fc.integer({ min: 0, max: 400 }), { nil: null }),
        neverLoggedInDays: fc.option(fc.integer({ min: 0, max: 400 }), { nil: null }),
        removeGroups: fc.constantFrom<InactiveUsersPolicy['actions']['removeGroups']>('license', 'all', 'none', ['sales']),
        deactivate: fc.boolean(),
      }),
    }),
  );

type OrgInput = typeof orgArbitrary extends fc.Arbitrary<infer T> ? T : never;

function build(input: OrgInput) {
  const users = input.users.map((u, i) =>
    user(`u${i}`, { lastLogin: u.lastLogin === null ? null : daysAgo(u.lastLogin), createdAt: u.created === null ? null : daysAgo(u.created), status: u.status, directory: u.directory }),
  );
  const memberships: Record<string, string[]> = {};
  input.users.forEach((u, i) => {
    for (const g of u.groups) (memberships[g] ??= []).push(`u${i}`);
  });
  const snap = snapshot({
    users,
    memberships,
    groups: GROUPS,
    nesting: input.nestEngineering ? [['confluence-users', 'engineering']] : [],
    grants: { useUsers: input.users.flatMap((u, i) => (u.granted ? [`u${i}`] : [])) },
    connectedAs: `u${input.connectedAs}`,
  });
  const policy: InactiveUsersPolicy = {
    id: 'p',
    instance: 'wiki',
    select: { inactiveDays: input.policy.inactiveDays, neverLoggedInDays: input.policy.neverLoggedInDays ?? (input.policy.inactiveDays === null ? 30 : null), directories: [], group: null },
    exclude: { users: [], groups: [] },
    actions: { removeGroups: input.policy.removeGroups, addGroups: [], deactivate: input.policy.deactivate, rename: null },
  };
  return { snap, policy };
}

test('property: no plan ever contains an action on a protected user', () => {
  fc.assert(
    fc.property(orgArbitrary, (input) => {
      const { snap, policy } = build(input);
      const plan = evaluatePolicies({ snapshot: snap, policies: [policy], protection: { users: [], groups: ['break-glass'] }, now: NOW });
      const model = buildLicenceModel(snap);
      for (const row of plan.rows) {
        const u = snap.users.find((x) => x.username === row.username)!;
        const seat = model.seatOf(u);
        assert.notEqual(row.username, snap.connectedAs);
        assert.equal(seat.admin, false, `${row.username} is an administrator`);
        assert.equal(model.inGroup(seat, 'break-glass'), false, `${row.username} is break-glass`);
        assert.equal(seat.licensed, true, `${row.username} holds no seat`);
        assert.notEqual(u.status, 'unknown');
      }
    }),
    { numRuns: 10_000 },
  );
});

test('property: plans are deterministic for the same scan, policies and clock', () => {
  fc.assert(
    fc.property(orgArbitrary, (input) => {
      const a = build(input);
      const b = build(input);
      const reversed = { ...b.snap, users: [...b.snap.users].reverse(), memberships: [...b.snap.memberships].reverse() };
      const planA = evaluatePolicies({ snapshot: a.snap, policies: [a.policy], protection: { users: [], groups: [] }, now: NOW });
      const planB = evaluatePolicies({ snapshot: reversed, policies: [b.policy], protection: { users: [], groups: [] }, now: NOW });
      assert.equal(planA.hash, planB.hash);
    }),
    { numRuns: 10_000 },
  );
});
