// Approval records on plans, policy versions and alerts: one suite, run on SQLite and PostgreSQL.
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect } from '../../test/support/dialect-fixture.ts';
import { Conflict, NotFound } from '../domain/errors.ts';
import { hashPlan } from '../domain/plan-hash.ts';
import type { Plan } from '../domain/plan.ts';
import type { Store } from '../app/store-port.ts';
import { signApproval, signPlan } from '../domain/record-signature.ts';

const t0 = new Date('2026-02-01T09:00:00.000Z');
const minutes = (n: number): Date => new Date(t0.getTime() + n * 60_000);

function plan(instance: string): Plan {
  const body: Omit<Plan, 'hash'> = {
    kind: 'policy',
    undoOf: [],
    instance,
    scanId: 'scan_pppppppppp',
    createdAt: t0.toISOString(),
    policies: ['inactive-users', 'leavers'],
    licensedUsers: 10,
    rows: [],
    summaries: [],
  };
  return { ...body, hash: hashPlan(body) };
}

describeEachDialect('protection records', (fixture) => {
  let store: Store;
  beforeEach(() => {
    store = fixture().store;
  });

  test('a plan keeps its maker, policy changers and hold; approval moves it from waiting to approved exactly once', async () => {
    const hold = { guard: 'safety.maxActions', count: 7, limit: 5, message: 'the plan changes 7 users; safety.maxActions allows 5.' };
    const waiting = await store.plans.save(plan('approve'), 'waiting-approval', { createdBy: 'alice', policyChangedBy: ['carol', 'alice', 'carol'], hold });
    const read = await store.plans.get(waiting);
    assert.deepStrictEqual(read, {
      id: waiting,
      status: 'waiting-approval',
      plan: plan('approve'),
      createdBy: 'alice',
      policyChangedBy: ['alice', 'carol'],
      hold,
      approval: null,
      // Stamped by the store's clock (rehearsal-store.test.ts checks it).
      savedAt: read?.savedAt,
      signature: signPlan(fixture().key, { id: waiting, hash: plan('approve').hash, createdBy: 'alice', policyChangedBy: ['alice', 'carol'], savedAt: read?.savedAt ?? '' }),
      approvalSignature: null,
    });

    await store.plans.approve(waiting, 'bob', minutes(5));
    const approved = await store.plans.get(waiting);
    assert.equal(approved?.status, 'approved');
    assert.deepStrictEqual(approved?.approval, { by: 'bob', at: minutes(5).toISOString() });
    assert.equal(approved?.approvalSignature, signApproval(fixture().key, { planId: waiting, planHash: plan('approve').hash, by: 'bob', at: minutes(5).toISOString() }));
    await assert.rejects(store.plans.approve(waiting, 'dave', minutes(6)), (error: unknown) => {
      assert.ok(error instanceof Conflict);
      assert.equal(error.message, `Plan ${waiting} is approved, not waiting for approval.`);
      return true;
    });
    // The approval stays on record once the plan is applied: an approved plan is not held to the limits again.
    await store.plans.setStatus(waiting, 'applied');
    assert.deepStrictEqual((await store.plans.get(waiting))?.approval, { by: 'bob', at: minutes(5).toISOString() });

    const planned = await store.plans.save(plan('approve'), 'planned', { createdBy: 'alice' });
    await assert.rejects(store.plans.approve(planned, 'bob', minutes(7)), Conflict);
    assert.equal((await store.plans.get(planned))?.status, 'planned');
    await assert.rejects(store.plans.approve('plan_nosuchplan', 'bob', minutes(7)), NotFound);

    // Two approvals racing: exactly one wins.
    const raced = await store.plans.save(plan('approve'), 'waiting-approval', { createdBy: 'alice', hold });
    const results = await Promise.allSettled([store.plans.approve(raced, 'bob', minutes(8)), store.plans.approve(raced, 'dave', minutes(8))]);
    assert.deepStrictEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  });

  test('policy versions credit a new or changed policy to the actor and keep the changer of an unchanged one', async () => {
    assert.deepStrictEqual(await store.policyVersions.observe('versions', [], 'alice', t0), []);
    const first = await store.policyVersions.observe('versions', [{ policy: 'leavers', hash: 'h1' }, { policy: 'inactive-users', hash: 'h2' }], 'carol', t0);
    assert.deepStrictEqual(first, [
      { policy: 'inactive-users', hash: 'h2', changedBy: 'carol', changedAt: t0.toISOString() },
      { policy: 'leavers', hash: 'h1', changedBy: 'carol', changedAt: t0.toISOString() },
    ]);
    const second = await store.policyVersions.observe('versions', [{ policy: 'leavers', hash: 'h1' }, { policy: 'inactive-users', hash: 'h3' }], 'alice', minutes(10));
    assert.deepStrictEqual(second, [
      { policy: 'inactive-users', hash: 'h3', changedBy: 'alice', changedAt: minutes(10).toISOString() },
      { policy: 'leavers', hash: 'h1', changedBy: 'carol', changedAt: t0.toISOString() },
    ]);
    // Another instance has its own record of the same policy id.
    assert.deepStrictEqual(await store.policyVersions.observe('versions-other', [{ policy: 'leavers', hash: 'h1' }], 'dave', minutes(20)), [
      { policy: 'leavers', hash: 'h1', changedBy: 'dave', changedAt: minutes(20).toISOString() },
    ]);
    assert.deepStrictEqual(await store.policyVersions.observe('versions', [{ policy: 'leavers', hash: 'h1' }], 'erin', minutes(30)), [
      { policy: 'leavers', hash: 'h1', changedBy: 'carol', changedAt: t0.toISOString() },
    ]);
  });

  test('alerts are raised once per instance, scan and kind, listed while open, and acknowledged once', async () => {
    const raise = (scanId: string, kind: string, at: Date, instance = 'alerts') =>
      store.alerts.raise({ instance, scanId, kind, message: `${kind} on ${scanId}`, at });
    const a = await raise('scan_1', 'scan.incomplete', minutes(1));
    assert.equal(a.created, true);
    assert.deepStrictEqual(a.alert, {
      id: a.alert.id,
      instance: 'alerts',
      scanId: 'scan_1',
      runId: null,
      kind: 'scan.incomplete',
      message: 'scan.incomplete on scan_1',
      createdAt: minutes(1).toISOString(),
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      resolvedReason: null,
    });
    const repeat = await raise('scan_1', 'scan.incomplete', minutes(2));
    assert.deepStrictEqual(repeat, { alert: a.alert, created: false });
    const b = await raise('scan_1', 'safety.maxActions', minutes(3));
    const c = await raise('scan_2', 'scan.incomplete', minutes(4));
    const other = await raise('scan_9', 'safety.minAdmins', minutes(5), 'alerts-other');
    assert.equal(b.created && c.created && other.created, true);

    assert.deepStrictEqual((await store.alerts.listOpen('alerts')).map((x) => x.id), [a.alert.id, b.alert.id, c.alert.id]);
    assert.ok((await store.alerts.listOpen()).some((x) => x.id === other.alert.id));

    const acked = await store.alerts.acknowledge(b.alert.id, 'bob', minutes(10));
    assert.deepStrictEqual({ at: acked.acknowledgedAt, by: acked.acknowledgedBy }, { at: minutes(10).toISOString(), by: 'bob' });
    const again = await store.alerts.acknowledge(b.alert.id, 'dave', minutes(11));
    assert.deepStrictEqual({ at: again.acknowledgedAt, by: again.acknowledgedBy }, { at: minutes(10).toISOString(), by: 'bob' });
    assert.deepStrictEqual((await store.alerts.listOpen('alerts')).map((x) => x.id), [a.alert.id, c.alert.id]);
    // Deduplicated even after acknowledgement: the same scan and guard do not alert twice.
    assert.equal((await raise('scan_1', 'safety.maxActions', minutes(12))).created, false);
    await assert.rejects(store.alerts.acknowledge(999_999, 'bob', minutes(13)), NotFound);
  });
});
