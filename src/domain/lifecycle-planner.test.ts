// The staged lifecycle through the real planner, over simulated days: each day plans on the world as it is, then a
// small in-test "apply" carries the plan out (account steps, notices, records) the way the apply use case does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePolicies } from './planner.ts';
import { verifyPlanHash } from './plan-hash.ts';
import { applyStep } from './action-step.ts';
import { STAGE_ENTERED, type LifecycleRecord } from './lifecycle.ts';
import type { LifecycleSettings } from './lifecycle-settings.ts';
import type { InactiveUsersPolicy } from './policy.ts';
import type { Plan } from './plan.ts';
import type { UserState } from './journal.ts';
import type { UserSnapshot } from './snapshot.ts';
import { snapshot, user } from '../../test/support/snapshot-builder.ts';

const DAY0 = new Date('2026-03-01T03:00:00.000Z');
const DAY = 86_400_000;
const day = (n: number): Date => new Date(DAY0.getTime() + n * DAY);

// required: false, so the user without an address (nomail) shows the opt-out; the default is tested below.
const LIFECYCLE: LifecycleSettings = { notice: { daysBefore: 14, required: false }, deactivateAfterDays: 30, rename: { displayNameSuffix: ' (inactive)' } };

function lifecyclePolicy(settings: LifecycleSettings = LIFECYCLE): InactiveUsersPolicy {
  return {
    id: 'staged',
    instance: 'wiki',
    select: { inactiveDays: 90, neverLoggedInDays: 30, directories: [], group: null },
    exclude: { users: [], groups: [] },
    actions: { removeGroups: 'license', addGroups: [], deactivate: false, rename: null },
    lifecycle: settings,
  };
}

/** The emulated instance and Seatkeeper's records, mutated by `applyPlan` below. */
interface World {
  users: Map<string, UserSnapshot>;
  members: Map<string, Set<string>>;
  records: LifecycleRecord[];
  sent: string[];
}

function world(): World {
  const users = [
    user('alice', { displayName: 'Alice Smith', lastLogin: day(-80) }),
    user('bob', { displayName: 'Bob Jones', lastLogin: day(-80) }),
    user('carol', { lastLogin: day(-10) }),
    user('dave', { lastLogin: null, createdAt: null, firstSeen: day(-20) }),
    user('boss', { lastLogin: day(-500) }),
    user('ldap', { lastLogin: day(-200), directory: 'Corporate LDAP' }),
    user('nomail', { lastLogin: day(-85), email: null }),
  ];
  return {
    users: new Map(users.map((u) => [u.username, u])),
    members: new Map([
      ['confluence-users', new Set(['alice', 'bob', 'boss', 'carol', 'dave', 'ldap', 'nomail'])],
      ['confluence-administrators', new Set(['boss'])],
    ]),
    records: [],
    sent: [],
  };
}

function snapshotOf(w: World) {
  const memberships: Record<string, string[]> = {};
  for (const [group, names] of w.members) memberships[group] = [...names].sort();
  return snapshot({ users: [...w.users.values()], memberships });
}

function planDay(w: World, now: Date, policy = lifecyclePolicy()): Plan {
  return evaluatePolicies({
    snapshot: snapshotOf(w),
    policies: [policy],
    protection: { users: [], groups: [] },
    now,
    lifecycle: w.records,
  });
}

/** Carries a plan out like the apply use case: steps, notices once per stage and inactivity period, records. */
function applyPlan(w: World, plan: Plan, now: Date): string[] {
  const log: string[] = [];
  const enter = (record: LifecycleRecord) => {
    const existing = w.records.find((r) => r.policy === record.policy && r.username === record.username);
    // The store keeps the entry time of a stage entered again (a re-run must not restart the wait).
    if (existing?.stage === record.stage) return;
    w.records = [...w.records.filter((r) => r !== existing), record];
  };
  for (const c of plan.lifecycle?.cancellations ?? []) {
    w.records = w.records.filter((r) => !(r.policy === c.policy && r.username === c.username && r.enteredAt.toISOString() === c.enteredAt));
    log.push(`cancel ${c.username}: ${c.reason}`);
  }
  for (const row of plan.rows) {
    const current = w.users.get(row.username);
    assert.ok(current);
    let state: UserState = { username: row.username, status: current.status, displayName: current.displayName, groups: [], useGrant: false, otherPermissions: [] };
    for (const step of row.steps) {
      state = applyStep(step, state);
      if (step.kind === 'remove-group') w.members.get(step.group)?.delete(row.username);
    }
    w.users.set(row.username, { ...current, status: state.status, displayName: state.displayName });
    log.push(`${row.stage} ${row.username}: ${row.reason.text}`);
    if (row.stage) enter({ policy: row.policy, username: row.username, stage: STAGE_ENTERED[row.stage], enteredAt: now, lastLoginAtEntry: current.lastLogin });
  }
  for (const n of plan.lifecycle?.notices ?? []) {
    const key = `${n.username} ${n.stage} ${n.inactiveSince}`;
    if (!w.sent.includes(key)) {
      w.sent.push(key);
      log.push(`e-mail ${n.email}: licence goes on ${n.dueDate}`);
    }
    const u = w.users.get(n.username);
    enter({ policy: n.policy, username: n.username, stage: 'noticed', enteredAt: now, lastLoginAtEntry: u?.lastLogin ?? null });
  }
  return log;
}

test('the staged lifecycle over simulated days: notice, unlicense, deactivate, rename; a login cancels the rest', () => {
  const w = world();
  const days: Record<number, string[]> = {};
  const run = (n: number, before?: () => void) => {
    before?.();
    const plan = planDay(w, day(n));
    assert.ok(verifyPlanHash(plan));
    days[n] = [...(days[n] ?? []), ...applyPlan(w, plan, day(n))];
  };
  run(0);
  run(0); // the same day again: nothing new
  run(5, () => w.users.set('bob', { ...(w.users.get('bob') ?? user('bob')), lastLogin: day(5) }));
  for (const n of [6, 10, 13, 14, 15, 43, 44, 45, 46, 82, 96, 97]) run(n);

  assert.deepEqual(days, {
    0: [
      'e-mail alice@example.com: licence goes on 2026-03-15',
      'e-mail bob@example.com: licence goes on 2026-03-15',
      'e-mail dave@example.com: licence goes on 2026-03-15',
      'e-mail ldap@example.com: licence goes on 2026-03-15',
    ],
    5: ['cancel bob: logged in 2026-03-06, after the stage "noticed" of 2026-03-01: later stages cancelled'],
    6: ['unlicense nomail: unlicense: last login 2025-12-06, 91 days ago > 90'],
    10: [],
    13: [],
    14: [
      'unlicense alice: unlicense: noticed 2026-03-01 for 2026-03-15, last login 2025-12-11, 94 days ago > 90',
      'unlicense dave: unlicense: noticed 2026-03-01 for 2026-03-15, never logged in, first seen by Seatkeeper 2026-02-09, 34 days ago > 30',
      'unlicense ldap: unlicense: noticed 2026-03-01 for 2026-03-15, last login 2025-08-13, 214 days ago > 90',
    ],
    15: [],
    // nomail was unlicensed on day 6 without a notice, so its deactivation comes first (the run of day 43 is its first ≥ 30 days on).
    43: ['deactivate nomail: deactivate: unlicensed 2026-03-07, 37 days ago ≥ 30; last login 2025-12-06'],
    44: [
      'deactivate alice: deactivate: unlicensed 2026-03-15, 30 days ago ≥ 30; last login 2025-12-11',
      'deactivate dave: deactivate: unlicensed 2026-03-15, 30 days ago ≥ 30; never logged in',
      'rename nomail: rename: deactivated 2026-04-13; last login 2025-12-06',
    ],
    45: ['rename alice: rename: deactivated 2026-04-14; last login 2025-12-11', 'rename dave: rename: deactivated 2026-04-14; never logged in'],
    46: [],
    // bob started over on day 5: a new period of inactivity, so a new notice; carol's first (she was active on day -10).
    82: ['e-mail bob@example.com: licence goes on 2026-06-06', 'e-mail carol@example.com: licence goes on 2026-06-05'],
    96: ['unlicense carol: unlicense: noticed 2026-05-22 for 2026-06-05, last login 2026-02-19, 106 days ago > 90'],
    97: ['unlicense bob: unlicense: noticed 2026-05-22 for 2026-06-06, last login 2026-03-06, 92 days ago > 90'],
  });
  assert.equal(w.users.get('alice')?.displayName, 'Alice Smith (inactive)');
  assert.equal(w.users.get('alice')?.status, 'disabled');
  assert.equal(w.users.get('bob')?.status, 'active');
  assert.equal(w.users.get('ldap')?.status, 'active', 'a read-only directory user is unlicensed but never deactivated');
  assert.equal(w.users.get('boss')?.status, 'active');
  assert.equal(w.users.get('carol')?.status, 'active');
  assert.equal(w.users.get('nomail')?.displayName, 'NOMAIL (inactive)');
  assert.deepEqual(w.sent.map((k) => k.split(' ')[0]), ['alice', 'bob', 'dave', 'ldap', 'bob', 'carol'], 'one notice per user per period of inactivity');
});

test('a plan lists notices apart from rows, counts the stages, and its hash covers the notices', () => {
  const w = world();
  applyPlan(w, planDay(w, day(0)), day(0));
  const plan = planDay(w, day(14));
  assert.deepEqual(plan.rows.map((r) => [r.username, r.stage, r.steps]), [
    ['alice', 'unlicense', [{ kind: 'remove-group', group: 'confluence-users' }]],
    ['bob', 'unlicense', [{ kind: 'remove-group', group: 'confluence-users' }]],
    ['dave', 'unlicense', [{ kind: 'remove-group', group: 'confluence-users' }]],
    ['ldap', 'unlicense', [{ kind: 'remove-group', group: 'confluence-users' }]],
    ['nomail', 'unlicense', [{ kind: 'remove-group', group: 'confluence-users' }]],
  ]);
  assert.deepEqual(plan.lifecycle?.summaries, [
    { policy: 'staged', notice: 0, unlicense: 5, deactivate: 0, rename: 0, waiting: 0, cancelled: 0, notPossible: 0 },
  ]);
  assert.equal(plan.summaries[0]?.skipped['protected-admin'], 1);

  const first = planDay(world(), day(0));
  assert.deepEqual(first.lifecycle?.notices[0], {
    policy: 'staged',
    username: 'alice',
    displayName: 'Alice Smith',
    email: 'alice@example.com',
    stage: 'unlicense',
    dueDate: '2026-03-15',
    inactiveSince: '2025-12-11T03:00:00.000Z',
    lastLogin: '2025-12-11T03:00:00.000Z',
    reason: 'notice: licence goes on 2026-03-15, last login 2025-12-11, 80 days ago > 76',
  });
  assert.equal(first.rows.length, 0, 'a notice is not an account step');
  const notices = first.lifecycle?.notices ?? [];
  const tampered: Plan = { ...first, lifecycle: { notices: notices.map((n) => ({ ...n, email: 'attacker@example.net' })), cancellations: [], summaries: first.lifecycle?.summaries ?? [] } };
  assert.equal(verifyPlanHash(tampered), false);
});

test('deactivation and rename are not possible in a read-only directory: counted, never planned', () => {
  const w = world();
  w.records = [{ policy: 'staged', username: 'ldap', stage: 'unlicensed', enteredAt: day(-40), lastLoginAtEntry: day(-200) }];
  w.members.get('confluence-users')?.delete('ldap');
  const plan = planDay(w, day(0));
  assert.equal(plan.rows.some((r) => r.username === 'ldap'), false);
  assert.equal(plan.lifecycle?.summaries[0]?.notPossible, 1);
});

test('a processing group removed by the unlicense does not put the later stages out of scope', () => {
  const w = world();
  w.records = [{ policy: 'staged', username: 'alice', stage: 'unlicensed', enteredAt: day(-30), lastLoginAtEntry: day(-80) }];
  w.members.get('confluence-users')?.delete('alice');
  const scoped = lifecyclePolicy();
  const plan = planDay(w, day(0), { ...scoped, select: { ...scoped.select, group: 'confluence-users' } });
  assert.deepEqual(plan.rows.map((r) => [r.username, r.stage]), [['alice', 'deactivate']]);
});

test('a policy without a lifecycle plans exactly as before: no lifecycle part, no stage on rows', () => {
  const w = world();
  const { lifecycle: _ignored, ...plain } = lifecyclePolicy();
  const plan = planDay(w, day(30), plain);
  assert.equal(plan.lifecycle, undefined);
  assert.ok(plan.rows.length > 0);
  assert.ok(plan.rows.every((r) => r.stage === undefined));
});

test('the first policy that selects a user wins: users waiting in a lifecycle are not taken by a later policy', () => {
  const w = world();
  applyPlan(w, planDay(w, day(0)), day(0));
  const { lifecycle: _ignored, ...plain } = lifecyclePolicy();
  const plan = evaluatePolicies({
    snapshot: snapshotOf(w),
    policies: [lifecyclePolicy(), { ...plain, id: 'plain', select: { ...plain.select, inactiveDays: 60 } }],
    protection: { users: [], groups: [] },
    now: day(1),
    lifecycle: w.records,
  });
  // nomail has no address, so no notice: it is not in the lifecycle yet (86 days) and the later policy (60) takes it.
  assert.deepEqual(plan.rows.map((r) => `${r.policy} ${r.username}`), ['plain nomail']);
  // alice, bob and ldap wait for their notice period; dave (never logged in, 21 days) is not matched by the plain policy.
  assert.equal(plan.summaries[1]?.skipped['already-selected'], 3);
});

test('with the default notice.required, a user whose address is unknown keeps the licence and is counted as not possible', () => {
  const w = world();
  const required = { ...lifecyclePolicy(), lifecycle: { ...LIFECYCLE, notice: { daysBefore: 14 } } };
  applyPlan(w, planDay(w, day(0), required), day(0));
  const plan = planDay(w, day(14), required);
  assert.deepEqual(plan.rows.map((r) => r.username), ['alice', 'bob', 'dave', 'ldap']);
  assert.equal(plan.lifecycle?.notices.some((n) => n.username === 'nomail'), false);
  assert.equal(plan.lifecycle?.summaries[0]?.notPossible, 1);
});
