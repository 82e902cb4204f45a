// Rehearsal records apart from real ones, and the store's clock: one suite, run on SQLite and PostgreSQL. A real and a
// rehearsal store are opened on the same database, as a production store would be if someone rehearsed against it.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import { describeEachDialect } from '../../test/support/dialect-fixture.ts';
import { openStore } from './store-database.ts';
import { storeMigrations } from './migrations/store-migrator.ts';
import { fixedClock } from '../app/clock.ts';
import { InvalidInput, NotFound } from '../domain/errors.ts';
import { hashPlan } from '../domain/plan-hash.ts';
import type { Plan } from '../domain/plan.ts';
import type { Store } from '../app/store-port.ts';
import type { UserSnapshot } from '../domain/snapshot.ts';
import { LEGACY_CONFLUENCE_CAPABILITIES } from '../domain/instance-capabilities.ts';

const realDay = new Date('2026-02-01T09:00:00.000Z');
// The rehearsal ran days ahead (`--now`): its scan is newer than anything real.
const rehearsedDay = new Date('2026-02-20T09:00:00.000Z');

function plan(instance: string, scanId: string, createdAt: Date): Plan {
  const body: Omit<Plan, 'hash'> = {
    kind: 'policy',
    undoOf: [],
    instance,
    scanId,
    createdAt: createdAt.toISOString(),
    policies: ['inactive-users'],
    licensedUsers: 1,
    rows: [],
    summaries: [],
  };
  return { ...body, hash: hashPlan(body) };
}

function ann(firstSeen: Date): UserSnapshot {
  return { username: 'ann', userKey: 'k-ann', displayName: 'Ann', email: null, status: 'active', directory: null, lastLogin: null, loginKnown: true, createdAt: null, firstSeen };
}

async function scanOf(store: Store, instance: string, startedAt: Date): Promise<string> {
  const id = await store.scans.start({ instance, startedAt, connectedAs: 'admin', lastLoginSource: 'rest', capabilities: LEGACY_CONFLUENCE_CAPABILITIES });
  await store.scans.addUsers(id, [ann(startedAt)]);
  await store.scans.finish(id, {
    finishedAt: startedAt,
    status: 'complete',
    error: null,
    warnings: [],
    grants: { useGroups: ['confluence-users'], useUsers: [], adminGroups: [], adminUsers: [], source: 'permissions-api' },
    license: { used: 1, max: 10 },
    applications: [],
    readOnlyGroups: [],
    directories: [],
    groups: ['confluence-users'],
  });
  return id;
}

/** A scan, a plan on it and a run of the plan with one claimed entry for ann, written through `store`. */
async function worldOf(store: Store, instance: string, at: Date) {
  const scanId = await scanOf(store, instance, at);
  const planId = await store.plans.save(plan(instance, scanId, at), 'waiting-approval');
  const run = await store.journal.startRun({ planId, instance, startedAt: at });
  const entryId = await store.journal.claim({ runId: run.id, username: 'ann', seq: 0, step: { kind: 'remove-group', group: 'confluence-users' }, prior: null, at });
  return { scanId, planId, runId: run.id, entryId };
}

describeEachDialect('rehearsal records and the store clock', (fixture) => {
  let real: Store;
  let rehearsal: Store;
  before(async () => {
    rehearsal = await openStore(fixture().url, { rehearsal: true });
  });
  after(async () => {
    await rehearsal.close();
  });
  beforeEach(() => {
    real = fixture().store;
  });

  test('a real store never reads a rehearsal scan, plan, run or entry, nor a rehearsal store a real one; each acts only on its own', async () => {
    const mine = await worldOf(real, 'split', realDay);
    const rehearsed = await worldOf(rehearsal, 'split', rehearsedDay);
    assert.deepStrictEqual([real.rehearsal, rehearsal.rehearsal], [false, true]);

    for (const [store, own, other] of [
      [real, mine, rehearsed],
      [rehearsal, rehearsed, mine],
    ] as const) {
      // Scans: the newest is the store's own, even when the other's is dated later ("a newer scan exists").
      assert.equal((await store.scans.latest('split'))?.id, own.scanId);
      assert.equal((await store.scans.latest('split', { status: 'complete' }))?.id, own.scanId);
      assert.deepStrictEqual((await store.scans.recent('split', 10)).map((s) => s.id), [own.scanId]);
      assert.equal(await store.scans.get(other.scanId), null);
      await assert.rejects(store.scans.loadSnapshot(other.scanId), NotFound);
      await assert.rejects(store.scans.addUsers(other.scanId, [ann(realDay)]), NotFound);
      // Plans: not found, not approvable, no status change, no run started on one.
      assert.equal(await store.plans.get(other.planId), null);
      assert.equal((await store.plans.latest('split'))?.id, own.planId);
      await assert.rejects(store.plans.approve(other.planId, 'bob', realDay), NotFound);
      await assert.rejects(store.plans.setStatus(other.planId, 'applied'), NotFound);
      await assert.rejects(store.journal.startRun({ planId: other.planId, instance: 'split', startedAt: realDay }), NotFound);
      // Runs and their entries: invisible to listing, resume and undo, and no step is claimed or settled in them.
      assert.equal(await store.journal.getRun(other.runId), null);
      assert.deepStrictEqual((await store.journal.listRuns('split')).map((r) => r.id), [own.runId]);
      assert.deepStrictEqual([...(await store.journal.outcomeCounts('split')).keys()], [own.runId]);
      assert.deepStrictEqual(await store.journal.entries(other.runId), []);
      assert.deepStrictEqual((await store.journal.entriesForUser('split', 'ann')).map((e) => e.id), [own.entryId]);
      await assert.rejects(store.journal.claim({ runId: other.runId, username: 'bob', seq: 0, step: { kind: 'disable' }, prior: null, at: realDay }), NotFound);
      await assert.rejects(store.journal.settle(other.entryId, 'done', null, realDay), NotFound);
      await assert.rejects(store.journal.reclaim(other.entryId, realDay), NotFound);
      await assert.rejects(store.journal.finishRun(other.runId, 'done', realDay), NotFound);
      await assert.rejects(store.journal.reopenRun(other.runId), NotFound);
    }
    // Nothing above changed the other's records.
    assert.equal((await rehearsal.plans.get(rehearsed.planId))?.status, 'waiting-approval');
    assert.equal((await rehearsal.journal.getRun(rehearsed.runId))?.status, 'running');
    assert.equal((await rehearsal.journal.entries(rehearsed.runId))[0]?.outcome, 'claimed');
    // Each acts on its own as before.
    await rehearsal.journal.settle(rehearsed.entryId, 'done', null, rehearsedDay);
    await rehearsal.journal.finishRun(rehearsed.runId, 'done', rehearsedDay);
    await real.plans.approve(mine.planId, 'bob', realDay);
    assert.equal((await real.plans.get(mine.planId))?.status, 'approved');
  });

  test("the store tells its own time, and stamps a plan with it whatever instant the plan was made for", async () => {
    const before = Date.now();
    const now = await real.now();
    const after = Date.now();
    // The server's clock is this machine's here; a millisecond either way is the rounding of its microseconds.
    assert.ok(now.getTime() >= before - 1 && now.getTime() <= after + 1, `store time ${now.toISOString()} outside ${before}..${after}`);

    const asked = await rehearsal.now();
    const planId = await rehearsal.plans.save(plan('stamped', 'scan_ssssssssss', rehearsedDay), 'planned');
    const answered = await rehearsal.now();
    const stored = await rehearsal.plans.get(planId);
    assert.equal(stored?.plan.createdAt, rehearsedDay.toISOString(), 'the plan keeps the instant it was made for');
    const savedAt = Date.parse(stored?.savedAt ?? '');
    assert.ok(savedAt >= asked.getTime() && savedAt <= answered.getTime(), `saved at ${stored?.savedAt}, store time ${asked.toISOString()}..${answered.toISOString()}`);
  });

  test('only an SQLite store takes a clock of its process; a PostgreSQL store refuses one', async () => {
    const { url } = fixture();
    const clock = fixedClock(rehearsedDay);
    if (url.startsWith('postgres')) {
      await assert.rejects(openStore(url, { sqliteClock: clock }), InvalidInput);
      return;
    }
    const store = await openStore(url, { sqliteClock: clock });
    try {
      assert.equal((await store.now()).toISOString(), rehearsedDay.toISOString());
    } finally {
      await store.close();
    }
  });
});

test('migration 0007 marks every record written before it as real and dates its plans by their createdAt', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'sk-rehearsal-migration-')), 'seatkeeper.db');
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SqliteDatabase(file) }) });
  const migrations = storeMigrations('sqlite');
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateTo('0005-instance-facts');
  await db.destroy();
  assert.equal(error, undefined);
  const raw = new SqliteDatabase(file);
  try {
    raw
      .prepare("insert into plans (id, instance, scan_id, created_at, hash, status, plan_json) values ('plan_oldoldoldo', 'wiki', 'scan_x', ?, 'h', 'planned', '{}')")
      .run(realDay.toISOString());
  } finally {
    raw.close();
  }
  const store = await openStore(`sqlite:${file}`);
  await store.close();
  const after = new SqliteDatabase(file, { readonly: true });
  try {
    assert.deepStrictEqual(after.prepare("select rehearsal, saved_at from plans where id = 'plan_oldoldoldo'").get(), { rehearsal: 0, saved_at: realDay.toISOString() });
  } finally {
    after.close();
  }
});
