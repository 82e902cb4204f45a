import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { netChanges, undoRows, type DriftedUser, type UndoScope } from './undo-planner.ts';
import { applyStep, directApplicationsOf, isAlreadyDone } from './action-step.ts';
import type { ActionStep, PlanRow } from './plan.ts';
import type { JournalEntry, UserState } from './journal.ts';

// fc.assert prints the seed and the counterexample path on failure; rerun one with { seed, path } in its options.
const RUNS = { numRuns: 10_000 };
const GROUPS = ['confluence-users', 'engineering', 'sales', 'confluence-inactive-users'];
const NAMES = ['Alice', 'Alice (inactive)', 'Bob', ''];

const stepArb: fc.Arbitrary<ActionStep> = fc.oneof(
  fc.constantFrom(...GROUPS).map((group): ActionStep => ({ kind: 'remove-group', group })),
  fc.constantFrom(...GROUPS).map((group): ActionStep => ({ kind: 'add-group', group })),
  fc.constantFrom<ActionStep>({ kind: 'revoke-use-grant' }, { kind: 'grant-use' }, { kind: 'disable' }, { kind: 'enable' }),
  fc.constantFrom(...NAMES).map((displayName): ActionStep => ({ kind: 'set-display-name', displayName })),
);

function stateArb(username: string): fc.Arbitrary<UserState> {
  return fc.record({
    username: fc.constant(username),
    status: fc.constantFrom('active' as const, 'disabled' as const, 'unknown' as const),
    displayName: fc.constantFrom(...NAMES),
    groups: fc.subarray(GROUPS).map((g) => [...g].sort()),
    useGrant: fc.boolean(),
    otherPermissions: fc.subarray(['personal_space/create', 'space/create']).map((p) => [...p].sort()),
    // Revoking "can use" removes every other individual permission, so a user without it holds none of them.
  }).map((s) => ({ ...s, otherPermissions: s.useGrant ? s.otherPermissions : [] })); // fc.record builds null-prototype objects; deepStrictEqual would tell them apart
}

/** A step of a policy run; `fail` and `skip` stand for the executor's failed and skipped outcomes. */
interface Op {
  readonly user: number;
  readonly step: ActionStep;
  readonly fate: 'send' | 'fail' | 'skip';
}

type RunSpec =
  | { readonly kind: 'policy'; readonly ops: readonly Op[] }
  /** An undo of an earlier run (index modulo the runs so far), planned by the undo planner itself. */
  | { readonly kind: 'undo-run'; readonly target: number }
  | { readonly kind: 'undo-user'; readonly user: number };

function runsArb(users: number): fc.Arbitrary<RunSpec[]> {
  const op = fc.record({
    user: fc.integer({ min: 0, max: users - 1 }),
    step: stepArb,
    fate: fc.constantFrom('send' as const, 'send' as const, 'send' as const, 'fail' as const, 'skip' as const),
  });
  const policy: fc.Arbitrary<RunSpec> = fc.record({ kind: fc.constant('policy' as const), ops: fc.array(op, { maxLength: 10 }) });
  const run = fc.oneof(
    { weight: 3, arbitrary: policy },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('undo-run' as const), target: fc.nat({ max: 10 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('undo-user' as const), user: fc.integer({ min: 0, max: users - 1 }) }) },
  );
  // A policy run first: an undo needs something to undo.
  return fc.tuple(policy, fc.array(run, { maxLength: 4 })).map(([first, rest]) => [first, ...rest]);
}

/** Runs steps the way applyPlan does: a step whose target holds is already-done; a failure skips the user's later steps. */
class JournalSim {
  readonly entries: JournalEntry[] = [];
  readonly states: Map<string, UserState>;
  readonly runIds: string[] = [];
  /** Each user's state before each run, by run id. */
  readonly before = new Map<string, Map<string, UserState>>();

  constructor(starts: readonly UserState[]) {
    this.states = new Map(starts.map((s) => [s.username, s]));
  }

  run(ops: readonly { username: string; step: ActionStep; fate: Op['fate'] }[]): string {
    const runId = `run_${this.runIds.length}`;
    this.runIds.push(runId);
    this.before.set(runId, new Map(this.states));
    const blocked = new Set<string>();
    for (const op of ops) {
      const prior = this.states.get(op.username);
      assert.ok(prior);
      let outcome: JournalEntry['outcome'];
      if (blocked.has(op.username) || op.fate === 'skip') outcome = 'skipped';
      else if (isAlreadyDone(op.step, prior)) outcome = 'already-done';
      else if (op.fate === 'fail') outcome = 'failed';
      else outcome = 'done';
      if (outcome === 'failed') blocked.add(op.username);
      if (outcome === 'done') this.states.set(op.username, applyStep(op.step, prior));
      const id = this.entries.length + 1;
      this.entries.push({ id, runId, username: op.username, seq: id, step: op.step, outcome, prior, error: null, at: '2026-11-26T03:00:00.000Z' });
    }
    return runId;
  }

  undoRows(scope: UndoScope): { rows: PlanRow[]; drifted: DriftedUser[] } {
    const { changes } = netChanges(this.entries, scope);
    return undoRows({ changes, current: this.states, identities: new Map(), admin: { reasons: new Map(), unknown: false }, force: false });
  }

  undo(scope: UndoScope): { runId: string; rows: PlanRow[]; drifted: DriftedUser[] } {
    const { rows, drifted } = this.undoRows(scope);
    const runId = this.run(rows.flatMap((r) => r.steps.map((step) => ({ username: r.username, step, fate: 'send' as const }))));
    return { runId, rows, drifted };
  }

  play(specs: readonly RunSpec[], users: readonly string[]): void {
    for (const spec of specs) {
      if (spec.kind === 'policy') this.run(spec.ops.map((o) => ({ username: users[o.user] ?? '', step: o.step, fate: o.fate })));
      else if (spec.kind === 'undo-user') this.undo({ kind: 'user', username: users[spec.user] ?? '' });
      else if (this.runIds.length > 0) this.undo({ kind: 'run', runId: this.runIds[spec.target % this.runIds.length] ?? '' });
    }
  }
}

/**
 * Restored exactly. An unreadable status ('unknown', a failed read rather than a state Confluence holds) cannot be
 * put back: every other field must be, and the status is then a real one (the table test checks the row's note).
 */
function assertRestored(restored: UserState | undefined, original: UserState): void {
  assert.ok(restored);
  // The individual grants compare as what they mean: an entry written before applications says only `useGrant`.
  const held = (s: UserState): UserState => ({ ...s, directApplications: [...directApplicationsOf(s)] });
  if (original.status === 'unknown') assert.deepEqual(held({ ...restored, status: 'unknown' }), held(original));
  else assert.deepEqual(held(restored), held(original));
}

test('applying any steps and then the undo rows restores the original state exactly (undo --user and undo --run)', () => {
  fc.assert(
    fc.property(stateArb('alice'), runsArb(1), (start, specs) => {
      const sim = new JournalSim([start]);
      sim.play(specs, ['alice']);
      const lastRun = sim.runIds[sim.runIds.length - 1] ?? '';
      const beforeLast = sim.before.get(lastRun)?.get('alice');
      assert.ok(beforeLast);

      // undo --run of the newest run puts the user back as it was before that run, undo runs included.
      const byRun = new JournalSim([start]);
      byRun.play(specs, ['alice']);
      const undoneRun = byRun.undo({ kind: 'run', runId: lastRun });
      assert.deepEqual(undoneRun.drifted, []);
      assertRestored(byRun.states.get('alice'), beforeLast);

      // undo --user puts back everything every run did, earlier undos included, so the user is as before the first.
      const undoneUser = sim.undo({ kind: 'user', username: 'alice' });
      assert.deepEqual(undoneUser.drifted, []);
      assertRestored(sim.states.get('alice'), start);
      // Nothing left to undo: a second undo --user is empty.
      assert.deepEqual(sim.undoRows({ kind: 'user', username: 'alice' }).rows, []);
    }),
    RUNS,
  );
});

function fieldKey(step: ActionStep): string {
  switch (step.kind) {
    case 'remove-group':
    case 'add-group':
      return `group:${step.group}`;
    case 'revoke-use-grant':
    case 'grant-use':
      return 'application:confluence';
    case 'revoke-application':
    case 'grant-application':
      return `application:${step.application}`;
    case 'rename':
      return 'username';
    case 'disable':
    case 'enable':
      return 'status';
    case 'set-display-name':
      return 'display-name';
    case 'set-email':
      return 'email';
    case 'confirm-seat-freed':
      return 'seat-check';
  }
}

test('the undo planner never emits a step for a user or field Seatkeeper did not change in the scope', () => {
  const users = ['alice', 'bob', 'carol'];
  fc.assert(
    fc.property(
      fc.tuple(stateArb('alice'), stateArb('bob'), stateArb('carol')),
      runsArb(users.length),
      fc.nat(),
      fc.boolean(),
      (starts, specs, pick, byUser) => {
        const sim = new JournalSim(starts);
        sim.play(specs, users);
        const scope: UndoScope = byUser
          ? { kind: 'user', username: users[pick % users.length] ?? '' }
          : { kind: 'run', runId: sim.runIds[pick % Math.max(1, sim.runIds.length)] ?? 'run_none' };
        const inScope = (e: JournalEntry): boolean => (scope.kind === 'user' ? e.username === scope.username : e.runId === scope.runId);
        const changed = new Set(sim.entries.filter((e) => e.outcome === 'done' && inScope(e)).map((e) => `${e.username} ${fieldKey(e.step)}`));
        const { rows } = sim.undoRows(scope);
        for (const row of rows) {
          for (const step of row.steps) {
            const key = `${row.username} ${fieldKey(step)}`;
            assert.ok(changed.has(key), `undo step ${JSON.stringify(step)} for ${row.username}, which Seatkeeper did not change in the scope`);
          }
          // One step per field: nothing is put back twice.
          const keys = row.steps.map(fieldKey);
          assert.equal(new Set(keys).size, keys.length);
          // No step whose target already holds: the net effect on that field is not nothing.
          const current = sim.states.get(row.username);
          assert.ok(current);
          for (const step of row.steps) assert.equal(isAlreadyDone(step, current), false, `${JSON.stringify(step)} is a no-op`);
        }
      },
    ),
    RUNS,
  );
});
