// Migration 0012 on a store from before it: journal entries written by the store, the schema taken back to 0011 (which
// drops the column), then opened again. Each entry gets the key of its run's plan row (usernames compared exactly as the
// plan wrote them), else its prior state's, else none; nothing else changes, and every signature still verifies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { describeEachDialect } from '../../test/support/dialect-fixture.ts';
import { storeMigrations } from './migrations/store-migrator.ts';
import { openStore } from './store-database.ts';
import { hashPlan } from '../domain/plan-hash.ts';
import type { Plan, PlanRow } from '../domain/plan.ts';
import type { UserState } from '../domain/journal.ts';
import type { Store } from '../app/store-port.ts';
import { verifyJournalEntries } from '../app/record-signing.ts';

function rawDatabase(url: string): Kysely<unknown> {
  if (url.startsWith('sqlite:')) return new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SqliteDatabase(url.slice('sqlite:'.length)) }) });
  return new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
}

const AT = new Date('2026-12-01T03:00:00.000Z');
const INSTANCE = 'keys';

function row(username: string, userKey: string): PlanRow {
  return {
    username, userKey, displayName: username, directory: null, policy: 'p', notes: [], steps: [{ kind: 'disable' }],
    reason: { rule: 'inactive', text: 'inactive', lastLogin: null, referenceDate: null, days: 100, thresholdDays: 90 },
  };
}

function prior(username: string, userKey?: string): UserState {
  return { username, ...(userKey === undefined ? {} : { userKey }), status: 'active', displayName: username, groups: [], useGrant: false, otherPermissions: [] };
}

async function runOf(store: Store, rows: PlanRow[]): Promise<string> {
  const body: Omit<Plan, 'hash'> = { kind: 'policy', undoOf: [], instance: INSTANCE, scanId: 'scan_keys000001', createdAt: AT.toISOString(), policies: ['p'], licensedUsers: 10, rows, summaries: [] };
  const planId = await store.plans.save({ ...body, hash: hashPlan(body) }, 'planned');
  return (await store.journal.startRun({ planId, instance: INSTANCE, startedAt: AT })).id;
}

describeEachDialect('migration 0012 on an older journal', (fixture) => {
  test('entries get the plan row\'s key, else the prior state\'s, else none; signatures still verify', async () => {
    const { url, store, key, execute } = fixture();
    const first = await runOf(store, [row('carol', 'K-carol'), row('dave', '')]);
    const second = await runOf(store, [row('frank', 'K-frank-planned')]);
    const claim = (runId: string, username: string, state: UserState | null, seq = 0) =>
      store.journal.claim({ runId, username, seq, step: { kind: 'disable' }, prior: state, at: AT });
    const ids = {
      // The plan row's key wins over the account read (a stranger behind the name is skipped, never the planned account).
      carol: await claim(first, 'carol', prior('carol', 'K-stranger')),
      // The plan row has no key: the prior state's.
      dave: await claim(first, 'dave', prior('dave', 'K-dave')),
      // No plan row, no prior state: none.
      erin: await claim(first, 'erin', null),
      // The plan wrote `carol`: `CAROL` is not its row, and its prior state names no key.
      upper: await claim(first, 'CAROL', prior('CAROL'), 1),
      // A plan the schema no longer reads (below): the prior state's key, not the plan's.
      frank: await claim(second, 'frank', prior('frank', 'K-frank-read')),
      gina: await claim(second, 'gina', null),
    };
    await store.close();

    const dialect = url.startsWith('sqlite:') ? 'sqlite' : 'postgres';
    const db = rawDatabase(url);
    try {
      const down = await new Migrator({ db, provider: { getMigrations: async () => storeMigrations(dialect) } }).migrateTo('0011-account-keys');
      assert.equal(down.error, undefined, String(down.error));
    } finally {
      await db.destroy();
    }
    await execute('update plans set plan_json = $1 where id = (select plan_id from runs where id = $2)', ['{"rows":"not a list"}', second]);

    const reopened = await openStore(url, { key: () => key });
    try {
      const entries = [...(await reopened.journal.entries(first)), ...(await reopened.journal.entries(second))];
      assert.deepStrictEqual(
        Object.fromEntries(entries.map((e) => [e.id, e.userKey])),
        { [ids.carol]: 'K-carol', [ids.dave]: 'K-dave', [ids.erin]: null, [ids.upper]: null, [ids.frank]: 'K-frank-read', [ids.gina]: null },
      );
      assert.deepStrictEqual(entries.map((e) => [e.username, e.seq, e.outcome, e.prior?.userKey ?? null]), [
        ['carol', 0, 'claimed', 'K-stranger'], ['dave', 0, 'claimed', 'K-dave'], ['erin', 0, 'claimed', null], ['CAROL', 1, 'claimed', null],
        ['frank', 0, 'claimed', 'K-frank-read'], ['gina', 0, 'claimed', null],
      ]);
      // The key is outside the signature: the entries written before verify as they did.
      verifyJournalEntries(key, entries);
      // By account: the key's entries under any name, and keyless ones under the name.
      assert.deepStrictEqual((await reopened.journal.entriesForAccount(INSTANCE, { userKey: 'K-carol', username: 'CAROL' })).map((e) => e.id), [ids.carol, ids.upper]);
      assert.deepStrictEqual((await reopened.journal.entriesForAccount(INSTANCE, { userKey: 'K-carol', username: 'carol' })).map((e) => e.id), [ids.carol]);
      assert.deepStrictEqual((await reopened.journal.holdersOfName(INSTANCE, 'Carol')).map((h) => h.userKey), ['K-carol']);
    } finally {
      await reopened.close();
    }
  });
});
