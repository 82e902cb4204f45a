// A store made by the CLI at schema 0008 (test/fixtures/store-0008) opened with the current code: it migrates to the
// newest schema in place and nothing is lost. Every row of every table the fixture had is still there with the values
// it had, signatures verify, the migrated user memory, stages and notices carry the account ids the fixture's scans
// know, the journal entries the ids of their plan rows (and an undo of one user finds them by it), an undo of the
// partly undone run plans what it should, and the pending plan still applies — against the Confluence emulator
// seeded with the users, groups and grants of the scan the plan was made from.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { openStore } from './store-database.ts';
import { storeMigrations } from './migrations/store-migrator.ts';
import type { Store } from '../app/store-port.ts';
import type { RecordKey } from '../domain/record-signature.ts';
import { loadRecordKey } from '../config/key-file.ts';
import { verifyApproval, verifyJournalEntries, verifyPlanRecord, verifyRunRecord } from '../app/record-signing.ts';
import { verifyPlanHash } from '../domain/plan-hash.ts';
import { fixedClock } from '../app/clock.ts';
import { planUndo } from '../app/undo-run.ts';
import { applyPlan } from '../app/apply-plan.ts';
import { DEFAULT_LIMITS, type SafetyLimits } from '../domain/safety-guard.ts';
import { createScratchDatabase, TEST_DATABASE_ENV } from '../../test/support/test-databases.ts';
import type { InstanceSnapshot } from '../domain/snapshot.ts';
import type { GrantSeed, OrgSeed } from '../emulators/confluence-dc/org-generator.ts';
import { startConfluenceEmulator, type RunningConfluenceEmulator } from '../emulators/confluence-dc/confluence-emulator.ts';
import { createConfluenceDcConnector } from '../connectors/confluence-dc/confluence-dc-connector.ts';
import { confluenceDcConfigSchema } from '../connectors/confluence-dc/confluence-dc-config.ts';
import {
  copyFixture,
  FIXTURE_INSTANCE,
  FIXTURE_LIFECYCLE,
  FIXTURE_MIGRATIONS,
  FIXTURE_RECORDS,
  FIXTURE_RUNS,
  FIXTURE_TABLE_COUNTS,
  FIXTURE_USERS,
} from '../../test/fixtures/store-0008/store-0008-fixture.ts';

type Row = Record<string, unknown>;
const INTERNAL = 'Confluence Internal Directory';
const TOKEN = 'UpgradeAdminToken0000000000000000000000000';

/** Every row of every table, as raw SQLite hands it back, each table in a stable order. */
function dump(file: string): Map<string, Row[]> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name").all() as { name: string }[];
    return new Map(tables.map(({ name }) => [name, (db.prepare(`select * from "${name}"`).all() as Row[]).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))]));
  } finally {
    db.close();
  }
}

/** An organisation holding what a snapshot saw: its users, groups, memberships and grants, in one internal directory. */
function organisationOf(snapshot: InstanceSnapshot): OrgSeed {
  const grants: GrantSeed[] = [
    ...snapshot.grants.useGroups.map((name): GrantSeed => ({ subject: { type: 'group', name }, permission: 'application/use' })),
    ...snapshot.grants.adminGroups.map((name): GrantSeed => ({ subject: { type: 'group', name }, permission: 'system/administer' })),
    ...snapshot.grants.useUsers.map((username): GrantSeed => ({ subject: { type: 'user', username }, permission: 'application/use' })),
    ...snapshot.grants.adminUsers.map((username): GrantSeed => ({ subject: { type: 'user', username }, permission: 'system/administer' })),
  ];
  return {
    seed: 8,
    generatedAt: snapshot.takenAt,
    directories: [{ id: 1, name: INTERNAL, order: 0, active: true, writable: true, type: 'INTERNAL' }],
    users: snapshot.users.map((u, index) => {
      const [firstName = '', lastName = ''] = u.displayName.split(' ');
      return {
        id: index + 1, username: u.username, userKey: u.userKey, firstName, lastName, displayName: u.displayName, email: u.email ?? '',
        directory: INTERNAL, active: u.status === 'active', createdAt: u.createdAt ?? u.firstSeen, lastLogin: u.lastLogin, role: u.username.includes('admin') ? 'administrator' : 'person',
      };
    }),
    groups: snapshot.groups.map((name, index) => ({ id: index + 1, name, directory: INTERNAL, local: false, description: name })),
    memberships: snapshot.memberships.map((m) => ({ group: m.group, username: m.username })),
    nesting: [],
    grants,
    maxUsers: 30,
    credentials: { admin: { username: 'admin', password: 'admin-pw', token: TOKEN }, user: { username: 'carol', password: 'carol-pw', token: `${TOKEN.slice(0, -1)}C` } },
  };
}

/** A store upgraded from the fixture, on one dialect, with what the checks read around it. */
interface Upgraded {
  readonly rehearsal: Store;
  readonly real: Store;
  /** Every row after the upgrade, as the dialect hands it back. */
  readonly migrated: Map<string, Row[]>;
  readonly migrations: string[];
  /** The limits a run is held to: the plan's age is judged by the store's clock (see each opener). */
  readonly limits: SafetyLimits;
  close(): Promise<void>;
}

/** The fixture's key, its rehearsal key and when the pending plan was saved. */
function fixtureFacts(copy: ReturnType<typeof copyFixture>, rows: Map<string, Row[]>): { key: RecordKey; rehearsalKey: RecordKey; pendingSavedAt: Date } {
  const key = loadRecordKey(copy.key);
  const saved = rows.get('plans')?.find((p) => p['id'] === FIXTURE_RECORDS.pendingPlan)?.['saved_at'];
  assert.equal(typeof saved, 'string');
  return { key, rehearsalKey: key.forRehearsal(), pendingSavedAt: new Date(String(saved)) };
}

const LIMITS: SafetyLimits = { ...DEFAULT_LIMITS, maxPercent: 100 };

/** SQLite: the copy migrated in place; its clock set a minute after the pending plan was saved, as on the day it was made. */
async function upgradeOnSqlite(copy: ReturnType<typeof copyFixture>, rows: Map<string, Row[]>): Promise<Upgraded> {
  const { key, rehearsalKey, pendingSavedAt } = fixtureFacts(copy, rows);
  const rehearsal = await openStore(`sqlite:${copy.store}`, { rehearsal: true, key: () => rehearsalKey, sqliteClock: fixedClock(new Date(pendingSavedAt.getTime() + 60_000)) });
  const real = await openStore(`sqlite:${copy.store}`, { key: () => key });
  const db = new Database(copy.store, { readonly: true });
  const migrations = (db.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map((m) => m.name);
  db.close();
  return { rehearsal, real, migrated: dump(copy.store), migrations, limits: LIMITS, close: async () => { await rehearsal.close(); await real.close(); } };
}

// Tables in an order their foreign keys allow; the auto-numbered column of each, whose sequence must follow the rows.
const LOAD_ORDER = ['scans', 'scan_users', 'scan_memberships', 'scan_nesting', 'user_memory', 'plans', 'runs', 'journal_entries', 'policy_versions', 'alerts', 'lifecycle_stages', 'notice_journal', 'schedules', 'run_leases', 'unwritable_groups'];
const SERIAL: Readonly<Record<string, string>> = { scans: 'seq', plans: 'seq', runs: 'seq', journal_entries: 'id', alerts: 'id', notice_journal: 'id' };

/**
 * PostgreSQL: a scratch schema brought to 0008 by the store's own migrations, the fixture's rows copied in column by
 * column, then opened with the current code. PostgreSQL keeps its server's time, which cannot be set back to the day
 * the pending plan was saved: its age limit is raised by the plan's real age instead, as an operator's config may.
 */
async function upgradeOnPostgres(serverUrl: string, copy: ReturnType<typeof copyFixture>, rows: Map<string, Row[]>): Promise<Upgraded> {
  const { key, rehearsalKey, pendingSavedAt } = fixtureFacts(copy, rows);
  const scratch = await createScratchDatabase('postgres', serverUrl);
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: scratch.url, max: 1 }) }) });
  try {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => storeMigrations('postgres') }, migrationTableSchema: scratch.name });
    const at0008 = await migrator.migrateTo('0008-alert-lifecycle');
    assert.equal(at0008.error, undefined, String(at0008.error));
  } finally {
    await db.destroy();
  }
  const client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
  try {
    for (const table of LOAD_ORDER) {
      for (const row of rows.get(table) ?? []) {
        const columns = Object.keys(row);
        await client.query(`insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, columns.map((c) => row[c]));
      }
      const serial = SERIAL[table];
      if (serial !== undefined && (rows.get(table)?.length ?? 0) > 0) await client.query(`select setval(pg_get_serial_sequence('"${scratch.name}"."${table}"', '${serial}'), (select max("${serial}") from "${table}"))`);
    }
  } finally {
    await client.end();
  }
  const rehearsal = await openStore(scratch.url, { rehearsal: true, key: () => rehearsalKey });
  const real = await openStore(scratch.url, { key: () => key });
  const reader = new pg.Client({ connectionString: scratch.url });
  await reader.connect();
  const migrated = new Map<string, Row[]>();
  let migrations: string[];
  try {
    for (const table of LOAD_ORDER) {
      const result = await reader.query<Row>(`select * from "${table}"`);
      migrated.set(table, result.rows.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)));
    }
    migrations = (await reader.query<{ name: string }>('select name from kysely_migration order by name')).rows.map((m) => m.name);
  } finally {
    await reader.end();
  }
  const ageHours = Math.ceil((Date.now() - pendingSavedAt.getTime()) / 3_600_000);
  return {
    rehearsal, real, migrated, migrations,
    limits: { ...LIMITS, planTtlHours: ageHours + DEFAULT_LIMITS.planTtlHours },
    close: async () => { await rehearsal.close(); await real.close(); await scratch.drop(); },
  };
}

function upgradeSuite(dialect: string, upgrade: (copy: ReturnType<typeof copyFixture>, rows: Map<string, Row[]>) => Promise<Upgraded>): void {
  describe(`store 0008 upgraded in place on ${dialect}`, () => {
    let copy: ReturnType<typeof copyFixture>;
    let before0008: Map<string, Row[]>;
    let migrated: Map<string, Row[]>;
    let rehearsalKey: RecordKey;
    let rehearsal: Store;
    let real: Store;
    let pendingSavedAt: Date;
    let upgraded: Upgraded;

    before(async () => {
      copy = copyFixture();
      before0008 = dump(copy.store);
      ({ rehearsalKey, pendingSavedAt } = fixtureFacts(copy, before0008));
      upgraded = await upgrade(copy, before0008);
      ({ rehearsal, real, migrated } = upgraded);
    });

    after(async () => {
      await upgraded.close();
      rmSync(copy.dir, { recursive: true, force: true });
    });

    test('runs every migration after 0008, in order, and keeps every row of every table with the values it had', () => {
      const names = upgraded.migrations;
      assert.deepEqual(names, Object.keys(storeMigrations('sqlite')).sort());
      assert.deepEqual(names.slice(0, FIXTURE_MIGRATIONS.length), FIXTURE_MIGRATIONS);
      assert.ok(names.includes('0010-scan-applications') && names.includes('0011-account-keys') && names.includes('0012-journal-accounts'), names.join(', '));
      assert.deepEqual(Object.fromEntries([...before0008].map(([t, r]) => [t, r.length])), FIXTURE_TABLE_COUNTS);
      for (const [table, rows] of before0008) {
        const now = migrated.get(table);
        assert.ok(now !== undefined, `table ${table} is gone`);
        assert.equal(now.length, rows.length, table);
        // The same rows on the columns the fixture had; new columns may only have been added.
        const columns = Object.keys(rows[0] ?? {});
        const project = (r: Row) => JSON.stringify(columns.map((c) => r[c]));
        assert.deepEqual(now.map(project).sort(), rows.map(project).sort(), table);
      }
    });

    test('the migrated memory, stages and notices carry the account ids the scans know', () => {
      for (const table of ['user_memory', 'lifecycle_stages', 'notice_journal']) {
        for (const row of migrated.get(table) ?? []) {
          const username = String(row['username']);
          assert.equal(row['user_key'], FIXTURE_USERS[username], `${table} ${String(row['instance'])}/${username}`);
        }
      }
      assert.equal(migrated.get('user_memory')?.length, 48);
      // Every journal entry of the fixture was written for a plan row naming its account: migration 0012 gives it that key.
      const journal = migrated.get('journal_entries') ?? [];
      assert.equal(journal.length, FIXTURE_TABLE_COUNTS['journal_entries']);
      for (const row of journal) assert.equal(row['user_key'], FIXTURE_USERS[String(row['username'])], `journal entry ${String(row['id'])} of ${String(row['username'])}`);
      assert.deepEqual(Object.fromEntries((migrated.get('lifecycle_stages') ?? []).map((s) => [s['username'], s['stage']])), FIXTURE_LIFECYCLE.stages);
    });

    test('plans, approvals, runs and journal entries still verify: the plans\' hashes, every signature with the derived key', async () => {
      const plans = before0008.get('plans') ?? [];
      for (const { id } of plans) {
        const stored = await rehearsal.plans.get(String(id));
        assert.ok(stored !== null, String(id));
        assert.ok(verifyPlanHash(stored.plan), `plan ${String(id)} matches its hash`);
        verifyPlanRecord(rehearsalKey, stored);
        verifyApproval(rehearsalKey, stored);
      }
      const runs = [...(await rehearsal.journal.listRuns(FIXTURE_INSTANCE))].reverse();
      assert.deepEqual(runs.map((r) => [r.id, r.planId, r.status]), FIXTURE_RUNS.map((r) => [r.id, r.plan, 'done']));
      for (const [index, run] of runs.entries()) {
        verifyRunRecord(rehearsalKey, run);
        const entries = await rehearsal.journal.entries(run.id);
        assert.equal(entries.length, FIXTURE_RUNS[index]?.entries, run.id);
        verifyJournalEntries(rehearsalKey, entries);
      }
    });

    test('user memory, stages, notices, schedules and alerts read back through the store as they were', async () => {
      const memory = await rehearsal.memory.recall(FIXTURE_INSTANCE);
      assert.deepEqual([...memory.keys()].sort(), Object.keys(FIXTURE_USERS).sort());
      for (const row of before0008.get('user_memory')?.filter((r) => r['instance'] === `${FIXTURE_INSTANCE}@rehearsal`) ?? []) {
        const m = memory.get(String(row['username']));
        assert.deepEqual(
          [m?.firstSeen.toISOString(), m?.lastLogin?.toISOString() ?? null, m?.lastLicensedAt?.toISOString() ?? null, m?.userKey],
          [row['first_seen'], row['last_login'], row['last_licensed_at'], FIXTURE_USERS[String(row['username'])]],
        );
      }
      assert.equal((await real.memory.recall(FIXTURE_INSTANCE)).size, 24);
      assert.deepEqual((await rehearsal.lifecycle.records(FIXTURE_INSTANCE)).map((r) => [r.username, r.stage, r.userKey]), [
        ['Kim.Lee', 'renamed', FIXTURE_USERS['Kim.Lee']],
        ['Oscar.Reyes', 'unlicensed', FIXTURE_USERS['Oscar.Reyes']],
        ['nina', 'renamed', FIXTURE_USERS['nina']],
      ]);
      const notices = await rehearsal.notices.list(FIXTURE_INSTANCE);
      assert.deepEqual(notices.map((n) => [n.username, n.userKey, n.sentAt !== null]), FIXTURE_LIFECYCLE.noticed.map((u) => [u, FIXTURE_USERS[u], true]));
      assert.deepEqual((await real.schedules.list()).map((s) => [s.instance, s.policy]), [[FIXTURE_INSTANCE, 'inactive-users'], [FIXTURE_INSTANCE, 'staged']]);
      const alerts = await rehearsal.alerts.listAll(FIXTURE_INSTANCE);
      assert.deepEqual(alerts.map((a) => [a.kind, a.acknowledgedBy, a.resolvedAt !== null]), [['scan.incomplete', 'ops-admin', true]]);
    });

    describe('against the emulator holding the users of the pending plan\'s scan', () => {
      let emulator: RunningConfluenceEmulator;
      let connector: ReturnType<typeof createConfluenceDcConnector>;

      before(async () => {
        const pending = await rehearsal.plans.get(FIXTURE_RECORDS.pendingPlan);
        assert.ok(pending !== null);
        emulator = await startConfluenceEmulator({ org: organisationOf(await rehearsal.scans.loadSnapshot(pending.plan.scanId)), version: '10.2' });
        connector = createConfluenceDcConnector(FIXTURE_INSTANCE, confluenceDcConfigSchema.parse({ product: 'confluence-dc', url: emulator.url, auth: { token: TOKEN } }));
      });
      after(async () => {
        await connector.close();
        await emulator.close();
      });

      const deps = () => ({ store: rehearsal, connector, clock: fixedClock(new Date(pendingSavedAt.getTime() + 60_000)), concurrency: 2, key: rehearsalKey });

      test('an undo of the partly undone run plans the three users not undone yet, and none of ERIN.KOVACS', async () => {
        // Grace.Hopper's "can use" comes back as a grant of the application (the revoke's inverse since scans know
        // applications), with the two permissions Confluence removed along with it, as the prior state kept them.
        const undo = await planUndo(deps(), { instance: FIXTURE_INSTANCE, scope: { kind: 'run', runId: FIXTURE_RECORDS.appliedRun }, force: false, actor: 'ops-admin', protectedGroups: [] });
        assert.deepEqual(undo.drifted, []);
        assert.deepEqual(
          undo.plan?.rows.map((r) => [r.username, r.userKey, r.steps.map((s) => ('group' in s ? `${s.kind} ${s.group}` : s.kind)).join(', ')]),
          [
            ['Dave.Miller', FIXTURE_USERS['Dave.Miller'], 'enable, remove-group confluence-inactive-users, add-group confluence-users'],
            ['Grace.Hopper', FIXTURE_USERS['Grace.Hopper'], 'enable, remove-group confluence-inactive-users, grant-application, add-group confluence-users'],
            ['henry', FIXTURE_USERS['henry'], 'enable, remove-group confluence-inactive-users, add-group confluence-users'],
          ],
        );
        const grant = undo.plan?.rows.find((r) => r.username === 'Grace.Hopper')?.steps.find((s) => s.kind === 'grant-application');
        assert.deepEqual(grant, { kind: 'grant-application', application: 'confluence', restore: ['personal_space/create', 'space/create'] });
      });

      test('an undo of one user finds the account by its key in the migrated journal, and only what is still in effect', async () => {
        const dave = await planUndo(deps(), { instance: FIXTURE_INSTANCE, scope: { kind: 'user', username: 'Dave.Miller' }, force: false, actor: 'ops-admin', protectedGroups: [] });
        assert.deepEqual([dave.account?.userKey, dave.account?.foundBy], [FIXTURE_USERS['Dave.Miller'], 'scan']);
        assert.deepEqual(
          dave.plan?.rows.map((r) => [r.username, r.userKey, r.steps.map((s) => ('group' in s ? `${s.kind} ${s.group}` : s.kind)).join(', ')]),
          [['Dave.Miller', FIXTURE_USERS['Dave.Miller'], 'enable, remove-group confluence-inactive-users, add-group confluence-users']],
        );
        // ERIN.KOVACS's change and its undo are both hers: nothing is left to put back.
        const erin = await planUndo(deps(), { instance: FIXTURE_INSTANCE, scope: { kind: 'user', username: 'ERIN.KOVACS' }, force: false, actor: 'ops-admin', protectedGroups: [] });
        assert.deepEqual([erin.account?.userKey, erin.plan], [FIXTURE_USERS['ERIN.KOVACS'], null]);
      });

      test('the pending plan applies: ERIN.KOVACS, ivan and ursula lose their seat and are disabled', async () => {
        assert.equal(emulator.state.holdsSeat('ivan'), true);
        const report = await applyPlan(deps(), { planId: FIXTURE_RECORDS.pendingPlan, limits: upgraded.limits, protection: { users: [], groups: [] } });
        assert.equal(report.status, 'done');
        for (const username of ['ERIN.KOVACS', 'ivan', 'ursula']) {
          assert.equal(emulator.state.holdsSeat(username), false, username);
          assert.equal(emulator.state.findUser(username)?.active, false, username);
          assert.ok(emulator.state.groupsOf(username).some((g) => g.name === 'confluence-inactive-users'), username);
        }
        const written = await rehearsal.journal.entries(report.runId);
        verifyJournalEntries(rehearsalKey, written);
        // Entries written after the upgrade record the account of the plan row they carry out.
        assert.deepEqual(written.filter((e) => e.userKey !== FIXTURE_USERS[e.username]).map((e) => [e.id, e.username, e.userKey]), []);
        assert.ok(written.length >= 9, `${written.length} entries`);
      });
    });
  });
}

upgradeSuite('SQLite', upgradeOnSqlite);

const postgresUrl = process.env[TEST_DATABASE_ENV.postgres];
if (postgresUrl !== undefined && postgresUrl !== '') upgradeSuite('PostgreSQL', (copy, rows) => upgradeOnPostgres(postgresUrl, copy, rows));
else test('store 0008 upgraded in place on PostgreSQL', (t) => {
  if (process.env['CI'] === 'true') assert.fail(`${TEST_DATABASE_ENV.postgres} must be set in CI`);
  t.skip(`set ${TEST_DATABASE_ENV.postgres} to run the upgrade on PostgreSQL`);
});
