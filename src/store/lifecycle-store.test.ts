// Lifecycle stages, the notice journal and plans with a lifecycle part, on every dialect (SQLite and PostgreSQL).
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect } from '../../test/support/dialect-fixture.ts';
import { hashPlan } from '../domain/plan-hash.ts';
import type { Plan } from '../domain/plan.ts';
import type { AccountLifecycleRecord } from '../app/store/lifecycle-repository-port.ts';
import type { Store } from '../app/store-port.ts';
import { Conflict } from '../domain/errors.ts';

const t0 = new Date('2026-03-01T03:00:00.000Z');
const days = (n: number): Date => new Date(t0.getTime() + n * 86_400_000);

function lifecyclePlan(instance: string): Plan {
  const body: Omit<Plan, 'hash'> = {
    kind: 'policy',
    undoOf: [],
    instance,
    scanId: 'scan_lifecycle',
    createdAt: t0.toISOString(),
    policies: ['staged'],
    licensedUsers: 10,
    rows: [
      {
        username: 'alice',
        userKey: 'key-alice',
        displayName: 'Alice',
        directory: null,
        policy: 'staged',
        reason: { rule: 'inactive', text: 'unlicense: noticed 2026-02-15 for 2026-03-01, last login …', lastLogin: days(-200).toISOString(), referenceDate: days(-200).toISOString(), days: 200, thresholdDays: 90 },
        steps: [{ kind: 'remove-group', group: 'confluence-users' }],
        notes: [],
        stage: 'unlicense',
      },
    ],
    summaries: [],
    lifecycle: {
      notices: [
        {
          policy: 'staged',
          username: 'bob',
          displayName: 'Bob',
          email: 'bob@example.com',
          stage: 'unlicense',
          dueDate: '2026-03-15',
          inactiveSince: days(-80).toISOString(),
          lastLogin: days(-80).toISOString(),
          reason: 'notice: licence goes on 2026-03-15, last login 2025-12-11, 80 days ago > 76',
        },
      ],
      cancellations: [{ policy: 'staged', username: 'carol', stage: 'noticed', enteredAt: days(-3).toISOString(), reason: 'logged in' }],
      summaries: [{ policy: 'staged', notice: 1, unlicense: 1, deactivate: 0, rename: 0, waiting: 2, cancelled: 1, notPossible: 0 }],
    },
  };
  return { ...body, hash: hashPlan(body) };
}

/** A run to hang notices on (the journal references runs). */
async function run(store: Store, instance: string): Promise<string> {
  const planId = await store.plans.save(lifecyclePlan(instance), 'planned');
  return (await store.journal.startRun({ planId, instance, startedAt: t0 })).id;
}

function claimInput(instance: string, runId: string, overrides: { username?: string; inactiveSince?: Date; tokenHash?: string } = {}) {
  return {
    instance,
    policy: 'staged',
    username: overrides.username ?? 'bob',
    stage: 'unlicense' as const,
    inactiveSince: overrides.inactiveSince ?? days(-80),
    recipient: 'bob@example.com',
    tokenHash: overrides.tokenHash ?? `hash-${Math.random()}`,
    runId,
    at: t0,
  };
}

describeEachDialect('lifecycle store', (fixture) => {
  let store: Store;
  beforeEach(() => {
    store = fixture().store;
  });

  test('a plan with a lifecycle part (notices, cancellations, row stages) round-trips exactly', async () => {
    const plan = lifecyclePlan('lc-plan');
    const id = await store.plans.save(plan, 'planned');
    const stored = await store.plans.get(id);
    assert.deepEqual(stored?.plan, plan);
  });

  test('entering a stage: a new stage replaces the old, the same stage keeps its first entry time, clear only the record seen', async () => {
    const noticed: AccountLifecycleRecord = { policy: 'staged', username: 'alice', userKey: null, stage: 'noticed', enteredAt: days(0), lastLoginAtEntry: days(-80) };
    await store.lifecycle.enter('lc-a', noticed);
    await store.lifecycle.enter('lc-a', { ...noticed, enteredAt: days(1) });
    await store.lifecycle.enter('lc-a', { policy: 'other', username: 'alice', stage: 'unlicensed', enteredAt: days(2), lastLoginAtEntry: null });
    await store.lifecycle.enter('lc-b', { ...noticed, username: 'zed' });
    assert.deepEqual(await store.lifecycle.records('lc-a'), [
      { policy: 'other', username: 'alice', userKey: null, stage: 'unlicensed', enteredAt: days(2), lastLoginAtEntry: null },
      noticed,
    ]);

    const unlicensed: AccountLifecycleRecord = { ...noticed, stage: 'unlicensed', enteredAt: days(14) };
    await store.lifecycle.enter('lc-a', unlicensed);
    assert.deepEqual((await store.lifecycle.records('lc-a')).find((r) => r.policy === 'staged'), unlicensed);

    assert.equal(await store.lifecycle.clear('lc-a', 'staged', 'alice', days(0)), false, 'the noticed record the plan saw is gone');
    assert.equal(await store.lifecycle.clear('lc-a', 'staged', 'alice', days(14)), true);
    assert.deepEqual((await store.lifecycle.records('lc-a')).map((r) => r.policy), ['other']);
    assert.equal((await store.lifecycle.records('lc-b')).length, 1);
  });

  test('a notice is claimed once per stage and period of inactivity; an interrupted one is never claimed again', async () => {
    const runId = await run(store, 'lc-n');
    const first = await store.notices.claim(claimInput('lc-n', runId, { tokenHash: 'token-1' }));
    assert.equal(first.status, 'claimed');
    assert.ok(first.status === 'claimed');

    const interrupted = await store.notices.claim(claimInput('lc-n', runId));
    assert.equal(interrupted.status, 'in-flight');

    await store.notices.settle(first.id, { sentAt: days(0), messageId: '<m1@example.com>' });
    const again = await store.notices.claim(claimInput('lc-n', runId));
    assert.ok(again.status === 'sent');
    assert.equal(again.entry.sentAt, days(0).toISOString());
    assert.equal(again.entry.messageId, '<m1@example.com>');
    await assert.rejects(store.notices.settle(first.id, { error: 'late' }), Conflict);

    const comeback = await store.notices.claim(claimInput('lc-n', runId, { inactiveSince: days(5) }));
    assert.equal(comeback.status, 'claimed', 'a new period of inactivity gets its own notice');

    const found = await store.notices.findByTokenHash('token-1');
    assert.equal(found?.username, 'bob');
    assert.equal(await store.notices.findByTokenHash('nope'), null);
  });

  test('a failed notice is claimed again with a new token; a run lists its notices', async () => {
    const runId = await run(store, 'lc-f');
    const first = await store.notices.claim(claimInput('lc-f', runId, { username: 'carol', tokenHash: 'failed-token' }));
    assert.ok(first.status === 'claimed');
    await store.notices.settle(first.id, { error: '550 mailbox unavailable' });
    const second = await store.notices.claim(claimInput('lc-f', runId, { username: 'carol', tokenHash: 'retry-token' }));
    assert.deepEqual(second, { status: 'claimed', id: first.id });
    assert.equal(await store.notices.findByTokenHash('failed-token'), null, 'the failed attempt’s link is void');
    await store.notices.settle(first.id, { sentAt: days(1), messageId: '<m2@example.com>' });

    const listed = await store.notices.list('lc-f', { runId });
    assert.deepEqual(
      listed.map((n) => [n.username, n.stage, n.recipient, n.sentAt, n.messageId, n.error]),
      [['carol', 'unlicense', 'bob@example.com', days(1).toISOString(), '<m2@example.com>', null]],
    );
    assert.deepEqual(await store.notices.list('lc-f', { username: 'nobody' }), []);
  });

  test('two claims racing for the same notice: exactly one wins', async () => {
    const runId = await run(store, 'lc-race');
    const results = await Promise.all(Array.from({ length: 8 }, () => store.notices.claim(claimInput('lc-race', runId, { username: 'racer' }))));
    assert.equal(results.filter((r) => r.status === 'claimed').length, 1);
    assert.equal(results.filter((r) => r.status === 'in-flight').length, 7);
  });
});
