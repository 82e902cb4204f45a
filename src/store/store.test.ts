// One suite, run on every dialect: SQLite (a temp file) and PostgreSQL (a fresh schema per run).
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { openStore } from './store-database.ts';
import { describeEachDialect } from '../../test/support/dialect-fixture.ts';
import { storeMigrations } from './migrations/store-migrator.ts';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Conflict, InvalidInput, NotFound } from '../domain/errors.ts';
import { hashPlan } from '../domain/plan-hash.ts';
import { signJournalEntry, signPlan, signRun } from '../domain/record-signature.ts';
import type { Plan } from '../domain/plan.ts';
import type { UserState } from '../domain/journal.ts';
import type { InstanceSnapshot, Membership, UserSnapshot } from '../domain/snapshot.ts';
import type { ScanResult } from '../app/store/scan-repository-port.ts';
import type { Store } from '../app/store-port.ts';
import { LEGACY_CONFLUENCE_CAPABILITIES } from '../domain/instance-capabilities.ts';

const t0 = new Date('2026-01-10T08:00:00.000Z');
const days = (n: number): Date => new Date(t0.getTime() + n * 86_400_000);

function user(username: string, overrides: Partial<UserSnapshot> = {}): UserSnapshot {
  return {
    username,
    userKey: `key-${username}`,
    displayName: `User ${username}`,
    email: `${username}@example.com`,
    status: 'active',
    directory: 'Confluence Internal Directory',
    lastLogin: days(-3),
    loginKnown: true,
    createdAt: null,
    firstSeen: days(-400),
    ...overrides,
  };
}

const result: ScanResult = {
  finishedAt: new Date(t0.getTime() + 61_234),
  status: 'complete',
  error: null,
  warnings: ['groups not read over REST (they grant no seat; their memberships are left alone): "a/b" (the name contains "/")'],
  grants: { useGroups: ['confluence-users'], useUsers: ['bob'], adminGroups: ['confluence-administrators'], adminUsers: [], source: 'permissions-api' },
  license: { used: 3, max: 500 },
  applications: [
    { key: 'confluence', name: 'Confluence', groups: ['confluence-users'], users: ['bob'], defaultGroups: [], seatsUsed: 3, seatsMax: 500, unlimited: false },
  ],
  readOnlyGroups: ['all-employees', 'wiki-access'],
  directories: [
    { name: 'Confluence Internal Directory', order: 0, active: true, writable: true },
    { name: 'Corp AD', order: 1, active: true, writable: false },
  ],
  groups: ['confluence-administrators', 'confluence-users', 'staff'],
};

function plan(instance: string, scanId: string, createdAt: string): Plan {
  const body: Omit<Plan, 'hash'> = {
    kind: 'policy',
    undoOf: [],
    instance,
    scanId,
    createdAt,
    policies: ['inactive-users'],
    licensedUsers: 3,
    rows: [
      {
        username: 'carol',
        userKey: 'key-carol',
        displayName: 'Carol',
        directory: null,
        policy: 'inactive-users',
        reason: { rule: 'inactive', text: 'last login 2025-09-01, 131 days ago > 90', lastLogin: '2025-09-01', referenceDate: null, days: 131, thresholdDays: 90 },
        steps: [{ kind: 'remove-group', group: 'confluence-users' }, { kind: 'revoke-use-grant' }, { kind: 'disable' }],
        notes: ['directory is read-only'],
      },
    ],
    summaries: [
      {
        policy: 'inactive-users',
        selected: 1,
        byRule: { inactive: 1, neverLoggedIn: 0 },
        notYetDue: { neverLoggedIn: 2 },
        skipped: {
          'protected-admin': 1,
          'protected-connector-account': 1,
          'excluded-user': 0,
          'excluded-group': 0,
          'excluded-directory': 0,
          'out-of-scope': 0,
          'no-seat': 2,
          'unknown-status': 0,
          'already-selected': 0,
          'seat-in-read-only-group': 0,
        },
      },
    ],
  };
  return { ...body, hash: hashPlan(body) };
}

/** Starts, fills and finishes a scan; returns its id. */
async function scan(store: Store, instance: string, startedAt: Date, status: 'complete' | 'incomplete' | 'running' = 'complete'): Promise<string> {
  const id = await store.scans.start({ instance, startedAt, connectedAs: 'svc-seatkeeper', lastLoginSource: 'rest', capabilities: LEGACY_CONFLUENCE_CAPABILITIES });
  await store.scans.addUsers(id, [user('alice')]);
  if (status !== 'running') await store.scans.finish(id, { ...result, status, error: status === 'incomplete' ? 'paging ended short' : null });
  return id;
}

describeEachDialect('store', (fixture) => {
  // Each test uses its own instance names, so the tests of one dialect share one database.
  let store: Store;
  beforeEach(() => {
    store = fixture().store;
  });

  test('a scan snapshot round-trips exactly: users, dates, memberships, nesting, grants, licence, directories', async () => {
    const startedAt = new Date('2026-01-10T08:00:00.123Z');
    const users: UserSnapshot[] = [
      user('alice', { createdAt: new Date('2019-02-03T04:05:06.789Z') }),
      user('bob', { email: null, directory: null, lastLogin: null, loginKnown: false }),
      user('carol', { status: 'disabled', lastLogin: new Date('2025-09-01T23:59:59.999Z'), firstSeen: new Date('2024-01-01T00:00:00.000Z') }),
      user('dave', { status: 'unknown', displayName: 'Dåve "D" Ünïcode ☃' }),
    ];
    const memberships: Membership[] = [
      { group: 'confluence-users', username: 'alice' },
      { group: 'confluence-users', username: 'bob' },
      { group: 'staff', username: 'carol' },
      { group: 'confluence-administrators', username: 'alice' },
    ];
    const nesting = [{ parent: 'confluence-users', child: 'staff' }];

    const capabilities = { ...LEGACY_CONFLUENCE_CAPABILITIES, lastLogin: 'database' as const, memberLists: 'direct' as const, directGrants: false };
    const id = await store.scans.start({ instance: 'round-trip', startedAt, connectedAs: 'svc-seatkeeper', lastLoginSource: 'database', capabilities });
    assert.match(id, /^scan_[0-9a-z]{10}$/);
    await store.scans.addUsers(id, users.slice(0, 2));
    await store.scans.addUsers(id, users.slice(2));
    await store.scans.addMemberships(id, memberships.slice(0, 3));
    await store.scans.addMemberships(id, memberships.slice(3));
    await store.scans.addNesting(id, nesting);
    await store.scans.addNesting(id, []);
    await assert.rejects(store.scans.loadSnapshot(id), Conflict);
    await store.scans.finish(id, result);

    const expected: InstanceSnapshot = {
      instance: 'round-trip',
      scanId: id,
      takenAt: startedAt,
      connectedAs: 'svc-seatkeeper',
      lastLoginSource: 'database',
      capabilities,
      readOnlyGroups: ['all-employees', 'wiki-access'],
      users,
      groups: result.groups,
      memberships,
      nesting,
      applications: result.applications,
      grants: result.grants,
      license: result.license,
      directories: result.directories,
    };
    assert.deepStrictEqual(await store.scans.loadSnapshot(id), expected);
    assert.deepStrictEqual(await store.scans.get(id), {
      id,
      instance: 'round-trip',
      startedAt: '2026-01-10T08:00:00.123Z',
      finishedAt: '2026-01-10T08:01:01.234Z',
      status: 'complete',
      error: null,
      userCount: 4,
      membershipCount: 4,
      connectedAs: 'svc-seatkeeper',
      lastLoginSource: 'database',
      capabilities,
      license: { used: 3, max: 500 },
      applications: result.applications,
      warnings: result.warnings,
    });
  });

  test('unwritable groups: the first refusal per group is kept, compared case-insensitively, per instance, and can be forgotten', async () => {
    await store.unwritableGroups.remember({ instance: 'wiki', group: 'LDAP-Staff', message: 'Confluence refused it (403)', at: t0 });
    await store.unwritableGroups.remember({ instance: 'wiki', group: 'ldap-staff', message: 'a later refusal', at: days(1) });
    await store.unwritableGroups.remember({ instance: 'wiki', group: 'engineering', message: 'refused (400)', at: days(2) });
    await store.unwritableGroups.remember({ instance: 'other', group: 'LDAP-Staff', message: 'elsewhere', at: t0 });
    assert.deepStrictEqual(await store.unwritableGroups.list('wiki'), [
      { group: 'engineering', message: 'refused (400)', refusedAt: days(2).toISOString() },
      { group: 'LDAP-Staff', message: 'Confluence refused it (403)', refusedAt: t0.toISOString() },
    ]);
    assert.equal(await store.unwritableGroups.forget('wiki', 'LDAP-STAFF'), true);
    assert.equal(await store.unwritableGroups.forget('wiki', 'LDAP-STAFF'), false);
    assert.deepStrictEqual((await store.unwritableGroups.list('wiki')).map((g) => g.group), ['engineering']);
    assert.equal((await store.unwritableGroups.list('other')).length, 1);
  });

  test('a finished scan takes no more rows and cannot finish twice; unknown scans are reported', async () => {
    const id = await scan(store, 'closed', t0);
    await assert.rejects(store.scans.addUsers(id, [user('late')]), Conflict);
    await assert.rejects(store.scans.addMemberships(id, [{ group: 'g', username: 'late' }]), Conflict);
    await assert.rejects(store.scans.finish(id, result), Conflict);
    assert.equal((await store.scans.get(id))?.userCount, 1);
    await assert.rejects(store.scans.addUsers('scan_nosuchscan', [user('x')]), NotFound);
    await assert.rejects(store.scans.loadSnapshot('scan_nosuchscan'), NotFound);
    assert.equal(await store.scans.get('scan_nosuchscan'), null);
  });

  test('latest and recent pick the newest scans (optionally only complete ones); equal start times go to the later scan', async () => {
    const oldComplete = await scan(store, 'latest', days(-2));
    const complete = await scan(store, 'latest', days(-1));
    const incomplete = await scan(store, 'latest', days(0), 'incomplete');
    const running = await scan(store, 'latest', days(0), 'running');
    await scan(store, 'latest-other', days(5));

    assert.equal((await store.scans.latest('latest'))?.id, running);
    assert.equal((await store.scans.latest('latest', { status: 'complete' }))?.id, complete);
    assert.equal((await store.scans.latest('latest', { status: 'incomplete' }))?.id, incomplete);
    const record = await store.scans.latest('latest', { status: 'running' });
    assert.equal(record?.id, running);
    assert.deepStrictEqual(record?.license, { used: null, max: null });
    assert.deepStrictEqual((await store.scans.recent('latest', 3)).map((r) => r.id), [running, incomplete, complete]);
    assert.deepStrictEqual((await store.scans.recent('latest', 10)).map((r) => r.id), [running, incomplete, complete, oldComplete]);
    assert.equal(await store.scans.latest('nobody'), null);
    assert.deepStrictEqual(await store.scans.recent('nobody', 5), []);
  });

  test('memory keeps the earliest first-seen, the latest last login and the last time licensed', async () => {
    await store.memory.observe('memory', [
      { username: 'alice', seenAt: days(0), lastLogin: days(-10), licensed: true },
      { username: 'bob', seenAt: days(0), lastLogin: null, licensed: false },
      { username: 'carol', seenAt: days(0), lastLogin: days(-1), licensed: true },
    ]);
    await store.memory.observe('memory', [
      // alice: seen later, older login reported, no longer licensed: nothing moves but nothing is lost.
      { username: 'alice', seenAt: days(5), lastLogin: days(-20), licensed: false },
      // bob: an earlier scan replayed, and a first login.
      { username: 'bob', seenAt: days(-3), lastLogin: days(-4), licensed: true },
      // carol twice in one call: merged before the upsert.
      { username: 'carol', seenAt: days(6), lastLogin: null, licensed: true },
      { username: 'carol', seenAt: days(7), lastLogin: days(6), licensed: false },
      { username: 'dave', seenAt: days(7), lastLogin: null, licensed: false },
    ]);
    await store.memory.observe('memory-other', [{ username: 'alice', seenAt: days(100), lastLogin: null, licensed: false }]);

    const all = await store.memory.recall('memory');
    assert.deepStrictEqual(
      new Map([...all].sort(([a], [b]) => a.localeCompare(b))),
      new Map([
        ['alice', { username: 'alice', userKey: null, firstSeen: days(0), lastLogin: days(-10), lastLicensedAt: days(0) }],
        ['bob', { username: 'bob', userKey: null, firstSeen: days(-3), lastLogin: days(-4), lastLicensedAt: days(-3) }],
        ['carol', { username: 'carol', userKey: null, firstSeen: days(0), lastLogin: days(6), lastLicensedAt: days(6) }],
        ['dave', { username: 'dave', userKey: null, firstSeen: days(7), lastLogin: null, lastLicensedAt: null }],
      ]),
    );
    const some = await store.memory.recall('memory', ['bob', 'dave', 'nobody', 'bob']);
    assert.deepStrictEqual([...some.keys()].sort(), ['bob', 'dave']);
    assert.deepStrictEqual((await store.memory.recall('memory-other')).get('alice')?.firstSeen, days(100));
    await store.memory.observe('memory', []);
    assert.equal((await store.memory.recall('memory', [])).size, 0);
  });

  test('plans are saved with their hash, read back exactly, and change status', async () => {
    const first = plan('plans', 'scan_aaaaaaaaaa', '2026-01-10T08:00:00.000Z');
    const second = plan('plans', 'scan_bbbbbbbbbb', '2026-01-11T08:00:00.000Z');
    const firstId = await store.plans.save(first, 'planned');
    const secondId = await store.plans.save(second, 'refused');
    assert.match(firstId, /^plan_[0-9a-z]{10}$/);

    const unrecorded = { createdBy: null, policyChangedBy: [], hold: null, approval: null, approvalSignature: null };
    const signature = (id: string, hash: string, savedAt = ''): string => signPlan(fixture().key, { id, hash, createdBy: null, policyChangedBy: [], savedAt });
    // savedAt is the store's clock at save (rehearsal-store.test.ts checks it).
    const firstRead = await store.plans.get(firstId);
    assert.deepStrictEqual(firstRead, { id: firstId, status: 'planned', plan: first, ...unrecorded, signature: signature(firstId, first.hash, firstRead?.savedAt), savedAt: firstRead?.savedAt });
    const latest = await store.plans.latest('plans');
    assert.deepStrictEqual(latest, { id: secondId, status: 'refused', plan: second, ...unrecorded, signature: signature(secondId, second.hash, latest?.savedAt), savedAt: latest?.savedAt });
    await store.plans.setStatus(firstId, 'applied');
    assert.equal((await store.plans.get(firstId))?.status, 'applied');

    assert.equal(await store.plans.get('plan_nosuchplan'), null);
    assert.equal(await store.plans.latest('nobody'), null);
    await assert.rejects(store.plans.setStatus('plan_nosuchplan', 'applied'), NotFound);
    await assert.rejects(store.plans.save({ ...first, licensedUsers: 4 }, 'planned'), InvalidInput);
  });

  test('a changes plan with a set-email step, and its journal entry with the e-mail read before, are read back exactly', async () => {
    const policyPlan = plan('changes', 'scan_eeeeeeeeee', '2026-01-13T08:00:00.000Z');
    const row = policyPlan.rows[0];
    assert.ok(row !== undefined);
    const body: Omit<Plan, 'hash'> = {
      undoOf: [],
      instance: policyPlan.instance,
      scanId: policyPlan.scanId,
      createdAt: policyPlan.createdAt,
      licensedUsers: policyPlan.licensedUsers,
      kind: 'changes',
      policies: [],
      summaries: [],
      rows: [{ ...row, policy: 'changes', reason: { ...row.reason, rule: 'requested', text: 'requested by ops: set e-mail to "c@new.example"' }, steps: [{ kind: 'set-email', email: 'c@new.example' }], freesSeat: false }],
    };
    const changes: Plan = { ...body, hash: hashPlan(body) };
    const id = await store.plans.save(changes, 'planned');
    assert.deepStrictEqual((await store.plans.get(id))?.plan, changes);
    const run = await store.journal.startRun({ planId: id, instance: 'changes', startedAt: days(0) });
    const prior: UserState = { username: 'carol', status: 'active', displayName: 'Carol', email: 'c@old.example', groups: [], useGrant: false, otherPermissions: [] };
    const entry = await store.journal.claim({ runId: run.id, username: 'carol', seq: 0, step: { kind: 'set-email', email: 'c@new.example' }, prior, at: days(0) });
    await store.journal.settle(entry, 'done', null, days(0));
    const [read] = await store.journal.entries(run.id);
    assert.deepStrictEqual([read?.step, read?.prior], [{ kind: 'set-email', email: 'c@new.example' }, prior]);
  });

  test('a plan edited in the database is refused when read back', async () => {
    const { url } = fixture();
    const id = await store.plans.save(plan('tamper', 'scan_tttttttttt', '2026-01-12T08:00:00.000Z'), 'planned');
    const edit = `update plans set plan_json = replace(plan_json, '"licensedUsers":', '"licensedUsers":1') where id = `;
    if (url.startsWith('sqlite:')) {
      const raw = new BetterSqlite3(url.slice('sqlite:'.length));
      raw.prepare(`${edit}?`).run(id);
      raw.close();
    } else {
      const raw = new pg.Client({ connectionString: url });
      await raw.connect();
      await raw.query(`${edit}$1`, [id]);
      await raw.end();
    }
    await assert.rejects(store.plans.get(id), /does not match its hash/);
  });

  test('the journal claims and settles steps, lists them per run and per user, and lists runs newest first', async () => {
    const planId = await store.plans.save(plan('journal', 'scan_cccccccccc', '2026-01-10T08:00:00.000Z'), 'planned');
    const prior: UserState = { username: 'carol', status: 'active', displayName: 'Carol', groups: ['confluence-users', 'staff'], useGrant: true, otherPermissions: [] };

    const first = await store.journal.startRun({ planId, instance: 'journal', startedAt: days(0) });
    assert.match(first.id, /^run_[0-9a-z]{10}$/);
    const { key } = fixture();
    assert.deepStrictEqual(first, {
      id: first.id,
      planId,
      instance: 'journal',
      startedAt: days(0).toISOString(),
      finishedAt: null,
      status: 'running',
      signature: signRun(key, { id: first.id, planId, instance: 'journal' }),
    });
    const a = await store.journal.claim({ runId: first.id, username: 'carol', userKey: 'key-carol', seq: 0, step: { kind: 'remove-group', group: 'confluence-users' }, prior, at: days(0) });
    const b = await store.journal.claim({ runId: first.id, username: 'dave', seq: 1, step: { kind: 'disable' }, prior: null, at: days(0) });
    await store.journal.settle(a, 'done', null, days(1));
    await store.journal.settle(b, 'failed', 'HTTP 500', days(1));
    await assert.rejects(store.journal.settle(a, 'done', null, days(2)), Conflict);
    await assert.rejects(store.journal.settle(999_999, 'done', null, days(2)), NotFound);
    await store.journal.finishRun(first.id, 'done-with-failures', days(2));
    await assert.rejects(store.journal.finishRun(first.id, 'done', days(3)), Conflict);
    await assert.rejects(store.journal.claim({ runId: first.id, username: 'carol', seq: 2, step: { kind: 'enable' }, prior, at: days(3) }), Conflict);

    // A plan runs once; a second run is of another plan.
    await assert.rejects(store.journal.startRun({ planId, instance: 'journal', startedAt: days(3) }), Conflict);
    const secondPlan = await store.plans.save(plan('journal', 'scan_cccccccccc', '2026-01-10T08:00:00.000Z'), 'planned');
    const second = await store.journal.startRun({ planId: secondPlan, instance: 'journal', startedAt: days(3) });
    const c = await store.journal.claim({ runId: second.id, username: 'carol', seq: 0, step: { kind: 'add-group', group: 'confluence-users' }, prior: null, at: days(3) });

    assert.deepStrictEqual(await store.journal.entries(first.id), [
      {
        id: a,
        runId: first.id,
        username: 'carol',
        seq: 0,
        step: { kind: 'remove-group', group: 'confluence-users' },
        outcome: 'done',
        prior,
        error: null,
        at: days(1).toISOString(),
        signature: signJournalEntry(key, { runId: first.id, username: 'carol', seq: 0, step: { kind: 'remove-group', group: 'confluence-users' }, prior }),
        userKey: 'key-carol',
      },
      {
        id: b,
        runId: first.id,
        username: 'dave',
        seq: 1,
        step: { kind: 'disable' },
        outcome: 'failed',
        prior: null,
        error: 'HTTP 500',
        at: days(1).toISOString(),
        signature: signJournalEntry(key, { runId: first.id, username: 'dave', seq: 1, step: { kind: 'disable' }, prior: null }),
        // Neither the plan row nor a prior state named an account.
        userKey: null,
      },
    ]);
    const carol = await store.journal.entriesForUser('journal', 'carol');
    assert.deepStrictEqual(carol.map((entry) => [entry.id, entry.outcome, entry.at]), [
      [a, 'done', days(1).toISOString()],
      [c, 'claimed', days(3).toISOString()],
    ]);
    assert.deepStrictEqual(await store.journal.entriesForUser('other', 'carol'), []);

    assert.deepStrictEqual(await store.journal.getRun(first.id), { ...first, status: 'done-with-failures', finishedAt: days(2).toISOString() });
    assert.deepStrictEqual((await store.journal.listRuns('journal')).map((run) => run.id), [second.id, first.id]);
    assert.ok((await store.journal.listRuns()).some((run) => run.id === first.id));
    assert.deepStrictEqual(await store.journal.listRuns('nobody'), []);
    assert.deepStrictEqual((await store.journal.listRuns('journal', 'running')).map((run) => run.id), [second.id]);
    assert.deepStrictEqual((await store.journal.listRuns('journal', 'done-with-failures')).map((run) => run.id), [first.id]);
    assert.deepStrictEqual(await store.journal.listRuns('journal', 'stopped'), []);
    assert.equal(await store.journal.getRun('run_nosuchrun0'), null);
    await assert.rejects(store.journal.startRun({ planId: 'plan_nosuchplan', instance: 'journal', startedAt: days(0) }), NotFound);
    await assert.rejects(store.journal.startRun({ planId, instance: 'elsewhere', startedAt: days(0) }), Conflict);
  });

  test('reopening runs no migration twice and keeps the data', async () => {
    const id = await scan(store, 'reopen', t0);
    const all = Object.keys(storeMigrations('sqlite')).length;
    assert.equal(await fixture().countMigrations(), all);
    const again = await openStore(fixture().url);
    try {
      assert.equal((await again.scans.get(id))?.userCount, 1);
      assert.equal(await fixture().countMigrations(), all);
    } finally {
      await again.close();
    }
  });

  test('100,000 users and 250,000 memberships save and load back (timing printed)', async (t) => {
    const users = Array.from({ length: 100_000 }, (_, i) =>
      user(`user${String(i).padStart(6, '0')}`, { lastLogin: i % 7 === 0 ? null : days(-(i % 400)), createdAt: i % 3 === 0 ? days(-900) : null }),
    );
    const memberships = Array.from({ length: 250_000 }, (_, i) => ({ group: `group-${i % 300}`, username: users[i % users.length]!.username }));

    let started = performance.now();
    const id = await store.scans.start({ instance: 'large', startedAt: t0, connectedAs: 'svc-seatkeeper', lastLoginSource: 'rest', capabilities: LEGACY_CONFLUENCE_CAPABILITIES });
    // Callers append in batches of about 1,000, as the scan reads pages.
    for (let i = 0; i < users.length; i += 1_000) await store.scans.addUsers(id, users.slice(i, i + 1_000));
    for (let i = 0; i < memberships.length; i += 1_000) await store.scans.addMemberships(id, memberships.slice(i, i + 1_000));
    await store.scans.finish(id, result);
    const saveMs = performance.now() - started;

    const heapBefore = process.memoryUsage().heapUsed;
    started = performance.now();
    const snapshot = await store.scans.loadSnapshot(id);
    const loadMs = performance.now() - started;
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1_048_576;

    const facts = users.map((u) => ({ username: u.username, seenAt: t0, lastLogin: u.lastLogin, licensed: true }));
    started = performance.now();
    await store.memory.observe('large', facts);
    const observeMs = performance.now() - started;
    started = performance.now();
    const memory = await store.memory.recall('large');
    const recallMs = performance.now() - started;

    t.diagnostic(
      `save ${saveMs.toFixed(0)} ms (100 + 250 batches), load ${loadMs.toFixed(0)} ms (+${heapMb.toFixed(0)} MB heap), ` +
        `observe 100k ${observeMs.toFixed(0)} ms, recall 100k ${recallMs.toFixed(0)} ms`,
    );
    assert.equal(snapshot.users.length, 100_000);
    assert.equal(snapshot.memberships.length, 250_000);
    assert.deepStrictEqual(snapshot.users[99_999], users[99_999]);
    assert.deepStrictEqual(snapshot.memberships[123_456], memberships[123_456]);
    assert.equal(memory.size, 100_000);
  });
});

describe('store URLs', () => {
  test('an unknown scheme or an empty path is InvalidInput naming the accepted forms, without echoing secrets', async () => {
    for (const url of ['mysql://root:hunter2@db/seatkeeper', 'sqlite:', 'seatkeeper.db', 'sqlite://host/file.db']) {
      await assert.rejects(openStore(url), (error: unknown) => {
        assert.ok(error instanceof InvalidInput, `${url} → ${String(error)}`);
        assert.match(error.message, /sqlite:PATH.*sqlite::memory:.*postgres:\/\//);
        assert.doesNotMatch(error.message, /hunter2/);
        return true;
      });
    }
  });

  test('a store that cannot open names where it is, and a failed migration names the migration', async () => {
    await assert.rejects(openStore('postgres://seatkeeper:hunter2@127.0.0.1:1/seatkeeper'), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, /^Could not open the store \(PostgreSQL at 127\.0\.0\.1:1\/seatkeeper\)/);
      assert.doesNotMatch(error.message, /hunter2/);
      return true;
    });

    const dir = mkdtempSync(join(tmpdir(), 'seatkeeper-clash-'));
    try {
      const file = join(dir, 'seatkeeper.db');
      const db = new SqliteDatabase(file);
      db.exec('create table scans (something_else text)');
      db.close();
      await assert.rejects(openStore(`sqlite:${file}`), /Store migration 0001-initial failed \(up\): .*scans.* already exists/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('sqlite::memory: opens, and a relative sqlite path is created under the working directory', async () => {
    const memory = await openStore('sqlite::memory:');
    assert.equal(await memory.scans.get('scan_none'), null);
    await memory.close();

    const dir = mkdtempSync(join(tmpdir(), 'seatkeeper-cwd-'));
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      const store = await openStore('sqlite:./data/nested/seatkeeper.db');
      await store.close();
      assert.ok(existsSync(join(dir, 'data', 'nested', 'seatkeeper.db')));
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
