// Migration 0006 on a store from before it: a plan the old code applied twice keeps its first run as its one run, so
// a third apply is refused naming it; the old rows stay unsigned (refused for acting, readable for display).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { describeEachDialect } from '../../test/support/dialect-fixture.ts';
import { storeMigrations } from './migrations/store-migrator.ts';
import { openStore } from './store-database.ts';
import { canonicalJson, hashPlan } from '../domain/plan-hash.ts';
import type { Plan } from '../domain/plan.ts';
import { Conflict } from '../domain/errors.ts';

function rawDatabase(url: string): Kysely<unknown> {
  if (url.startsWith('sqlite:')) return new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SqliteDatabase(url.slice('sqlite:'.length)) }) });
  return new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
}

describeEachDialect('migration 0006 on an older store', (fixture) => {
  test('a plan applied twice before keeps its first run; both old runs read back unsigned', async () => {
    const { url, store, execute } = fixture();
    await store.close();
    const dialect = url.startsWith('sqlite:') ? 'sqlite' : 'postgres';
    const db = rawDatabase(url);
    const migrator = new Migrator({ db, provider: { getMigrations: async () => storeMigrations(dialect) } });
    try {
      const down = await migrator.migrateTo('0005-instance-facts');
      assert.equal(down.error, undefined, String(down.error));
    } finally {
      await db.destroy();
    }
    const body: Omit<Plan, 'hash'> = { kind: 'policy', undoOf: [], instance: 'old', scanId: 'scan_old0000001', createdAt: '2026-01-01T00:00:00.000Z', policies: ['p'], licensedUsers: 1, rows: [], summaries: [] };
    await execute('insert into plans (id, instance, scan_id, created_at, hash, status, plan_json) values ($1, $2, $3, $4, $5, $6, $7)', [
      'plan_old0000001', 'old', body.scanId, body.createdAt, hashPlan(body), 'applied', canonicalJson(body),
    ]);
    for (const [id, startedAt] of [['run_old00000001', '2026-01-01T01:00:00.000Z'], ['run_old00000002', '2026-01-02T01:00:00.000Z']]) {
      await execute('insert into runs (id, plan_id, instance, started_at, finished_at, status) values ($1, $2, $3, $4, $5, $6)', [id, 'plan_old0000001', 'old', startedAt, startedAt, 'done']);
    }
    const reopened = await openStore(url);
    try {
      assert.equal((await reopened.journal.runOfPlan('plan_old0000001'))?.id, 'run_old00000001');
      assert.deepStrictEqual((await reopened.journal.listRuns('old')).map((r) => [r.id, r.signature]), [['run_old00000002', null], ['run_old00000001', null]]);
      assert.equal((await reopened.plans.get('plan_old0000001'))?.signature, null);
      await assert.rejects(reopened.journal.startRun({ planId: 'plan_old0000001', instance: 'old', startedAt: new Date() }), (error: unknown) => {
        assert.ok(error instanceof Conflict);
        assert.equal(error.message, 'Plan plan_old0000001 already has run run_old00000001; a plan runs once.');
        return true;
      });
    } finally {
      await reopened.close();
    }
  });
});
