// Run leases and the journal's resume support: one suite, run on SQLite and PostgreSQL.
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeEachDialect } from '../../test/support/dialect-fixture.ts';
import { openStore } from './store-database.ts';
import { Conflict } from '../domain/errors.ts';
import { hashPlan } from '../domain/plan-hash.ts';
import type { Plan } from '../domain/plan.ts';
import type { UserState } from '../domain/journal.ts';
import type { Store } from '../app/store-port.ts';

const t0 = new Date('2026-02-01T09:00:00.000Z');
const seconds = (n: number): Date => new Date(t0.getTime() + n * 1000);

function plan(instance: string): Plan {
  const body: Omit<Plan, 'hash'> = {
    kind: 'policy',
    undoOf: [],
    instance,
    scanId: 'scan_llllllllll',
    createdAt: t0.toISOString(),
    policies: ['inactive-users'],
    licensedUsers: 10,
    rows: [],
    summaries: [],
  };
  return { ...body, hash: hashPlan(body) };
}

const ann: UserState = { username: 'ann', status: 'active', displayName: 'Ann', groups: ['confluence-users'], useGrant: false, otherPermissions: [] };

describeEachDialect('run leases and resume records', (fixture) => {
  let store: Store;
  beforeEach(() => {
    store = fixture().store;
  });

  // Leases are dated by the store's clock (the PostgreSQL server's, the SQLite process's); there is no way to hand one a
  // time. Expiry is waited for (a lease of 1 ms is over once a few ms have passed, however slow the machine), and a live
  // lease is one of a minute, which no step of these tests comes near.
  const pastExpiry = (): Promise<void> => sleep(15);

  test('the store tells its time; a free lease is taken for ttl from it; a second holder is refused and told who holds it until when', async () => {
    const before = Date.now();
    const storeNow = await store.now();
    assert.ok(storeNow.getTime() >= before - 1 && storeNow.getTime() <= Date.now() + 1, `store time ${storeNow.toISOString()}`);

    const asked = await store.now();
    assert.deepStrictEqual(await store.leases.take({ instance: 'lease-a', holder: 'p1', ttlMs: 60_000 }), { taken: true });
    const answered = await store.now();
    const refused = await store.leases.take({ instance: 'lease-a', holder: 'p2', ttlMs: 60_000 });
    assert.ok(!refused.taken);
    const { lease } = refused;
    assert.deepStrictEqual([lease.instance, lease.holder], ['lease-a', 'p1']);
    const takenAt = Date.parse(lease.takenAt);
    assert.ok(takenAt >= asked.getTime() && takenAt <= answered.getTime(), `taken at ${lease.takenAt}, asked ${asked.toISOString()}`);
    assert.equal(Date.parse(lease.expiresAt) - takenAt, 60_000);
    assert.equal(await store.leases.isLive(lease), true);
    // Other instances are independent, and the holder may take its own lease again.
    assert.deepStrictEqual(await store.leases.take({ instance: 'lease-b', holder: 'p2', ttlMs: 60_000 }), { taken: true });
    assert.deepStrictEqual(await store.leases.take({ instance: 'lease-a', holder: 'p1', ttlMs: 60_000 }), { taken: true });
    await assert.rejects(store.leases.take({ instance: 'lease-z', holder: 'p1', ttlMs: 0 }), /positive number of milliseconds/);
  });

  test('renewal keeps a lease past its first expiry; an expired lease is taken over and the old holder can no longer renew', async () => {
    await store.leases.take({ instance: 'lease-c', holder: 'p1', ttlMs: 1 });
    assert.equal(await store.leases.renew({ instance: 'lease-c', holder: 'p1', ttlMs: 60_000 }), true);
    await pastExpiry();
    assert.equal((await store.leases.take({ instance: 'lease-c', holder: 'p2', ttlMs: 60_000 })).taken, false, 'renewed past its first expiry');
    // The holder stops renewing (it crashed): its lease runs out and the next taker gets it.
    assert.equal(await store.leases.renew({ instance: 'lease-c', holder: 'p1', ttlMs: 1 }), true);
    await pastExpiry();
    const stale = await store.leases.current('lease-c');
    assert.equal(stale === null ? null : await store.leases.isLive(stale), false);
    assert.deepStrictEqual(await store.leases.take({ instance: 'lease-c', holder: 'p2', ttlMs: 60_000 }), { taken: true });
    assert.equal(await store.leases.renew({ instance: 'lease-c', holder: 'p1', ttlMs: 60_000 }), false);
    // Releasing a lease one no longer holds leaves the new holder's in place.
    await store.leases.release('lease-c', 'p1');
    assert.equal((await store.leases.take({ instance: 'lease-c', holder: 'p3', ttlMs: 60_000 })).taken, false);
    await store.leases.release('lease-c', 'p2');
    assert.equal(await store.leases.current('lease-c'), null, 'a released lease leaves no row');
    assert.deepStrictEqual(await store.leases.take({ instance: 'lease-c', holder: 'p3', ttlMs: 60_000 }), { taken: true });
    assert.equal((await store.leases.current('lease-c'))?.holder, 'p3');
  });

  test('of concurrent takers on separate connections, exactly one wins — on a free lease and on an expired one', async () => {
    const others = await Promise.all([1, 2, 3, 4, 5, 6].map(() => openStore(fixture().url)));
    try {
      const free = await Promise.all(others.map((s, i) => s.leases.take({ instance: 'lease-race', holder: `p${i}`, ttlMs: 60_000 })));
      assert.equal(free.filter((r) => r.taken).length, 1);
      // The winner's lease runs out (shortened by its own renewal, as if it had stopped renewing).
      const winner = free.findIndex((r) => r.taken);
      assert.equal(await store.leases.renew({ instance: 'lease-race', holder: `p${winner}`, ttlMs: 1 }), true);
      await pastExpiry();
      const expired = await Promise.all(others.map((s, i) => s.leases.take({ instance: 'lease-race', holder: `q${i}`, ttlMs: 60_000 })));
      assert.equal(expired.filter((r) => r.taken).length, 1);
      const winners = new Set(expired.flatMap((r) => (r.taken ? [] : [r.lease.holder])));
      assert.equal(winners.size, 1, 'every loser names the same winner');
    } finally {
      await Promise.all(others.map((s) => s.close()));
    }
  });

  test('a failed entry is claimed again with its prior state kept; a run reopens unless it finished done; counts per outcome', async () => {
    const planId = await store.plans.save(plan('resume-rec'), 'planned');
    const run = await store.journal.startRun({ planId, instance: 'resume-rec', startedAt: t0 });
    const step = { kind: 'remove-group', group: 'confluence-users' } as const;
    const first = await store.journal.claim({ runId: run.id, username: 'ann', seq: 0, step, prior: ann, at: t0 });
    const second = await store.journal.claim({ runId: run.id, username: 'bob', seq: 0, step, prior: null, at: t0 });
    await store.journal.claim({ runId: run.id, username: 'cid', seq: 0, step, prior: null, at: t0 });
    await store.journal.settle(first, 'failed', '503', seconds(1));
    await store.journal.settle(second, 'done', null, seconds(1));
    await assert.rejects(store.journal.reclaim(second, seconds(2)), Conflict);
    await store.journal.finishRun(run.id, 'done-with-failures', seconds(3));
    assert.deepStrictEqual((await store.journal.outcomeCounts('resume-rec')).get(run.id), { planned: 0, claimed: 1, done: 1, 'already-done': 0, failed: 1, skipped: 0 });

    await store.journal.reopenRun(run.id);
    assert.equal((await store.journal.getRun(run.id))?.status, 'running');
    await store.journal.reclaim(first, seconds(4));
    const entry = (await store.journal.entries(run.id)).find((e) => e.id === first);
    assert.equal(entry?.outcome, 'claimed');
    assert.deepStrictEqual(entry?.prior, ann);
    await store.journal.settle(first, 'done', null, seconds(5));
    await store.journal.finishRun(run.id, 'done', seconds(6));
    await assert.rejects(store.journal.reopenRun(run.id), Conflict);
  });
});
