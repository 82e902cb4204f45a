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
import { resumeInterruptedRuns, resumeRun } from './resume-run.ts';
import { fixedClock, systemClock } from './clock.ts';
import { Conflict, GuardTripped } from '../domain/errors.ts';
import { startConfluenceEmulator } from '../emulators/confluence-dc/confluence-emulator.ts';
import { generateOrganisation } from '../emulators/confluence-dc/org-generator.ts';
import { createConfluenceDcConnector } from '../connectors/confluence-dc/confluence-dc-connector.ts';
import { confluenceDcConfigSchema } from '../connectors/confluence-dc/confluence-dc-config.ts';

const t0 = new Date('2026-03-01T03:00:00.000Z');
const at = (seconds: number): Date => new Date(t0.getTime() + seconds * 1000);

// The store's clock, which judges leases: the SQLite store's process clock, set by the test.
const storeClock = fixedClock(at(0));
const file = join(mkdtempSync(join(tmpdir(), 'sk-resume-')), 'seatkeeper.db');
let store: Store;
before(async () => {
  store = await openStore(`sqlite:${file}`, { sqliteClock: storeClock });
});
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

test('the scheduler\'s resume leaves a run that another process stopped or finished meanwhile; `seatkeeper resume` still takes it', async () => {
  const emulator = await startConfluenceEmulator({ org: generateOrganisation({ seed: 5, users: 20, now: new Date() }) });
  const config = confluenceDcConfigSchema.parse({ product: 'confluence-dc', url: emulator.url, auth: { token: emulator.credentials.admin.token } });
  const connector = createConfluenceDcConnector('wiki-i', config);
  try {
    const stopped = await runOn('wiki-i', at(0));
    await store.journal.finishRun(stopped, 'stopped', at(5));
    const deps = { store, connector, clock: systemClock, concurrency: 1 };
    const protection = { users: [], groups: [] };
    await assert.rejects(resumeRun(deps, { runId: stopped, protection, onlyIfRunning: true }), (error: unknown) => {
      assert.ok(error instanceof Conflict);
      assert.equal(error.message, `run ${stopped} is stopped now, not interrupted: left as it is`);
      return true;
    });
    assert.equal((await store.journal.getRun(stopped))?.status, 'stopped');
    const resumed = await resumeRun(deps, { runId: stopped, protection });
    assert.equal(resumed.status, 'done');
  } finally {
    await connector.close();
    await emulator.close();
  }
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
