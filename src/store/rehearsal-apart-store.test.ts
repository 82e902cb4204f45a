// The tables both modes share — user memory, lifecycle stages, the notice journal, schedules and alerts — kept apart
// by mode, on SQLite and PostgreSQL: a real and a rehearsal store are opened on one database, as a production store
// would be if someone rehearsed against it, and neither reads, moves or resolves the other's rows.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect } from '../../test/support/dialect-fixture.ts';
import { openStore } from './store-database.ts';
import { hashPlan } from '../domain/plan-hash.ts';
import { Conflict, NotFound } from '../domain/errors.ts';
import type { Plan } from '../domain/plan.ts';
import type { AccountLifecycleRecord } from '../app/store/lifecycle-repository-port.ts';
import type { Store } from '../app/store-port.ts';

const realDay = new Date('2026-02-01T09:00:00.000Z');
// A rehearsal at `--now` a year back: what made every user "first seen" a year ago before the modes were apart.
const yearBack = new Date('2025-01-01T09:00:00.000Z');
// A rehearsal `serve` a month ahead: what claimed every real schedule and moved it a month on.
const monthAhead = new Date('2026-03-01T09:00:00.000Z');

function plan(instance: string, createdAt: Date): Plan {
  const body: Omit<Plan, 'hash'> = {
    kind: 'policy',
    undoOf: [],
    instance,
    scanId: 'scan_apart',
    createdAt: createdAt.toISOString(),
    policies: ['staged'],
    licensedUsers: 1,
    rows: [],
    summaries: [],
  };
  return { ...body, hash: hashPlan(body) };
}

/** A run to hang notices on (the notice journal references runs); a rehearsal store starts a rehearsal run. */
async function runOf(store: Store, instance: string, at: Date): Promise<string> {
  const planId = await store.plans.save(plan(instance, at), 'planned');
  return (await store.journal.startRun({ planId, instance, startedAt: at })).id;
}

function claimOf(instance: string, runId: string, tokenHash: string, at: Date) {
  return { instance, policy: 'staged', username: 'bob', stage: 'unlicense' as const, inactiveSince: yearBack, recipient: 'bob@example.com', tokenHash, runId, at };
}

describeEachDialect('rehearsal apart in memory, lifecycle, notices, schedules and alerts', (fixture) => {
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

  test('user memory: a rehearsal seen a year back does not move the real first_seen, nor a real scan the rehearsal one', async () => {
    await real.memory.observe('mem', [{ username: 'ann', seenAt: realDay, lastLogin: null, licensed: true }]);
    await rehearsal.memory.observe('mem', [
      { username: 'ann', seenAt: yearBack, lastLogin: yearBack, licensed: true },
      { username: 'bob', seenAt: yearBack, lastLogin: null, licensed: false },
    ]);
    assert.deepStrictEqual([...(await real.memory.recall('mem')).values()], [{ username: 'ann', userKey: null, firstSeen: realDay, lastLogin: null, lastLicensedAt: realDay }]);
    assert.deepStrictEqual([...(await real.memory.recall('mem', ['ann', 'bob'])).keys()], ['ann']);

    // A later real scan leaves the rehearsal's memory as the rehearsal wrote it.
    await real.memory.observe('mem', [{ username: 'ann', seenAt: monthAhead, lastLogin: monthAhead, licensed: true }]);
    const rehearsed = await rehearsal.memory.recall('mem');
    assert.deepStrictEqual(rehearsed.get('ann'), { username: 'ann', userKey: null, firstSeen: yearBack, lastLogin: yearBack, lastLicensedAt: yearBack });
    assert.deepStrictEqual(rehearsed.get('bob'), { username: 'bob', userKey: null, firstSeen: yearBack, lastLogin: null, lastLicensedAt: null });
    assert.deepStrictEqual((await real.memory.recall('mem')).get('ann'), { username: 'ann', userKey: null, firstSeen: realDay, lastLogin: monthAhead, lastLicensedAt: monthAhead });
  });

  test('lifecycle stages: a rehearsed "noticed" is not a real stage, and neither mode clears the other\'s record', async () => {
    const noticed: AccountLifecycleRecord = { policy: 'staged', username: 'ann', userKey: null, stage: 'noticed', enteredAt: monthAhead, lastLoginAtEntry: yearBack };
    await rehearsal.lifecycle.enter('lc', noticed);
    assert.deepStrictEqual(await real.lifecycle.records('lc'), []);

    const unlicensed: AccountLifecycleRecord = { policy: 'staged', username: 'ann', userKey: null, stage: 'unlicensed', enteredAt: realDay, lastLoginAtEntry: null };
    await real.lifecycle.enter('lc', unlicensed);
    assert.deepStrictEqual(await real.lifecycle.records('lc'), [unlicensed]);
    assert.deepStrictEqual(await rehearsal.lifecycle.records('lc'), [noticed]);

    assert.equal(await real.lifecycle.clear('lc', 'staged', 'ann', monthAhead), false);
    assert.equal(await rehearsal.lifecycle.clear('lc', 'staged', 'ann', realDay), false);
    assert.equal(await rehearsal.lifecycle.clear('lc', 'staged', 'ann', monthAhead), true);
    assert.deepStrictEqual(await real.lifecycle.records('lc'), [unlicensed]);
    assert.deepStrictEqual(await rehearsal.lifecycle.records('lc'), []);
  });

  test('notice journal: a rehearsed notice does not count as sent for real; lists, tokens and settling stay in each mode', async () => {
    const rehearsedRun = await runOf(rehearsal, 'nj', monthAhead);
    const realRun = await runOf(real, 'nj', realDay);
    const rehearsed = await rehearsal.notices.claim(claimOf('nj', rehearsedRun, 'hash-rehearsed', monthAhead));
    assert.equal(rehearsed.status, 'claimed');
    assert.ok(rehearsed.status === 'claimed');
    await rehearsal.notices.settle(rehearsed.id, { sentAt: monthAhead, messageId: '<rehearsed@example.com>' });

    // The same user, stage and period: the real run still sends its own notice.
    const mine = await real.notices.claim(claimOf('nj', realRun, 'hash-real', realDay));
    assert.ok(mine.status === 'claimed');
    assert.equal((await rehearsal.notices.claim(claimOf('nj', rehearsedRun, 'hash-again', monthAhead))).status, 'sent');

    assert.deepStrictEqual((await real.notices.list('nj')).map((n) => [n.id, n.instance, n.runId, n.sentAt]), [[mine.id, 'nj', realRun, null]]);
    assert.deepStrictEqual((await real.notices.list('nj', { runId: rehearsedRun })), []);
    assert.deepStrictEqual(
      (await rehearsal.notices.list('nj', { username: 'bob' })).map((n) => [n.id, n.instance, n.sentAt]),
      [[rehearsed.id, 'nj', monthAhead.toISOString()]],
    );

    assert.equal(await real.notices.findByTokenHash('hash-rehearsed'), null);
    assert.equal(await rehearsal.notices.findByTokenHash('hash-real'), null);
    assert.equal((await real.notices.findByTokenHash('hash-real'))?.id, mine.id);
    assert.equal((await rehearsal.notices.findByTokenHash('hash-rehearsed'))?.instance, 'nj');

    await assert.rejects(rehearsal.notices.settle(mine.id, { error: 'refused' }), NotFound);
    await assert.rejects(real.notices.settle(rehearsed.id, { error: 'refused' }), NotFound);
    assert.equal((await real.notices.list('nj'))[0]?.error, null);
    await real.notices.settle(mine.id, { sentAt: realDay, messageId: '<real@example.com>' });
    await assert.rejects(real.notices.settle(mine.id, { error: 'late' }), Conflict);
  });

  test('schedules: a rehearsal serve a month ahead neither drops, claims nor moves on a real schedule', async () => {
    const cron = '0 3 * * *';
    const firstDue = (at: Date) => () => at;
    const mine = await real.schedules.sync([{ instance: 'sch', policy: 'inactive', cron, timeZone: 'UTC' }], firstDue(realDay));
    assert.deepStrictEqual(mine.map((s) => [s.instance, s.policy, s.nextRunAt]), [['sch', 'inactive', realDay.toISOString()]]);

    // A rehearsal config without the real schedule's policy, and one of its own: the real schedule stays.
    const rehearsed = await rehearsal.schedules.sync(
      [
        { instance: 'sch', policy: 'inactive', cron, timeZone: 'UTC' },
        { instance: 'sch', policy: 'rehearsed-only', cron, timeZone: 'UTC' },
      ],
      firstDue(monthAhead),
    );
    assert.deepStrictEqual(rehearsed.map((s) => [s.instance, s.policy, s.nextRunAt]), [
      ['sch', 'inactive', monthAhead.toISOString()],
      ['sch', 'rehearsed-only', monthAhead.toISOString()],
    ]);
    assert.deepStrictEqual((await real.schedules.list()).map((s) => [s.instance, s.policy, s.nextRunAt]), [['sch', 'inactive', realDay.toISOString()]]);

    // The rehearsal claims its own due run; the real schedule is not due at that instant and is not claimed.
    const later = new Date(monthAhead.getTime() + 86_400_000).toISOString();
    const claim = { instance: 'sch', policy: 'inactive', by: 'rehearsal-serve', outcome: 'running' as const, at: monthAhead };
    assert.equal(await rehearsal.schedules.claim({ ...claim, due: monthAhead.toISOString(), next: later }), true);
    assert.equal(await rehearsal.schedules.claim({ ...claim, due: realDay.toISOString(), next: later }), false);
    await rehearsal.schedules.finish({ instance: 'sch', policy: 'inactive', outcome: 'done', detail: 'rehearsed', at: monthAhead });
    const [untouched] = await real.schedules.list();
    assert.deepStrictEqual(
      [untouched?.nextRunAt, untouched?.lastDueAt, untouched?.lastOutcome, untouched?.claimedBy],
      [realDay.toISOString(), null, null, null],
    );

    // The real serve claims its own, and the rehearsal's stays where the rehearsal left it.
    assert.equal(await real.schedules.claim({ ...claim, by: 'real-serve', at: realDay, due: realDay.toISOString(), next: monthAhead.toISOString() }), true);
    const rehearsedInactive = (await rehearsal.schedules.list()).find((s) => s.policy === 'inactive');
    assert.deepStrictEqual([rehearsedInactive?.nextRunAt, rehearsedInactive?.lastOutcome, rehearsedInactive?.claimedBy], [later, 'done', 'rehearsal-serve']);

    // A rehearsal config with no schedules removes only the rehearsal's.
    assert.deepStrictEqual(await rehearsal.schedules.sync([], firstDue(monthAhead)), []);
    assert.deepStrictEqual((await real.schedules.list()).map((s) => [s.instance, s.policy, s.claimedBy]), [['sch', 'inactive', 'real-serve']]);
  });

  test('alerts: rehearsal alerts neither show among real ones, fold into them, nor resolve them, and the other way round', async () => {
    const kind = 'guard.max-share';
    const rehearsed = await rehearsal.alerts.raise({ instance: 'al', scanId: 'scan_1', kind, message: 'rehearsed trip', at: monthAhead });
    assert.equal(rehearsed.created, true);
    assert.equal(rehearsed.alert.instance, 'al');
    assert.deepStrictEqual((await real.alerts.listOpen()).filter((a) => a.instance === 'al'), []);
    assert.deepStrictEqual(await real.alerts.listAll('al'), []);

    // The same instance, kind and scan: a real alert of its own, not the rehearsal's returned as a repeat.
    const mine = await real.alerts.raise({ instance: 'al', scanId: 'scan_1', kind, message: 'real trip', at: realDay });
    assert.equal(mine.created, true);
    assert.notEqual(mine.alert.id, rehearsed.alert.id);
    assert.deepStrictEqual((await real.alerts.listOpen('al')).map((a) => [a.id, a.instance, a.message]), [[mine.alert.id, 'al', 'real trip']]);
    assert.deepStrictEqual((await rehearsal.alerts.listOpen()).map((a) => a.id), [rehearsed.alert.id]);
    assert.deepStrictEqual((await rehearsal.alerts.listAll()).map((a) => a.id), [rehearsed.alert.id]);

    // A rehearsal whose cause cleared resolves only its own.
    const resolved = await rehearsal.alerts.resolve({ instance: 'al', kinds: [kind], reason: 'rehearsed scan within limits', at: monthAhead });
    assert.deepStrictEqual(resolved.map((a) => [a.id, a.resolvedReason]), [[rehearsed.alert.id, 'rehearsed scan within limits']]);
    assert.deepStrictEqual((await real.alerts.listOpen('al')).map((a) => [a.id, a.resolvedAt]), [[mine.alert.id, null]]);
    assert.deepStrictEqual(await real.alerts.resolve({ instance: 'al', kinds: [kind], exceptScanId: 'scan_2', reason: 'x', at: realDay }).then((r) => r.map((a) => a.id)), [mine.alert.id]);

    // Neither acknowledges the other's.
    const open = await rehearsal.alerts.raise({ instance: 'al', scanId: 'scan_3', kind, message: 'rehearsed again', at: monthAhead });
    await assert.rejects(real.alerts.acknowledge(open.alert.id, 'bob', realDay), NotFound);
    await assert.rejects(rehearsal.alerts.acknowledge(mine.alert.id, 'bob', monthAhead), NotFound);
    assert.equal((await rehearsal.alerts.listOpen('al'))[0]?.acknowledgedAt, null);
    assert.equal((await rehearsal.alerts.acknowledge(open.alert.id, 'bob', monthAhead)).acknowledgedBy, 'bob');
  });
});
