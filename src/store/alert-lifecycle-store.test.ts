// Alerts that end when their cause clears, one alert per brake stop, and the list of plans: on SQLite and PostgreSQL.
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { describeEachDialect } from '../../test/support/dialect-fixture.ts';
import { parseStoreUrl } from './store-database.ts';
import { migrateToLatest, storeMigrations } from './migrations/store-migrator.ts';
import { hashPlan } from '../domain/plan-hash.ts';
import type { Plan } from '../domain/plan.ts';
import type { Store } from '../app/store-port.ts';
import { raiseGuardAlert, raiseRunAlert, resolvePlanAlerts, resolveRunAlerts, resolveScanAlerts } from '../app/guard-alerts.ts';

const t0 = new Date('2026-03-01T09:00:00.000Z');
const minutes = (n: number): Date => new Date(t0.getTime() + n * 60_000);

function plan(instance: string, createdAt: Date, policies: string[]): Plan {
  const body: Omit<Plan, 'hash'> = {
    kind: 'policy',
    undoOf: [],
    instance,
    scanId: 'scan_lllllllll',
    createdAt: createdAt.toISOString(),
    policies,
    licensedUsers: 10,
    rows: [],
    summaries: [],
  };
  return { ...body, hash: hashPlan(body) };
}

describeEachDialect('alert lifecycle', (fixture) => {
  let store: Store;
  beforeEach(() => {
    store = fixture().store;
  });

  test('every brake stop raises its own alert, the second stop of the same run included; a run that finished done resolves them', async () => {
    const instance = 'brakes';
    const stop = (runId: string, kind: string, at: Date) =>
      raiseRunAlert(store, { instance, scanId: 'scan_1', runId, kind, message: `${runId} stopped`, every: true }, at);
    const first = await stop('run_a', 'run.failureRate', minutes(1));
    const second = await stop('run_a', 'run.failureRate', minutes(2));
    const other = await stop('run_b', 'run.circuitOpen', minutes(3));
    assert.equal(new Set([first.id, second.id, other.id]).size, 3, 'three stops, three alerts (before: one per scan and kind)');
    assert.deepStrictEqual((await store.alerts.listOpen(instance)).map((a) => [a.id, a.runId, a.kind]), [
      [first.id, 'run_a', 'run.failureRate'],
      [second.id, 'run_a', 'run.failureRate'],
      [other.id, 'run_b', 'run.circuitOpen'],
    ]);

    const resolved = await resolveRunAlerts(store, { instance, runId: 'run_a' }, minutes(10));
    assert.deepStrictEqual(resolved.map((a) => [a.id, a.resolvedAt, a.resolvedReason]), [
      [first.id, minutes(10).toISOString(), 'run run_a was resumed and finished done'],
      [second.id, minutes(10).toISOString(), 'run run_a was resumed and finished done'],
    ]);
    assert.deepStrictEqual((await store.alerts.listOpen(instance)).map((a) => a.id), [other.id], 'only the other run stays open');
    assert.deepStrictEqual((await store.alerts.listAll(instance)).map((a) => a.id), [first.id, second.id, other.id], '--all keeps the resolved ones');
    // Resolving again changes nothing: the first reason and time stay.
    assert.deepStrictEqual(await resolveRunAlerts(store, { instance, runId: 'run_a' }, minutes(11)), []);
  });

  test('a run that ended with failures alerts once while unresolved; a scan guard clears on the next sane scan, not on its own', async () => {
    const instance = 'causes';
    const failures = (at: Date) =>
      raiseRunAlert(store, { instance, scanId: 'scan_1', runId: 'run_f', kind: 'run.failures', message: 'run run_f ended with 2 failed steps', every: false }, at);
    const a = await failures(minutes(1));
    const again = await failures(minutes(2));
    assert.equal(again.id, a.id);

    const incomplete = await raiseGuardAlert(store, { instance, scanId: 'scan_1', guard: 'scan.incomplete', message: 'paging ended short' }, minutes(3));
    assert.deepStrictEqual(await resolveScanAlerts(store, { id: 'scan_1', instance }, minutes(4)), [], 'the incomplete scan does not clear itself');
    const cleared = await resolveScanAlerts(store, { id: 'scan_2', instance }, minutes(5));
    assert.deepStrictEqual(cleared.map((x) => [x.id, x.resolvedReason]), [[incomplete.id, 'scan scan_2 is complete and sane']]);
    // The same cause coming back after it cleared is a new alert.
    const back = await raiseGuardAlert(store, { instance, scanId: 'scan_1', guard: 'scan.incomplete', message: 'paging ended short' }, minutes(6));
    assert.notEqual(back.id, incomplete.id);

    const held = await raiseGuardAlert(store, { instance, scanId: 'scan_2', guard: 'safety.maxActions', message: 'plan too big' }, minutes(7));
    const within = await resolvePlanAlerts(store, { instance, planId: 'plan_small' }, minutes(8));
    assert.deepStrictEqual(within.map((x) => [x.id, x.resolvedReason]), [[held.id, 'plan plan_small is within the limits']]);
    assert.deepStrictEqual((await store.alerts.listOpen(instance)).map((x) => x.kind).sort(), ['run.failures', 'scan.incomplete']);
  });

  test('an acknowledged alert still folds repeats until it is resolved', async () => {
    const instance = 'acked';
    const raise = (at: Date) => raiseGuardAlert(store, { instance, scanId: 'scan_9', guard: 'safety.minAdmins', message: 'too few admins' }, at);
    const a = await raise(minutes(1));
    await store.alerts.acknowledge(a.id, 'bob', minutes(2));
    assert.equal((await raise(minutes(3))).id, a.id);
    assert.deepStrictEqual(await store.alerts.listOpen(instance), []);
    await resolvePlanAlerts(store, { instance, planId: 'plan_ok' }, minutes(4));
    const [all] = await store.alerts.listAll(instance);
    assert.deepStrictEqual([all?.acknowledgedBy, all?.resolvedReason], ['bob', 'plan plan_ok is within the limits']);
  });

  test('plans are listed newest first, of one instance or all, up to the limit', async () => {
    const older = await store.plans.save(plan('listed', minutes(1), ['inactive-users']), 'applied', { createdBy: 'alice' });
    const newer = await store.plans.save(plan('listed', minutes(2), ['leavers']), 'waiting-approval', { createdBy: 'bob' });
    const elsewhere = await store.plans.save(plan('listed-other', minutes(3), ['inactive-users']), 'planned');
    assert.deepStrictEqual((await store.plans.list('listed', 10)).map((p) => [p.id, p.status, p.createdBy, p.plan.policies]), [
      [newer, 'waiting-approval', 'bob', ['leavers']],
      [older, 'applied', 'alice', ['inactive-users']],
    ]);
    assert.deepStrictEqual((await store.plans.list('listed', 1)).map((p) => p.id), [newer]);
    const all = (await store.plans.list(undefined, 100)).map((p) => p.id);
    assert.ok(all.includes(elsewhere) && all.indexOf(elsewhere) < all.indexOf(newer));
  });
});

describeEachDialect('alert lifecycle migration', (fixture) => {
  test('0008 keeps the alerts of the old table with their ids, folds repeats of them, numbers new ones after them, and goes down again', async () => {
    const { url, store } = fixture();
    const target = parseStoreUrl(url);
    const db =
      target.dialect === 'sqlite'
        ? new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SqliteDatabase(target.file) }) })
        : new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: target.connectionString, max: 1 }) }) });
    try {
      const schema = target.dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s : undefined;
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => storeMigrations(target.dialect) },
        ...(schema === undefined ? {} : { migrationTableSchema: schema }),
      });
      const down = await migrator.migrateTo('0005-instance-facts');
      assert.equal(down.error, undefined);
      await sql`insert into alerts (instance, scan_id, kind, message, created_at) values
        ('migrated', 'scan_1', 'scan.incomplete', 'old one', ${t0.toISOString()}),
        ('migrated', 'scan_1', 'safety.maxActions', 'old two', ${t0.toISOString()})`.execute(db);
      const up = await migrateAgain(db, target.dialect, schema);
      assert.equal(up, undefined);
    } finally {
      await db.destroy();
    }
    const copied = await store.alerts.listOpen('migrated');
    assert.deepStrictEqual(copied.map((a) => [a.kind, a.message, a.runId, a.resolvedAt]), [
      ['scan.incomplete', 'old one', null, null],
      ['safety.maxActions', 'old two', null, null],
    ]);
    const repeat = await store.alerts.raise({ instance: 'migrated', scanId: 'scan_1', kind: 'scan.incomplete', message: 'again', at: minutes(1) });
    assert.deepStrictEqual([repeat.created, repeat.alert.id], [false, copied[0]?.id]);
    const fresh = await store.alerts.raise({ instance: 'migrated', scanId: 'scan_2', kind: 'scan.incomplete', message: 'new', at: minutes(2) });
    assert.ok(fresh.created && fresh.alert.id > Math.max(...copied.map((a) => a.id)), 'new ids come after the copied ones');
  });
});

async function migrateAgain(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres', schema: string | undefined): Promise<unknown> {
  try {
    await migrateToLatest(db, dialect, schema);
    return undefined;
  } catch (error) {
    return error;
  }
}
