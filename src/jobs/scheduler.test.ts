import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect } from '../../test/support/dialect-fixture.ts';
import { openStore } from '../store/store-database.ts';
import { fixedClock } from '../app/clock.ts';
import { Scheduler, type JobResult } from './scheduler.ts';
import { nextRunAfter } from './schedule-timing.ts';
import type { ScheduleRecord } from '../app/store/schedule-repository-port.ts';
import type { Store } from '../app/store-port.ts';

const DAILY = '0 3 * * *';
const firstDue = (cron: string, zone: string) => nextRunAfter(cron, zone, new Date('2026-11-26T12:00:00Z'));

function scheduler(store: Store, clock: ReturnType<typeof fixedClock>, ran: string[], processId = 'p1'): Scheduler {
  return new Scheduler({
    store,
    clock,
    processId,
    log: () => undefined,
    runJob: async (s: ScheduleRecord): Promise<JobResult> => {
      ran.push(`${processId}:${s.policy}@${s.nextRunAt}`);
      return { outcome: 'done', detail: 'ok' };
    },
  });
}

describeEachDialect('scheduler', (fixture) => {
  test('schedules survive a restart with their due time; config changes move it; removed policies go', async () => {
    const { store, url } = fixture();
    const synced = await store.schedules.sync(
      [
        { instance: 'restart', policy: 'a', cron: DAILY, timeZone: 'UTC' },
        { instance: 'restart', policy: 'b', cron: '0 4 * * *', timeZone: 'Europe/Berlin' },
      ],
      firstDue,
    );
    assert.deepEqual(
      synced.filter((s) => s.instance === 'restart').map((s) => [s.policy, s.nextRunAt]),
      [['a', '2026-11-27T03:00:00.000Z'], ['b', '2026-11-27T03:00:00.000Z']],
    );
    // A restart: a new store on the same database, synced with a later "first due" that must not win.
    const again = await openStore(url);
    try {
      const later = () => new Date('2030-01-01T00:00:00Z');
      const kept = await again.schedules.sync([{ instance: 'restart', policy: 'a', cron: DAILY, timeZone: 'UTC' }, { instance: 'restart', policy: 'b', cron: '0 5 * * *', timeZone: 'Europe/Berlin' }], later);
      const mine = kept.filter((s) => s.instance === 'restart');
      assert.deepEqual(mine.map((s) => [s.policy, s.nextRunAt]), [['a', '2026-11-27T03:00:00.000Z'], ['b', '2030-01-01T00:00:00.000Z']]);
      await again.schedules.sync([], later);
      assert.equal((await again.schedules.list()).filter((s) => s.instance === 'restart').length, 0);
    } finally {
      await again.close();
    }
  });

  test('a run missed by less than a period runs once at start-up; an older one is recorded as missed', async () => {
    const { store } = fixture();
    await store.schedules.sync([{ instance: 'missed', policy: 'recent', cron: DAILY, timeZone: 'UTC' }], () => new Date('2026-11-27T03:00:00Z'));
    const clock = fixedClock(new Date('2026-11-27T09:00:00Z'));
    const ran: string[] = [];
    const first = await scheduler(store, clock, ran).tick();
    assert.deepEqual(first.ran, ['missed/recent']);
    assert.deepEqual(ran, ['p1:recent@2026-11-27T03:00:00.000Z']);
    const after = (await store.schedules.list()).find((s) => s.policy === 'recent');
    assert.equal(after?.nextRunAt, '2026-11-28T03:00:00.000Z');
    assert.equal(after?.lastOutcome, 'done');
    assert.deepEqual((await scheduler(store, clock, ran).tick()).ran, [], 'the same run never runs twice');

    clock.set(new Date('2026-12-01T10:00:00Z'));
    const late = await scheduler(store, clock, ran).tick();
    assert.deepEqual(late.missed, ['missed/recent']);
    assert.equal(ran.length, 1, 'a run more than a period late is not run');
    const missed = (await store.schedules.list()).find((s) => s.policy === 'recent');
    assert.equal(missed?.lastOutcome, 'missed');
    assert.equal(missed?.nextRunAt, '2026-12-02T03:00:00.000Z');
  });

  test('several schedulers on one store run each due run exactly once', async () => {
    const { store, url } = fixture();
    await store.schedules.sync(
      ['x', 'y', 'z'].map((policy) => ({ instance: 'race', policy, cron: DAILY, timeZone: 'UTC' })),
      () => new Date('2026-11-27T03:00:00Z'),
    );
    const clock = fixedClock(new Date('2026-11-27T03:00:01Z'));
    const stores = await Promise.all([openStore(url), openStore(url), openStore(url)]);
    try {
      const ran: string[] = [];
      await Promise.all(stores.map((s, i) => scheduler(s, clock, ran, `p${i}`).tick()));
      const runs = ran.map((r) => r.slice(r.indexOf(':') + 1)).sort();
      assert.deepEqual(runs, ['x@2026-11-27T03:00:00.000Z', 'y@2026-11-27T03:00:00.000Z', 'z@2026-11-27T03:00:00.000Z']);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
