// What Seatkeeper remembers of a user follows the account id across renames, on every dialect: migration 0011 fills the
// id in from the scans (merging rows that turn out to be one account), and a scan's follow moves memory, stages and
// notices to the account's new name without touching another account's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { describeEachDialect } from '../../test/support/dialect-fixture.ts';
import { storeMigrations } from './migrations/store-migrator.ts';
import { openStore } from './store-database.ts';
import { hashPlan } from '../domain/plan-hash.ts';
import type { Plan } from '../domain/plan.ts';
import type { Store } from '../app/store-port.ts';

const t0 = new Date('2026-03-01T03:00:00.000Z');
const days = (n: number): Date => new Date(t0.getTime() + n * 86_400_000);
const iso = (n: number): string => days(n).toISOString();

function rawDatabase(url: string): Kysely<unknown> {
  if (url.startsWith('sqlite:')) return new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SqliteDatabase(url.slice('sqlite:'.length)) }) });
  return new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
}

async function runOf(store: Store, instance: string): Promise<string> {
  const body: Omit<Plan, 'hash'> = { kind: 'policy', undoOf: [], instance, scanId: 'scan_follow0001', createdAt: t0.toISOString(), policies: ['staged'], licensedUsers: 0, rows: [], summaries: [] };
  const planId = await store.plans.save({ ...body, hash: hashPlan(body) }, 'planned');
  return (await store.journal.startRun({ planId, instance, startedAt: t0 })).id;
}

const notice = (instance: string, runId: string, username: string, tokenHash: string) => ({
  instance,
  policy: 'staged',
  username,
  stage: 'unlicense' as const,
  inactiveSince: days(-80),
  recipient: `${username}@example.com`,
  tokenHash,
  runId,
  at: t0,
});

describeEachDialect('account follow', (fixture) => {
  test('migration 0011 fills in account ids from the newest scan listing each name and merges rows of one account', async () => {
    const { url, store, execute } = fixture();
    await store.close();
    const dialect = url.startsWith('sqlite:') ? 'sqlite' : 'postgres';
    const db = rawDatabase(url);
    try {
      const down = await new Migrator({ db, provider: { getMigrations: async () => storeMigrations(dialect) } }).migrateTo('0009-scan-capabilities');
      assert.equal(down.error, undefined, String(down.error));
    } finally {
      await db.destroy();
    }
    // Two scans: the older lists old.name, the newer lists the same account as new.name; Kim.Lee in both.
    const scan = async (seq: number, id: string, rehearsal: number, users: [string, string][]) => {
      await execute('insert into scans (seq, id, instance, started_at, status, connected_as, last_login_source, rehearsal) values ($1, $2, $3, $4, $5, $6, $7, $8)', [
        seq, id, 'mig', iso(seq - 9000), 'complete', 'admin', 'rest', rehearsal,
      ]);
      for (const [ord, [username, key]] of users.entries()) {
        await execute('insert into scan_users (scan_seq, ord, username, user_key, display_name, status, login_known, first_seen) values ($1, $2, $3, $4, $5, $6, $7, $8)', [
          seq, ord, username, key, username, 'active', 1, iso(0),
        ]);
      }
    };
    await scan(9001, 'scan_mig0000001', 0, [['Kim.Lee', 'k-kim'], ['old.name', 'k-ren'], ['bob', 'k-bob']]);
    await scan(9002, 'scan_mig0000002', 0, [['Kim.Lee', 'k-kim'], ['new.name', 'k-ren'], ['bob', 'k-bob']]);
    await scan(9003, 'scan_mig0000003', 1, [['bob', 'k-bob-rehearsed']]);
    const memory = async (instance: string, username: string, firstSeen: string, lastLogin: string | null, licensed: string | null) =>
      execute('insert into user_memory (instance, username, first_seen, last_login, last_licensed_at) values ($1, $2, $3, $4, $5)', [instance, username, firstSeen, lastLogin, licensed]);
    // Two spellings of one username: an older version stored it as the instance's search returned it.
    await memory('mig', 'kim.lee', iso(-30), iso(-5), iso(-20));
    await memory('mig', 'Kim.Lee', iso(-10), iso(-8), iso(-2));
    await memory('mig', 'old.name', iso(-40), null, iso(-40));
    await memory('mig', 'new.name', iso(-1), iso(-1), null);
    await memory('mig', 'bob', iso(-3), null, null);
    await memory('mig', 'ghost', iso(-50), null, null);
    await memory('mig@rehearsal', 'bob', iso(-60), null, null);
    // Two spellings of one name with no scan behind them: merged all the same, keyless.
    await memory('mig', 'Nemo', iso(-7), null, iso(-7));
    await memory('mig', 'nemo', iso(-9), iso(-4), null);
    await execute('insert into lifecycle_stages (instance, policy, username, stage, entered_at, last_login_at_entry) values ($1, $2, $3, $4, $5, $6)', ['mig', 'staged', 'kim.lee', 'noticed', iso(-6), null]);
    await execute('insert into lifecycle_stages (instance, policy, username, stage, entered_at, last_login_at_entry) values ($1, $2, $3, $4, $5, $6)', ['mig', 'staged', 'old.name', 'unlicensed', iso(-4), null]);

    const reopened = await openStore(url, { key: () => fixture().key });
    try {
      const recalled = await reopened.memory.recall('mig');
      assert.deepStrictEqual([...recalled.values()].sort((a, b) => (a.username < b.username ? -1 : 1)), [
        { username: 'Kim.Lee', userKey: 'k-kim', firstSeen: days(-30), lastLogin: days(-5), lastLicensedAt: days(-2) },
        { username: 'Nemo', userKey: null, firstSeen: days(-9), lastLogin: days(-4), lastLicensedAt: days(-7) },
        { username: 'bob', userKey: 'k-bob', firstSeen: days(-3), lastLogin: null, lastLicensedAt: null },
        { username: 'ghost', userKey: null, firstSeen: days(-50), lastLogin: null, lastLicensedAt: null },
        { username: 'new.name', userKey: 'k-ren', firstSeen: days(-40), lastLogin: days(-1), lastLicensedAt: days(-40) },
      ]);
      const rehearsal = await openStore(url, { rehearsal: true });
      try {
        assert.equal((await rehearsal.memory.recall('mig')).get('bob')?.userKey, 'k-bob-rehearsed', 'a rehearsal row takes its id from rehearsal scans');
      } finally {
        await rehearsal.close();
      }
      assert.deepStrictEqual((await reopened.lifecycle.records('mig')).map((r) => [r.username, r.userKey, r.stage]), [
        ['Kim.Lee', 'k-kim', 'noticed'],
        ['new.name', 'k-ren', 'unlicensed'],
      ]);
    } finally {
      await reopened.close();
    }
  });

  test('a known account under a new name takes its memory, stage and notices along; another account is untouched', async () => {
    const { url, key } = fixture();
    const store = await openStore(url, { key: () => key });
    try {
      const instance = 'follow';
      const runId = await runOf(store, instance);
      await store.memory.observe(instance, [
        { username: 'ann', userKey: 'k-ann', seenAt: days(-100), lastLogin: days(-90), licensed: true },
        { username: 'bea', userKey: 'k-bea', seenAt: days(-200), lastLogin: days(-150), licensed: true },
        { username: 'cid', seenAt: days(-70), lastLogin: null, licensed: false },
        { username: 'x', userKey: 'k-x', seenAt: days(-10), lastLogin: null, licensed: false },
        { username: 'y', userKey: 'k-y', seenAt: days(-20), lastLogin: null, licensed: false },
      ]);
      await store.lifecycle.enter(instance, { policy: 'staged', username: 'ann', userKey: 'k-ann', stage: 'noticed', enteredAt: days(-5), lastLoginAtEntry: days(-90) });
      await store.lifecycle.enter(instance, { policy: 'staged', username: 'bea', userKey: 'k-bea', stage: 'unlicensed', enteredAt: days(-3), lastLoginAtEntry: days(-150) });
      await store.notices.claim({ ...notice(instance, runId, 'ann', `ann-${instance}-${url}`), userKey: 'k-ann' });
      await store.notices.claim(notice(instance, runId, 'cid', `cid-${instance}-${url}`));

      // ann renamed; bea's account gone and a new account named bea; x and y swapped names; cid listed with its id.
      const followed = await store.accounts.follow(instance, [
        { userKey: 'k-ann', username: 'ann.smith' },
        { userKey: 'k-new', username: 'bea' },
        { userKey: 'k-cid', username: 'cid' },
        { userKey: 'k-x', username: 'y' },
        { userKey: 'k-y', username: 'x' },
      ]);
      assert.deepStrictEqual(followed, {
        renames: [
          { userKey: 'k-ann', from: 'ann', to: 'ann.smith' },
          { userKey: 'k-y', from: 'y', to: 'x' },
          { userKey: 'k-x', from: 'x', to: 'y' },
        ],
        dropped: [],
      });
      const recalled = await store.memory.recall(instance);
      assert.deepStrictEqual(
        [...recalled.values()].map((m) => [m.username, m.userKey, m.firstSeen.toISOString()]).sort(),
        [
          ['ann.smith', 'k-ann', iso(-100)],
          ['bea', 'k-bea', iso(-200)],
          ['cid', 'k-cid', iso(-70)],
          ['x', 'k-y', iso(-20)],
          ['y', 'k-x', iso(-10)],
        ],
      );
      assert.deepStrictEqual((await store.lifecycle.records(instance)).map((r) => [r.username, r.userKey, r.stage, r.enteredAt.toISOString()]), [
        ['ann.smith', 'k-ann', 'noticed', iso(-5)],
        ['bea', 'k-bea', 'unlicensed', iso(-3)],
      ]);
      assert.deepStrictEqual((await store.notices.list(instance)).map((n) => [n.username, n.userKey]), [['ann.smith', 'k-ann'], ['cid', 'k-cid']]);

      // The new bea is a stranger: her first sighting is her own, and a stage she enters is not the old bea's.
      await store.memory.observe(instance, [{ username: 'bea', userKey: 'k-new', seenAt: days(0), lastLogin: null, licensed: true }]);
      assert.deepStrictEqual((await store.memory.recall(instance, ['bea'])).get('bea'), { username: 'bea', userKey: 'k-new', firstSeen: days(0), lastLogin: null, lastLicensedAt: days(0) });
      await store.lifecycle.enter(instance, { policy: 'staged', username: 'bea', userKey: 'k-new', stage: 'unlicensed', enteredAt: days(1), lastLoginAtEntry: null });
      assert.deepStrictEqual((await store.lifecycle.records(instance)).find((r) => r.username === 'bea'), {
        policy: 'staged', username: 'bea', userKey: 'k-new', stage: 'unlicensed', enteredAt: days(1), lastLoginAtEntry: null,
      });

      // Following again with nothing renamed moves nothing.
      assert.deepStrictEqual(await store.accounts.follow(instance, [{ userKey: 'k-ann', username: 'ann.smith' }]), { renames: [], dropped: [] });
    } finally {
      await store.close();
    }
  });

  test('a renamed account taking a name a vanished account left keeps its own memory and says what it replaced', async () => {
    const { url, key } = fixture();
    const store = await openStore(url, { key: () => key });
    try {
      const instance = 'follow-taken';
      await store.memory.observe(instance, [
        { username: 'dan', userKey: 'k-dan', seenAt: days(-100), lastLogin: null, licensed: false },
        { username: 'daniel', userKey: 'k-old', seenAt: days(-300), lastLogin: null, licensed: false },
        { username: 'eve', seenAt: days(-30), lastLogin: null, licensed: false },
      ]);
      const followed = await store.accounts.follow(instance, [{ userKey: 'k-dan', username: 'daniel' }]);
      assert.deepStrictEqual(followed.renames, [{ userKey: 'k-dan', from: 'dan', to: 'daniel' }]);
      assert.deepStrictEqual(followed.dropped, ['memory of "daniel" (user key k-old): the name is now user key k-dan\'s']);
      const recalled = await store.memory.recall(instance);
      assert.deepStrictEqual([...recalled.values()].map((m) => [m.username, m.userKey, m.firstSeen.toISOString()]).sort(), [
        ['daniel', 'k-dan', iso(-100)],
        ['eve', null, iso(-30)],
      ]);
    } finally {
      await store.close();
    }
  });
});
