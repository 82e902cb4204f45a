import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminGroupsOf, netChanges, undoPlan, undoRows, type AdminGroups, type UndoScope } from './undo-planner.ts';
import { applyStep, describeStep, inverseOf } from './action-step.ts';
import { verifyPlanHash } from './plan-hash.ts';
import type { ActionStep, PlanRow } from './plan.ts';
import type { JournalEntry, StepOutcome, UserState } from './journal.ts';

const ALICE: UserState = { username: 'alice', status: 'active', displayName: 'Alice', groups: ['confluence-users', 'engineering'], useGrant: true, otherPermissions: [] };
const BOB: UserState = { username: 'bob', status: 'active', displayName: 'Bob', groups: ['confluence-users'], useGrant: false, otherPermissions: [] };
const IDS = new Map([
  ['alice', { userKey: 'key-alice', directory: 'Confluence Internal Directory' }],
  ['bob', { userKey: 'key-bob', directory: null }],
]);

/** A journal written the way the executor writes it: each step's prior is the state before it; only `done` changes it. */
function journal(
  starts: readonly UserState[],
  steps: readonly [runId: string, day: string, username: string, step: ActionStep, outcome?: StepOutcome][],
): { entries: JournalEntry[]; states: Map<string, UserState> } {
  const states = new Map(starts.map((s) => [s.username, s]));
  const entries = steps.map(([runId, day, username, step, outcome = 'done'], i): JournalEntry => {
    const prior = states.get(username);
    assert.ok(prior, `no start state for ${username}`);
    if (outcome === 'done') states.set(username, applyStep(step, prior));
    return { id: i + 1, runId, username, seq: i, step, outcome, prior, error: null, at: `${day}T03:00:00.000Z` };
  });
  return { entries, states };
}

const NO_ADMIN: AdminGroups = { reasons: new Map(), unknown: false };

function rowsFor(
  entries: readonly JournalEntry[],
  scope: UndoScope,
  current: ReadonlyMap<string, UserState | null>,
  guard: { admin?: AdminGroups; force?: boolean } = {},
) {
  const { changes, leftAlone } = netChanges(entries, scope);
  return { ...undoRows({ changes, current, identities: IDS, admin: guard.admin ?? NO_ADMIN, force: guard.force ?? false }), leftAlone, changes };
}

function row(username: string, text: string, referenceDate: string, steps: ActionStep[], notes: string[] = []): PlanRow {
  const id = IDS.get(username);
  const displayName = username === 'alice' ? 'Alice' : 'Bob';
  return {
    username,
    userKey: id?.userKey ?? '',
    displayName,
    directory: id?.directory ?? null,
    policy: 'undo',
    reason: { rule: 'undo', text, lastLogin: null, referenceDate, days: 0, thresholdDays: 0 },
    steps,
    notes,
  };
}

const RUN_A = journal(
  [ALICE, BOB, { ...BOB, username: 'carol' }, { ...BOB, username: 'dave' }],
  [
    ['run_a', '2026-11-26', 'alice', { kind: 'remove-group', group: 'confluence-users' }],
    ['run_a', '2026-11-26', 'alice', { kind: 'revoke-use-grant' }],
    ['run_a', '2026-11-26', 'alice', { kind: 'add-group', group: 'confluence-inactive-users' }],
    ['run_a', '2026-11-26', 'alice', { kind: 'disable' }],
    ['run_a', '2026-11-26', 'bob', { kind: 'remove-group', group: 'confluence-users' }],
    ['run_a', '2026-11-26', 'bob', { kind: 'revoke-use-grant' }, 'already-done'],
    ['run_a', '2026-11-26', 'bob', { kind: 'add-group', group: 'confluence-inactive-users' }, 'failed'],
    ['run_a', '2026-11-26', 'carol', { kind: 'remove-group', group: 'confluence-users' }, 'skipped'],
    ['run_b', '2026-11-27', 'dave', { kind: 'remove-group', group: 'confluence-users' }],
  ],
);

test('undo of a run: only done steps, inverted, in reverse order, one row per user', () => {
  const got = rowsFor(RUN_A.entries, { kind: 'run', runId: 'run_a' }, RUN_A.states);
  assert.deepEqual(got.rows, [
    row('alice', 'undo of run run_a (remove from confluence-users, revoke individual "can use", add to confluence-inactive-users, deactivate on 2026-11-26)', '2026-11-26', [
      { kind: 'enable' },
      { kind: 'remove-group', group: 'confluence-inactive-users' },
      { kind: 'grant-application', application: 'confluence' },
      { kind: 'add-group', group: 'confluence-users' },
    ]),
    row('bob', 'undo of run run_a (remove from confluence-users on 2026-11-26)', '2026-11-26', [{ kind: 'add-group', group: 'confluence-users' }]),
  ]);
  assert.deepEqual(got.drifted, []);
  assert.deepEqual(got.leftAlone, []);
  // Each undo step is inverseOf(step, prior) of the done entry it puts back.
  const alice = RUN_A.entries.filter((e) => e.username === 'alice').reverse();
  assert.deepEqual(got.rows[0]?.steps, alice.map((e) => (e.prior === null ? null : inverseOf(e.step, e.prior))));
  const plan = undoPlan({ instance: 'wiki', scanId: 'scan_1', now: new Date('2026-11-28T10:00:00Z'), rows: got.rows, changes: got.changes });
  assert.equal(plan.kind, 'undo');
  assert.deepEqual(plan.undoOf, ['run_a']);
  assert.equal(verifyPlanHash(plan), true);
});

const THREE_RUNS = journal(
  [ALICE],
  [
    ['run_a', '2026-11-26', 'alice', { kind: 'remove-group', group: 'confluence-users' }],
    ['run_a', '2026-11-26', 'alice', { kind: 'add-group', group: 'confluence-inactive-users' }],
    ['run_b', '2026-11-28', 'alice', { kind: 'set-display-name', displayName: 'Alice (inactive)' }],
    ['run_b', '2026-11-28', 'alice', { kind: 'disable' }],
    ['run_c', '2026-11-29', 'alice', { kind: 'set-display-name', displayName: 'Alice (gone)' }],
    ['run_c', '2026-11-29', 'alice', { kind: 'disable' }, 'already-done'],
  ],
);

test('undo of a user across runs: the net change per field, back to the value before the first change', () => {
  const got = rowsFor(THREE_RUNS.entries, { kind: 'user', username: 'alice' }, THREE_RUNS.states);
  assert.deepEqual(got.rows, [
    {
      ...row(
        'alice',
        'undo of run run_a (remove from confluence-users, add to confluence-inactive-users on 2026-11-26); run run_b (deactivate on 2026-11-28); ' +
          'run run_c (set display name to "Alice (gone)" on 2026-11-29)',
        '2026-11-29',
        [
          { kind: 'set-display-name', displayName: 'Alice' },
          { kind: 'enable' },
          { kind: 'remove-group', group: 'confluence-inactive-users' },
          { kind: 'add-group', group: 'confluence-users' },
        ],
      ),
      displayName: 'Alice (gone)',
    },
  ]);
  const plan = undoPlan({ instance: 'wiki', scanId: '', now: new Date('2026-11-30T10:00:00Z'), rows: got.rows, changes: got.changes });
  assert.deepEqual(plan.undoOf, ['run_a', 'run_b', 'run_c']);
});

test('a run whose field a later run changed again leaves that field alone and says why', () => {
  const got = rowsFor(THREE_RUNS.entries, { kind: 'run', runId: 'run_b' }, THREE_RUNS.states);
  assert.deepEqual(got.rows.map((r) => r.steps), [[{ kind: 'enable' }]]);
  assert.deepEqual(got.leftAlone, [{ username: 'alice', text: 'display name: changed again by run run_c since; undo that run first' }]);
});

// run_a takes the seat; run_u is its undo; run_uu the undo of the undo.
const UNDONE = journal(
  [ALICE],
  [
    ['run_a', '2026-11-26', 'alice', { kind: 'remove-group', group: 'confluence-users' }],
    ['run_a', '2026-11-26', 'alice', { kind: 'add-group', group: 'confluence-inactive-users' }],
    ['run_u', '2026-11-27', 'alice', { kind: 'remove-group', group: 'confluence-inactive-users' }],
    ['run_u', '2026-11-27', 'alice', { kind: 'add-group', group: 'confluence-users' }],
  ],
);
const REDONE = journal(
  [ALICE],
  [
    ...UNDONE.entries.map((e): [string, string, string, ActionStep] => [e.runId, e.at.slice(0, 10), e.username, e.step]),
    ['run_uu', '2026-11-28', 'alice', { kind: 'remove-group', group: 'confluence-users' }],
    ['run_uu', '2026-11-28', 'alice', { kind: 'add-group', group: 'confluence-inactive-users' }],
  ],
);

test('after an undo, undo and re-apply, table-driven', async (t) => {
  const cases: { name: string; entries: JournalEntry[]; scope: UndoScope; steps: ActionStep[][]; leftAlone: string[] }[] = [
    { name: 'undo --user after an undo: net effect nothing', entries: UNDONE.entries, scope: { kind: 'user', username: 'alice' }, steps: [], leftAlone: [] },
    {
      name: 'undo --run of the undone run: already put back',
      entries: UNDONE.entries,
      scope: { kind: 'run', runId: 'run_a' },
      steps: [],
      leftAlone: ['confluence-inactive-users: already put back by run run_u', 'confluence-users: already put back by run run_u'],
    },
    {
      name: 'undo --run of the undo run: re-applies the original changes',
      entries: UNDONE.entries,
      scope: { kind: 'run', runId: 'run_u' },
      steps: [[{ kind: 'remove-group', group: 'confluence-users' }, { kind: 'add-group', group: 'confluence-inactive-users' }]],
      leftAlone: [],
    },
    {
      name: 'undo --user after an undo of the undo: the original change again',
      entries: REDONE.entries,
      scope: { kind: 'user', username: 'alice' },
      steps: [[{ kind: 'remove-group', group: 'confluence-inactive-users' }, { kind: 'add-group', group: 'confluence-users' }]],
      leftAlone: [],
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const { changes, leftAlone } = netChanges(c.entries, c.scope);
      const { rows } = undoRows({ changes, current: new Map([['alice', ALICE]]), identities: IDS, admin: NO_ADMIN, force: false });
      assert.deepEqual(rows.map((r) => r.steps), c.steps);
      assert.deepEqual(leftAlone.map((l) => l.text), c.leftAlone);
    });
  }
});

test('drift: a field the undo touches, changed by hand since the run, leaves the user out; a hand change to the undo target is no drift, table-driven', async (t) => {
  const left = RUN_A.states.get('alice');
  assert.ok(left);
  const named = journal([ALICE], [['run_n', '2026-11-26', 'alice', { kind: 'set-display-name', displayName: 'Alice (inactive)' }]]);
  const unknown = journal([{ ...ALICE, status: 'unknown' }], [['run_s', '2026-11-26', 'alice', { kind: 'disable' }]]);
  const back = (field: string, run = 'run_a'): string => `${field}: already put back by hand since run ${run}`;
  const cases: { name: string; entries: JournalEntry[]; runId: string; now: UserState | null; force?: boolean; notes: string[] | undefined; drifted: { username: string; changes: string[] }[] }[] = [
    { name: 'nothing changed since', entries: RUN_A.entries, runId: 'run_a', now: left, notes: [], drifted: [] },
    {
      name: 'added back to a licence group by hand: what the undo does anyway',
      entries: RUN_A.entries,
      runId: 'run_a',
      now: { ...left, groups: ['confluence-inactive-users', 'confluence-users', 'engineering'] },
      notes: [back('confluence-users')],
      drifted: [],
    },
    {
      name: 'taken out of the tracking group, reactivated and granted again: all of it the undo target',
      entries: RUN_A.entries,
      runId: 'run_a',
      now: { ...left, groups: ['engineering'], status: 'active', useGrant: true, directApplications: ['confluence'] },
      notes: [back('account'), back('confluence-inactive-users'), back('individual "can use"')],
      drifted: [],
    },
    { name: 'a field the undo does not touch', entries: RUN_A.entries, runId: 'run_a', now: { ...left, groups: [...left.groups, 'sales'].sort() }, notes: [], drifted: [] },
    {
      name: 'display name changed by hand to a third name: left out',
      entries: named.entries,
      runId: 'run_n',
      now: { ...ALICE, displayName: 'Alice Smith' },
      notes: undefined,
      drifted: [{ username: 'alice', changes: ['display name: changed to "Alice Smith" by hand since run run_n'] }],
    },
    {
      name: 'display name changed by hand, forced: overwritten, and said',
      entries: named.entries,
      runId: 'run_n',
      now: { ...ALICE, displayName: 'Alice Smith' },
      force: true,
      notes: ['display name: changed to "Alice Smith" by hand since run run_n'],
      drifted: [{ username: 'alice', changes: ['display name: changed to "Alice Smith" by hand since run run_n'] }],
    },
    { name: 'display name put back by hand', entries: named.entries, runId: 'run_n', now: ALICE, notes: [back('display name', 'run_n')], drifted: [] },
    {
      name: 'another individual permission granted by hand: neither what Seatkeeper left nor what it would put back',
      entries: RUN_A.entries,
      runId: 'run_a',
      now: { ...left, otherPermissions: ['space/create'] },
      notes: undefined,
      drifted: [{ username: 'alice', changes: ['individual "can use": now not granted with space/create by hand since run run_a'] }],
    },
    { name: 'the user no longer exists', entries: RUN_A.entries, runId: 'run_a', now: null, notes: ['the user no longer exists: nothing can be put back'], drifted: [] },
    {
      name: 'status unreadable before the run',
      entries: unknown.entries,
      runId: 'run_s',
      now: { ...ALICE, status: 'disabled' },
      notes: ['account: its status was unreadable before run run_s; the undo will reactivate it'],
      drifted: [],
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const got = rowsFor(c.entries, { kind: 'run', runId: c.runId }, new Map([['alice', c.now], ['bob', RUN_A.states.get('bob') ?? null]]), { force: c.force ?? false });
      const alice = got.rows.find((r) => r.username === 'alice');
      assert.deepEqual(alice?.notes, c.notes);
      assert.deepEqual(got.drifted, c.drifted);
      // Bob did not drift: his undo goes ahead whatever happened to Alice.
      assert.deepEqual(got.rows.find((r) => r.username === 'bob')?.steps, c.entries === RUN_A.entries ? [{ kind: 'add-group', group: 'confluence-users' }] : undefined);
    });
  }
});

test('administrators\' groups: held directly or nested inside, and protected groups, case-insensitively', () => {
  const grants = (adminGroups: string[]) => ({ useGroups: [], useUsers: [], adminGroups, adminUsers: [], source: 'permissions-api' as const });
  const admin = adminGroupsOf({
    grants: [grants(['Confluence-Administrators']), grants(['system-admins'])],
    nesting: [
      { parent: 'confluence-administrators', child: 'Ops' },
      { parent: 'ops', child: 'ops-oncall' },
      { parent: 'ops-oncall', child: 'confluence-administrators' },
      { parent: 'staff', child: 'engineering' },
    ],
    protectedGroups: ['Break-Glass'],
  });
  assert.equal(admin.unknown, false);
  assert.deepEqual(new Map([...admin.reasons].sort()), new Map([
    ['break-glass', 'it is a protected group'],
    ['confluence-administrators', 'the group grants administration'],
    ['ops', 'the group sits inside Confluence-Administrators, which grants administration'],
    ['ops-oncall', 'the group sits inside Confluence-Administrators, which grants administration'],
    ['system-admins', 'the group grants administration'],
  ]));
  assert.equal(adminGroupsOf({ grants: [], nesting: [], protectedGroups: [] }).unknown, true);
});

test('a forged journal row cannot make undo add anyone to an administrators\' group or grant administration unless forced', async (t) => {
  // Rows claiming Seatkeeper took bob out of the administrators' group and revoked an individual administer grant.
  const forged = journal(
    [{ ...BOB, groups: ['Confluence-Administrators', 'confluence-users'], useGrant: true, otherPermissions: ['SYSTEM/administer'] }],
    [
      ['run_f', '2026-11-26', 'bob', { kind: 'remove-group', group: 'confluence-users' }],
      ['run_f', '2026-11-26', 'bob', { kind: 'remove-group', group: 'Confluence-Administrators' }],
      ['run_f', '2026-11-26', 'bob', { kind: 'revoke-use-grant' }],
    ],
  );
  const admin = adminGroupsOf({
    grants: [{ adminGroups: ['confluence-administrators'] }],
    nesting: [],
    protectedGroups: [],
  });
  const grantBack = { kind: 'grant-application', application: 'confluence', restore: ['SYSTEM/administer'] } as const;
  const toAdmins = { kind: 'add-group', group: 'Confluence-Administrators' } as const;
  const toUsers = { kind: 'add-group', group: 'confluence-users' } as const;
  const cases: { name: string; admin: AdminGroups; force: boolean; steps: ActionStep[] | undefined; held: string[] }[] = [
    {
      name: 'unforced: only the ordinary group is put back',
      admin,
      force: false,
      steps: [toUsers],
      held: [`${describeStep(grantBack)} left out: it grants SYSTEM/administer individually`, 'add to Confluence-Administrators left out: the group grants administration'],
    },
    { name: 'forced: everything, with notes', admin, force: true, steps: [grantBack, toAdmins, toUsers], held: [] },
    {
      name: 'nobody said which groups administer: no group addition without force',
      admin: adminGroupsOf({ grants: [], nesting: [], protectedGroups: [] }),
      force: false,
      steps: undefined,
      held: [
        `${describeStep(grantBack)} left out: it grants SYSTEM/administer individually`,
        'add to Confluence-Administrators left out: no scan or live read says which groups grant administration',
        'add to confluence-users left out: no scan or live read says which groups grant administration',
      ],
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const got = rowsFor(forged.entries, { kind: 'run', runId: 'run_f' }, forged.states, { admin: c.admin, force: c.force });
      const bob = got.rows.find((r) => r.username === 'bob');
      assert.deepEqual(bob?.steps, c.steps);
      assert.deepEqual(got.held.map((h) => h.text), c.held);
      assert.ok(got.held.every((h) => h.username === 'bob'));
      if (c.force) assert.ok(bob?.notes.some((n) => n.includes('included because the undo is forced')));
    });
  }
});

test('undo of a rename: renamed back to the name before, unless another account has taken that name since', () => {
  const run = journal([BOB], [
    ['run_r', '2026-11-26', 'bob', { kind: 'disable' }],
    ['run_r', '2026-11-26', 'bob', { kind: 'rename', to: 'bob_inactive_20261126' }],
  ]);
  const now = new Map([['bob', run.states.get('bob') ?? null]]);
  const { changes } = netChanges(run.entries, { kind: 'run', runId: 'run_r' });
  const free = undoRows({ changes, current: now, identities: IDS, admin: NO_ADMIN, force: false, takenNames: new Map([['bob_inactive_20261126', 'key-bob']]) });
  assert.deepEqual(free.rows[0]?.steps, [{ kind: 'rename', to: 'bob' }, { kind: 'enable' }]);
  assert.deepEqual(free.held, []);
  // Someone else is "BOB" now (names compare case-insensitively): forced or not, the name is not taken from them.
  for (const force of [false, true]) {
    const taken = undoRows({ changes, current: now, identities: IDS, admin: NO_ADMIN, force, takenNames: new Map([['bob', 'key-new-bob']]) });
    assert.deepEqual(taken.rows[0]?.steps, [{ kind: 'enable' }]);
    assert.deepEqual(taken.held, [{ username: 'bob', text: 'rename back to "bob" not possible: another account (key key-new-bob) has that username now; rename one of them by hand' }]);
  }
});

test('undo of an e-mail change: the address read before is set back; one the user did not have is not cleared, and is said', () => {
  const run = journal([{ ...BOB, email: 'bob@old.example' }, { ...ALICE, email: null }], [
    ['run_e', '2026-11-26', 'bob', { kind: 'set-email', email: 'bob@new.example' }],
    ['run_e', '2026-11-26', 'alice', { kind: 'set-email', email: 'alice@new.example' }],
  ]);
  const now = new Map([['bob', run.states.get('bob') ?? null], ['alice', run.states.get('alice') ?? null]]);
  const { rows, held } = rowsFor(run.entries, { kind: 'run', runId: 'run_e' }, now);
  assert.deepEqual(rows.map((r) => [r.username, r.steps]), [['bob', [{ kind: 'set-email', email: 'bob@old.example' }]]]);
  assert.deepEqual(held, [{ username: 'alice', text: 'e-mail back to none not possible: alice had no address before run run_e; Seatkeeper does not clear addresses, clear it by hand if that is intended' }]);
  // Changed by hand since: drift, as for any field.
  const drifted = rowsFor(run.entries, { kind: 'run', runId: 'run_e' }, new Map([['bob', { ...BOB, email: 'bob@hand.example' }]]));
  assert.deepEqual(drifted.drifted.map((d) => d.username), ['bob']);
});
