// The store fixture of schema 0008 (test/fixtures/store-0008), made by the CLI, opened with the current code: it is
// what store upgrades are tested on, so it must be known good first — up to date at 0008 with nothing to migrate, its
// rows as README.md counts them, every plan, run and journal entry signed under its key, its pending plan pending.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { openStore } from './store-database.ts';
import type { Store } from '../app/store-port.ts';
import type { RecordKey } from '../domain/record-signature.ts';
import { loadRecordKey } from '../config/key-file.ts';
import { UntrustedRecord, verifyApproval, verifyJournalEntries, verifyPlanRecord, verifyRunRecord } from '../app/record-signing.ts';
import { testRecordKey } from '../../test/support/record-key.ts';
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

describe('store fixture 0008', () => {
  let copy: ReturnType<typeof copyFixture>;
  let key: RecordKey;
  /** What rehearsal records are signed with: derived from the key in the file (domain/record-signature.ts). */
  let rehearsalKey: RecordKey;
  /** The rehearsal view: every plan, run and lifecycle row of the fixture was written by a rehearsal. */
  let rehearsal: Store;
  let real: Store;
  /** A raw connection to the copy, opened after the stores so it reads the schema as they left it. */
  let db: Database.Database;

  const opened = new Date();

  before(async () => {
    copy = copyFixture();
    key = loadRecordKey(copy.key);
    rehearsalKey = key.forRehearsal();
    rehearsal = await openStore(`sqlite:${copy.store}`, { rehearsal: true, key: () => rehearsalKey });
    real = await openStore(`sqlite:${copy.store}`, { key: () => key });
    db = new Database(copy.store, { fileMustExist: true });
  });

  after(async () => {
    db.close();
    await rehearsal.close();
    await real.close();
    rmSync(copy.dir, { recursive: true, force: true });
  });

  const rows = <T>(statement: string, ...values: unknown[]): T[] => db.prepare(statement).all(...values) as T[];

  test('is at schema 0008: the current code runs only the migrations after 0008 on it', () => {
    const migrations = rows<{ name: string; timestamp: string }>('select name, timestamp from kysely_migration order by name');
    const made = migrations.slice(0, FIXTURE_MIGRATIONS.length);
    assert.deepEqual(made.map((m) => m.name), FIXTURE_MIGRATIONS);
    // All eight ran when the CLI first made the store; none of them just now, on this copy.
    for (const m of made) assert.ok(new Date(m.timestamp) < opened, `${m.name} ran at ${m.timestamp}, when the copy was opened`);
    // The later ones ran when the copy was opened, each after 0008.
    for (const m of migrations.slice(FIXTURE_MIGRATIONS.length)) assert.ok(m.name > '0008' && new Date(m.timestamp) >= opened, `${m.name} ran at ${m.timestamp}`);
  });

  test('holds the rows README.md counts, table by table', () => {
    const tables = rows<{ name: string }>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name");
    const counts = Object.fromEntries(tables.map(({ name }) => [name, rows<{ n: number }>(`select count(*) as n from "${name}"`)[0]?.n]));
    assert.deepEqual(counts, FIXTURE_TABLE_COUNTS);
  });

  test('its users, upper-case usernames included, with their user keys, in every complete scan', () => {
    const scans = rows<{ seq: number; status: string; rehearsal: number; user_count: number }>('select seq, status, rehearsal, user_count from scans order by seq');
    assert.deepEqual(scans.map((s) => `${s.status}/${s.rehearsal}`), [...Array<string>(3).fill('complete/1'), 'incomplete/1', ...Array<string>(5).fill('complete/1'), 'complete/0']);
    for (const scan of scans.filter((s) => s.status === 'complete')) {
      const users = rows<{ username: string; user_key: string }>('select username, user_key from scan_users where scan_seq = ? order by ord', scan.seq);
      assert.deepEqual(Object.fromEntries(users.map((u) => [u.username, u.user_key])), FIXTURE_USERS, `scan ${scan.seq}`);
    }
    for (const instance of [FIXTURE_INSTANCE, `${FIXTURE_INSTANCE}@rehearsal`]) {
      const remembered = rows<{ username: string }>('select username from user_memory where instance = ? order by username', instance);
      assert.deepEqual(remembered.map((u) => u.username), Object.keys(FIXTURE_USERS).sort(), instance);
    }
  });

  test('every plan, approval, run and journal entry verifies under the fixture key (as a rehearsal signs), and none under another', async () => {
    // Another key, and the file's key itself: a rehearsal signs with the key derived from it, never with it.
    const others = [testRecordKey(), key];
    const planIds = rows<{ id: string }>('select id from plans order by seq').map((p) => p.id);
    assert.equal(planIds.length, FIXTURE_TABLE_COUNTS['plans']);
    for (const id of planIds) {
      const stored = await rehearsal.plans.get(id);
      assert.ok(stored !== null, id);
      verifyPlanRecord(rehearsalKey, stored);
      verifyApproval(rehearsalKey, stored);
      for (const other of others) assert.throws(() => verifyPlanRecord(other, stored), UntrustedRecord);
    }
    const runs = [...(await rehearsal.journal.listRuns(FIXTURE_INSTANCE))].reverse();
    assert.deepEqual(runs.map((r) => [r.id, r.planId, r.status]), FIXTURE_RUNS.map((r) => [r.id, r.plan, 'done']));
    let entries = 0;
    for (const [index, run] of runs.entries()) {
      verifyRunRecord(rehearsalKey, run);
      for (const other of others) assert.throws(() => verifyRunRecord(other, run), UntrustedRecord);
      const journal = await rehearsal.journal.entries(run.id);
      assert.equal(journal.length, FIXTURE_RUNS[index]?.entries, run.id);
      verifyJournalEntries(rehearsalKey, journal);
      for (const other of others) if (journal.length > 0) assert.throws(() => verifyJournalEntries(other, journal), UntrustedRecord);
      entries += journal.length;
    }
    assert.equal(entries, FIXTURE_TABLE_COUNTS['journal_entries']);
    // Found by user, as undo --user finds them, the upper-case username spelt as Confluence does.
    const erin = await rehearsal.journal.entriesForUser(FIXTURE_INSTANCE, 'ERIN.KOVACS');
    assert.equal(erin.length, 6);
    verifyJournalEntries(rehearsalKey, erin);
  });

  test('the pending plan is still pending: planned, with no run, and what it would do', async () => {
    const pending = await rehearsal.plans.get(FIXTURE_RECORDS.pendingPlan);
    assert.equal(pending?.status, 'planned');
    assert.equal(await rehearsal.journal.runOfPlan(FIXTURE_RECORDS.pendingPlan), null);
    assert.deepEqual(pending.plan.rows.map((r) => [r.username, r.userKey, r.steps.map((s) => s.kind).join(',')]), [
      ['ERIN.KOVACS', FIXTURE_USERS['ERIN.KOVACS'], 'remove-group,add-group,disable'],
      ['ivan', FIXTURE_USERS['ivan'], 'remove-group,add-group,disable'],
      ['ursula', FIXTURE_USERS['ursula'], 'remove-group,add-group,disable'],
    ]);
    const others = rows<{ status: string; n: number }>('select status, count(*) as n from plans where id <> ? group by status', FIXTURE_RECORDS.pendingPlan);
    assert.deepEqual(others, [{ status: 'applied', n: 7 }]);
  });

  test('the applied run revoked a "can use" grant held with other permissions, and part of it was undone', async () => {
    const applied = await rehearsal.journal.entries(FIXTURE_RECORDS.appliedRun);
    assert.deepEqual(
      [...new Set(applied.map((e) => `${e.username}: ${e.step.kind}`))].sort(),
      [
        'Dave.Miller: add-group', 'Dave.Miller: disable', 'Dave.Miller: remove-group',
        'ERIN.KOVACS: add-group', 'ERIN.KOVACS: disable', 'ERIN.KOVACS: remove-group',
        'Grace.Hopper: add-group', 'Grace.Hopper: disable', 'Grace.Hopper: remove-group', 'Grace.Hopper: revoke-use-grant',
        'henry: add-group', 'henry: disable', 'henry: remove-group',
      ],
    );
    const revoke = applied.find((e) => e.step.kind === 'revoke-use-grant');
    assert.deepEqual(revoke?.prior && { useGrant: revoke.prior.useGrant, otherPermissions: revoke.prior.otherPermissions, userKey: revoke.prior.userKey }, {
      useGrant: true,
      otherPermissions: ['personal_space/create', 'space/create'],
      userKey: FIXTURE_USERS['Grace.Hopper'],
    });
    const undo = await rehearsal.plans.get(FIXTURE_RECORDS.undoPlan);
    assert.equal(undo?.plan.kind, 'undo');
    assert.deepEqual(undo.plan.undoOf, [FIXTURE_RECORDS.appliedRun]);
    const undone = await rehearsal.journal.entries(FIXTURE_RECORDS.undoRun);
    assert.deepEqual(undone.map((e) => `${e.username}: ${e.step.kind}`), ['ERIN.KOVACS: enable', 'ERIN.KOVACS: remove-group', 'ERIN.KOVACS: add-group']);
  });

  test('the lifecycle put the contractors into stages, with a notice each, an alert resolved, schedules for real', () => {
    const stages = rows<{ instance: string; username: string; stage: string }>('select instance, username, stage from lifecycle_stages order by username');
    assert.deepEqual(Object.fromEntries(stages.map((s) => [s.username, s.stage])), FIXTURE_LIFECYCLE.stages);
    assert.ok(stages.every((s) => s.instance === `${FIXTURE_INSTANCE}@rehearsal`));
    const notices = rows<{ username: string; sent_at: string | null; error: string | null }>('select username, sent_at, error from notice_journal order by id');
    assert.deepEqual(notices.map((n) => n.username), FIXTURE_LIFECYCLE.noticed);
    assert.ok(notices.every((n) => n.sent_at !== null && n.error === null), 'every notice was sent');
    const alerts = rows<{ kind: string; acknowledged_by: string | null; resolved_at: string | null }>('select kind, acknowledged_by, resolved_at from alerts');
    assert.deepEqual(alerts.map((a) => [a.kind, a.acknowledged_by, a.resolved_at !== null]), [['scan.incomplete', 'ops-admin', true]]);
    assert.deepEqual(rows<{ instance: string; policy: string }>('select instance, policy from schedules order by policy'), [
      { instance: FIXTURE_INSTANCE, policy: 'inactive-users' },
      { instance: FIXTURE_INSTANCE, policy: 'staged' },
    ]);
  });

  test('the real store sees the real scan only, and none of the rehearsal plans', async () => {
    assert.equal((await real.scans.latest(FIXTURE_INSTANCE))?.id, FIXTURE_RECORDS.realScan);
    assert.equal(await real.plans.get(FIXTURE_RECORDS.pendingPlan), null);
    assert.deepEqual(await real.journal.listRuns(FIXTURE_INSTANCE), []);
  });
});
