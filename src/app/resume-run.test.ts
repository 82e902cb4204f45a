// Which interrupted runs the scheduler resumes by itself, on a real SQLite store: runs left `running` without a live
// lease, oldest first; not runs a live process holds, not runs a brake stopped, not finished ones.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/store-database.ts';
import type { Store } from './store-port.ts';
import type { RunReport } from './apply-plan.ts';
import type { RunRecord } from '../domain/journal.ts';
import type { Plan } from '../domain/plan.ts';
import { hashPlan } from '../domain/plan-hash.ts';
import { resumeInterruptedRuns, resumeRun, RunNoLongerInterrupted } from './resume-run.ts';
import { fixedClock } from './clock.ts';
import { Conflict, GuardTripped } from '../domain/errors.ts';
import Database from 'better-sqlite3';
import type { PlanStatus } from './store/plan-repository-port.ts';
import { DEFAULT_LIMITS } from '../domain/safety-guard.ts';
import { UntrustedRecord } from './record-signing.ts';
import type { ConfluenceDcConnector } from '../connectors/confluence-dc/confluence-dc-connector.ts';
import { snapshot, user } from '../../test/support/snapshot-builder.ts';
import { testRecordKey } from '../../test/support/record-key.ts';
import { startConfluenceEmulator } from '../emulators/confluence-dc/confluence-emulator.ts';
import { generateOrganisation } from '../emulators/confluence-dc/org-generator.ts';
import { createConfluenceDcConnector } from '../connectors/confluence-dc/confluence-dc-connector.ts';
import { confluenceDcConfigSchema } from '../connectors/confluence-dc/confluence-dc-config.ts';
import { LEGACY_CONFLUENCE_CAPABILITIES } from '../domain/instance-capabilities.ts';

const t0 = new Date('2026-03-01T03:00:00.000Z');
const at = (seconds: number): Date => new Date(t0.getTime() + seconds * 1000);

// The store's clock, which judges leases: the SQLite store's process clock, set by the test.
const storeClock = fixedClock(at(0));
const key = testRecordKey();
let store: Store;
let file: string;
before(async () => {
  file = join(mkdtempSync(join(tmpdir(), 'sk-resume-')), 'seatkeeper.db');
  store = await openStore(`sqlite:${file}`, { sqliteClock: storeClock, key: () => key });
});

/** One SQL statement around the store, as anyone with write access to the database could run it. */
function sqlite(statement: string, ...values: unknown[]): void {
  const db = new Database(file);
  try {
    db.prepare(statement).run(...values);
  } finally {
    db.close();
  }
}

/** A complete scan of one user, so the plans below rest on a sane scan. */
async function scanOf(instance: string): Promise<string> {
  const snap = snapshot({ users: [user('somebody')], memberships: {} });
  const id = await store.scans.start({ instance, startedAt: t0, connectedAs: snap.connectedAs, lastLoginSource: 'rest', capabilities: LEGACY_CONFLUENCE_CAPABILITIES });
  await store.scans.addUsers(id, snap.users);
  await store.scans.finish(id, {
    finishedAt: t0,
    status: 'complete',
    error: null,
    warnings: [],
    grants: snap.grants,
    license: snap.license,
    applications: snap.applications,
    directories: snap.directories,
    groups: snap.groups,
    readOnlyGroups: snap.readOnlyGroups,
  });
  return id;
}

/** A signed plan on a real scan (without rows unless given), and its run. */
async function signedRun(instance: string, status: PlanStatus = 'planned', rows: Plan['rows'] = []): Promise<{ planId: string; runId: string }> {
  const body: Omit<Plan, 'hash'> = { kind: 'policy', undoOf: [], instance, scanId: await scanOf(instance), createdAt: t0.toISOString(), policies: ['p'], licensedUsers: 100, rows, summaries: [] };
  const planId = await store.plans.save({ ...body, hash: hashPlan(body) }, status);
  return { planId, runId: (await store.journal.startRun({ planId, instance, startedAt: t0 })).id };
}
after(async () => {
  await store.close();
});

async function runOn(instance: string, startedAt: Date): Promise<string> {
  const body: Omit<Plan, 'hash'> = { kind: 'policy', undoOf: [], instance, scanId: 'scan_rrrrrrrrrr', createdAt: t0.toISOString(), policies: ['p'], licensedUsers: 1, rows: [], summaries: [] };
  const planId = await store.plans.save({ ...body, hash: hashPlan(body) }, 'planned');
  return (await store.journal.startRun({ planId, instance, startedAt })).id;
}

function reportOf(run: RunRecord): RunReport {
  return { runId: run.id, planId: run.planId, status: 'done', counts: { done: 1, 'already-done': 0, failed: 0, skipped: 0 }, usersChanged: 1, failures: [], notPossible: [] };
}

test('runs left running without a live lease are resumed oldest first; held, stopped and finished runs are left alone', async () => {
  const orphanNew = await runOn('wiki-a', at(20));
  const orphanOld = await runOn('wiki-b', at(10));
  const held = await runOn('wiki-c', at(30));
  const expired = await runOn('wiki-d', at(40));
  const stopped = await runOn('wiki-e', at(50));
  const finished = await runOn('wiki-f', at(60));
  await store.journal.finishRun(stopped, 'stopped', at(55));
  await store.journal.finishRun(finished, 'done', at(65));
  storeClock.set(at(90));
  await store.leases.take({ instance: 'wiki-c', holder: 'alive:1', ttlMs: 60_000 });
  storeClock.set(at(40));
  await store.leases.take({ instance: 'wiki-d', holder: 'dead:2', ttlMs: 60_000 });

  storeClock.set(at(120));
  const resumed: string[] = [];
  const outcomes = await resumeInterruptedRuns({ store }, async (run) => {
    resumed.push(run.id);
    return reportOf(run);
  });
  assert.deepEqual(resumed, [orphanOld, orphanNew, expired]);
  assert.deepEqual(
    outcomes.map((o) => [o.runId, o.action]),
    [
      [orphanOld, 'resumed'],
      [orphanNew, 'resumed'],
      [held, 'held'],
      [expired, 'resumed'],
    ],
  );
  const heldOutcome = outcomes.find((o) => o.runId === held);
  assert.equal(heldOutcome?.action === 'held' ? heldOutcome.detail : '', `lease held by alive:1 until ${at(150).toISOString()}`);
  for (const id of [orphanOld, orphanNew, expired, held]) await store.journal.finishRun(id, 'done', at(130));
});

test('a run another process took first is held, not failed; any other error is reported for the next pass', async () => {
  const raced = await runOn('wiki-g', at(0));
  const broken = await runOn('wiki-h', at(1));
  const outcomes = await resumeInterruptedRuns({ store }, async (run) => {
    if (run.id === raced) throw new GuardTripped('instance wiki-g is being changed by another run', 'run.lease', 1, 1);
    throw new Error('Confluence answered 401');
  });
  assert.deepEqual(
    outcomes.map((o) => [o.runId, o.action, o.action === 'resumed' ? '' : o.detail]),
    [
      [raced, 'held', 'instance wiki-g is being changed by another run'],
      [broken, 'failed', 'Confluence answered 401'],
    ],
  );
});

/** A connector to a fresh emulator, closed after `body`; the emulator's record of changes is handed in. */
async function withEmulator(instance: string, body: (connector: ConfluenceDcConnector, changes: () => number) => Promise<void>): Promise<void> {
  const emulator = await startConfluenceEmulator({ org: generateOrganisation({ seed: 5, users: 20, now: new Date() }) });
  const config = confluenceDcConfigSchema.parse({ product: 'confluence-dc', url: emulator.url, auth: { token: emulator.credentials.admin.token } });
  const connector = createConfluenceDcConnector(instance, config);
  try {
    await body(connector, () => emulator.state.changes.length);
  } finally {
    await connector.close();
    await emulator.close();
  }
}

const protection = { users: [], groups: [] };
// The clock the resumes run at: an hour after the plans were made, well inside their 24 h.
const clock = fixedClock(at(3600));

test('the scheduler\'s resume leaves a run that another process stopped or finished meanwhile; `seatkeeper resume` still takes it', async () => {
  await withEmulator('wiki-i', async (connector) => {
    const { runId: stopped } = await signedRun('wiki-i');
    await store.journal.finishRun(stopped, 'stopped', at(5));
    const deps = { store, connector, clock, concurrency: 1, key };
    await assert.rejects(resumeRun(deps, { runId: stopped, protection, limits: DEFAULT_LIMITS, onlyIfRunning: true }), (error: unknown) => {
      assert.ok(error instanceof RunNoLongerInterrupted);
      assert.equal(error.message, `run ${stopped} is stopped now, not interrupted: left as it is`);
      return true;
    });
    assert.equal((await store.journal.getRun(stopped))?.status, 'stopped');
    const resumed = await resumeRun(deps, { runId: stopped, protection, limits: DEFAULT_LIMITS });
    assert.equal(resumed.status, 'done');
  });
});

test('serve does not resume a plan and a `running` run inserted with SQL: the run is reported failed and left as it was', async () => {
  await withEmulator('wiki-j', async (connector, changes) => {
    const { planId } = await signedRun('wiki-j');
    // A run for a signed plan, but not written by Seatkeeper.
    sqlite('insert into runs (id, plan_id, instance, started_at, status) values (?, ?, ?, ?, ?)', 'run_forgedrun001', planId, 'wiki-j', t0.toISOString(), 'running');
    const deps = { store, connector, clock, concurrency: 1, key };
    const outcomes = await resumeInterruptedRuns({ store }, (run) => resumeRun(deps, { runId: run.id, protection, limits: DEFAULT_LIMITS, onlyIfRunning: true }));
    const forged = outcomes.find((o) => o.runId === 'run_forgedrun001');
    assert.deepStrictEqual(forged, {
      runId: 'run_forgedrun001',
      instance: 'wiki-j',
      action: 'failed',
      detail: 'run run_forgedrun001 carries no signature: it was written before Seatkeeper signed its records, or not by Seatkeeper; Seatkeeper does not act on it: it is left as it is; review it, and plan again for what is left to do',
    });
    assert.equal((await store.journal.getRun('run_forgedrun001'))?.status, 'running');
    assert.equal(changes(), 0);
    for (const outcome of outcomes) if (outcome.runId !== 'run_forgedrun001') await store.journal.finishRun(outcome.runId, 'done', at(3600)).catch(() => undefined);
  });
});

test('a journal row inserted with SQL stops the resume before anything is sent or reopened', async () => {
  await withEmulator('wiki-k', async (connector, changes) => {
    const { runId } = await signedRun('wiki-k');
    await store.journal.finishRun(runId, 'done-with-failures', at(10));
    sqlite(
      'insert into journal_entries (run_id, username, step_seq, step_json, outcome, prior_json, claimed_at) values (?, ?, ?, ?, ?, ?, ?)',
      runId, 'mallory', 0, JSON.stringify({ kind: 'add-group', group: 'confluence-administrators' }), 'failed', null, t0.toISOString(),
    );
    const deps = { store, connector, clock, concurrency: 1, key };
    await assert.rejects(resumeRun(deps, { runId, protection, limits: DEFAULT_LIMITS }), (error: unknown) => {
      assert.ok(error instanceof UntrustedRecord);
      assert.match(error.message, new RegExp(`^journal entry \\d+ of run ${runId} carries no signature: .*Seatkeeper does not act on it: nothing of its run is resumed or undone on the journal's word`));
      return true;
    });
    assert.equal((await store.journal.getRun(runId))?.status, 'done-with-failures', 'the refused resume left the run as it was');
    assert.equal(changes(), 0);
  });
});

test('resume re-runs the guards of a fresh apply: a plan past its TTL, or one waiting for approval, is not resumed', async () => {
  await withEmulator('wiki-l', async (connector, changes) => {
    const savedAt = storeClock.now();
    const { runId: old } = await signedRun('wiki-l');
    // Plan age is the store's clock against the instant the store saved the plan.
    storeClock.set(new Date(savedAt.getTime() + (24 * 3600 + 1) * 1000));
    const late = { store, connector, clock, concurrency: 1, key };
    await assert.rejects(resumeRun(late, { runId: old, protection, limits: DEFAULT_LIMITS }), (error: unknown) => {
      assert.ok(error instanceof Conflict);
      assert.match(error.message, /was made 24\.0 h ago, longer than safety\.planTtlHours \(24 h\) allows: plan again/);
      return true;
    });
    storeClock.set(savedAt);
    assert.equal((await store.journal.getRun(old))?.status, 'running');
    // A run of a plan that still waits for approval (as if its status had been set back by hand) is not finished either.
    const { runId: waiting } = await signedRun('wiki-l', 'waiting-approval');
    const deps = { store, connector, clock, concurrency: 1, key };
    await assert.rejects(resumeRun(deps, { runId: waiting, protection, limits: DEFAULT_LIMITS }), (error: unknown) => error instanceof GuardTripped && error.guard === 'plan.refused');
    assert.equal((await store.journal.getRun(waiting))?.status, 'running');
    assert.equal(changes(), 0);
    for (const id of [old, waiting]) await store.journal.finishRun(id, 'stopped', at(3600));
  });
});

test('resume re-runs the limits and safety.minAdmins as they are now', async () => {
  await withEmulator('wiki-m', async (connector, changes) => {
    const rows: Plan['rows'] = ['u1', 'u2', 'u3'].map((username) => ({
      username,
      userKey: `key-${username}`,
      displayName: username,
      directory: null,
      policy: 'p',
      reason: { rule: 'inactive', text: 'inactive', lastLogin: null, referenceDate: null, days: 200, thresholdDays: 90 },
      steps: [{ kind: 'disable' }],
      notes: [],
    }));
    const { runId } = await signedRun('wiki-m', 'planned', rows);
    const deps = { store, connector, clock, concurrency: 1, key };
    const guardOf = (limits: typeof DEFAULT_LIMITS) =>
      resumeRun(deps, { runId, protection, limits }).then(
        () => 'resumed',
        (error: unknown) => (error instanceof GuardTripped ? error.guard : String(error)),
      );
    // The limits were lowered since the run started; and the scan it rests on shows no administrator at all.
    assert.equal(await guardOf({ ...DEFAULT_LIMITS, maxActions: 2 }), 'safety.maxActions');
    assert.equal(await guardOf(DEFAULT_LIMITS), 'safety.minAdmins');
    assert.equal((await store.journal.getRun(runId))?.status, 'running');
    assert.equal(changes(), 0);
    await store.journal.finishRun(runId, 'stopped', at(3600));
  });
});

test("serve's resume never picks up a rehearsal's interrupted run, nor a rehearsal's a real one", async () => {
  const rehearsal = await openStore(`sqlite:${file}`, { rehearsal: true, sqliteClock: storeClock });
  try {
    const body: Omit<Plan, 'hash'> = { kind: 'policy', undoOf: [], instance: 'wiki-r', scanId: 'scan_rrrrrrrrrr', createdAt: t0.toISOString(), policies: ['p'], licensedUsers: 1, rows: [], summaries: [] };
    const planId = await rehearsal.plans.save({ ...body, hash: hashPlan(body) }, 'planned');
    const rehearsed = (await rehearsal.journal.startRun({ planId, instance: 'wiki-r', startedAt: at(0) })).id;
    const real = await runOn('wiki-s', at(0));
    const seen = { real: [] as string[], rehearsal: [] as string[] };
    await resumeInterruptedRuns({ store }, async (run) => {
      seen.real.push(run.id);
      return reportOf(run);
    });
    await resumeInterruptedRuns({ store: rehearsal }, async (run) => {
      seen.rehearsal.push(run.id);
      return reportOf(run);
    });
    // Earlier tests leave real runs running too; the rehearsal's is never among them.
    assert.ok(seen.real.includes(real) && !seen.real.includes(rehearsed), seen.real.join());
    assert.deepEqual(seen.rehearsal, [rehearsed]);
    await store.journal.finishRun(real, 'done', at(1));
    await rehearsal.journal.finishRun(rehearsed, 'done', at(1));
  } finally {
    await rehearsal.close();
  }
});
