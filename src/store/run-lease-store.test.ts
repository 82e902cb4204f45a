// Run leases and the journal's resume support: one suite, run on SQLite and PostgreSQL.
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect } from './dialect-fixture.ts';
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

  test('a free lease is taken; a second holder is refused and told who holds it until when', async () => {
    assert.deepStrictEqual(await store.leases.take({ instance: 'lease-a', holder: 'p1', at: t0, expiresAt: seconds(60) }), { taken: true });
    assert.deepStrictEqual(await store.leases.take({ instance: 'lease-a', holder: 'p2', at: seconds(10), expiresAt: seconds(70) }), {
      taken: false,
      lease: { instance: 'lease-a', holder: 'p1', expiresAt: seconds(60).toISOString(), takenAt: t0.toISOString() },
    });
    // Other instances are independent, and the holder may take its own lease again.
    assert.deepStrictEqual(await store.leases.take({ instance: 'lease-b', holder: 'p2', at: t0, expiresAt: seconds(60) }), { taken: true });
    assert.deepStrictEqual(await store.leases.take({ instance: 'lease-a', holder: 'p1', at: seconds(5), expiresAt: seconds(65) }), { taken: true });
  });

  test('renewal keeps a lease past its first expiry; an expired lease is taken over and the old holder can no longer renew', async () => {
    await store.leases.take({ instance: 'lease-c', holder: 'p1', at: t0, expiresAt: seconds(60) });
    assert.equal(await store.leases.renew({ instance: 'lease-c', holder: 'p1', expiresAt: seconds(120) }), true);
    const early = await store.leases.take({ instance: 'lease-c', holder: 'p2', at: seconds(90), expiresAt: seconds(150) });
    assert.equal(early.taken, false);
    assert.deepStrictEqual(await store.leases.take({ instance: 'lease-c', holder: 'p2', at: seconds(120), expiresAt: seconds(180) }), { taken: true });
    assert.equal(await store.leases.renew({ instance: 'lease-c', holder: 'p1', expiresAt: seconds(200) }), false);
    // Releasing a lease one no longer holds leaves the new holder's in place.
    await store.leases.release('lease-c', 'p1');
    assert.equal((await store.leases.take({ instance: 'lease-c', holder: 'p3', at: seconds(130), expiresAt: seconds(190) })).taken, false);
    await store.leases.release('lease-c', 'p2');
    assert.equal(await store.leases.current('lease-c'), null, 'a released lease leaves no row');
    assert.deepStrictEqual(await store.leases.take({ instance: 'lease-c', holder: 'p3', at: seconds(130), expiresAt: seconds(190) }), { taken: true });
    assert.deepStrictEqual(await store.leases.current('lease-c'), { instance: 'lease-c', holder: 'p3', expiresAt: seconds(190).toISOString(), takenAt: seconds(130).toISOString() });
  });

  test('of concurrent takers on separate connections, exactly one wins — on a free lease and on an expired one', async () => {
    const others = await Promise.all([1, 2, 3, 4, 5, 6].map(() => openStore(fixture().url)));
    try {
      const free = await Promise.all(others.map((s, i) => s.leases.take({ instance: 'lease-race', holder: `p${i}`, at: t0, expiresAt: seconds(60) })));
      assert.equal(free.filter((r) => r.taken).length, 1);
      const expired = await Promise.all(
        others.map((s, i) => s.leases.take({ instance: 'lease-race', holder: `q${i}`, at: seconds(61), expiresAt: seconds(121) })),
      );
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
