// The approval life of a plan through the real use cases and a real (in-memory SQLite) store, on a fixed clock.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../store/store-database.ts';
import { fixedClock } from './clock.ts';
import type { Store } from './store-port.ts';
import { planInstance, requireSaneScan } from './plan-instance.ts';
import { approvePlan } from './approve-plan.ts';
import { loadRunnablePlan } from './apply-plan.ts';
import { Conflict, GuardTripped, NotAllowed } from '../domain/errors.ts';
import type { InstanceSnapshot } from '../domain/snapshot.ts';
import type { InactiveUsersPolicy } from '../domain/policy.ts';
import { DEFAULT_LIMITS, type SafetyLimits } from '../domain/safety-guard.ts';
import { NOW, daysAgo, snapshot, user } from '../../test/support/snapshot-builder.ts';
import { testRecordKey } from '../../test/support/record-key.ts';
import { UntrustedRecord, verifyApproval } from './record-signing.ts';
import { LEGACY_CONFLUENCE_CAPABILITIES } from '../domain/instance-capabilities.ts';

const HOUR = 3_600_000;
const stale = ['s1', 's2', 's3', 's4', 's5', 's6'];

function org(instance: string): InstanceSnapshot {
  return {
    ...snapshot({
      users: [...stale.map((name) => user(name, { lastLogin: daysAgo(200) })), user('boss1'), user('boss2')],
      memberships: { 'confluence-users': [...stale, 'boss1', 'boss2'], 'confluence-administrators': ['boss1', 'boss2'] },
      groups: ['confluence-inactive-users'],
    }),
    instance,
  };
}

function policy(instance: string, inactiveDays = 90): InactiveUsersPolicy {
  return {
    id: 'inactive-users',
    instance,
    select: { inactiveDays, neverLoggedInDays: null, directories: [], group: null },
    exclude: { users: [], groups: [] },
    actions: { removeGroups: 'license', addGroups: ['confluence-inactive-users'], deactivate: false, rename: null },
  };
}

/** Writes the snapshot as a scan; returns the scan id. */
async function storeScan(store: Store, snap: InstanceSnapshot, status: 'complete' | 'incomplete' = 'complete'): Promise<string> {
  const id = await store.scans.start({ instance: snap.instance, startedAt: NOW, connectedAs: snap.connectedAs, lastLoginSource: 'rest', capabilities: LEGACY_CONFLUENCE_CAPABILITIES });
  await store.scans.addUsers(id, snap.users);
  await store.scans.addMemberships(id, snap.memberships);
  await store.scans.addNesting(id, snap.nesting);
  await store.scans.finish(id, {
    finishedAt: NOW,
    status,
    error: status === 'incomplete' ? 'paging ended at 3 of 8' : null,
    warnings: [],
    grants: snap.grants,
    license: snap.license,
    applications: snap.applications,
    directories: snap.directories,
    groups: snap.groups,
    readOnlyGroups: snap.readOnlyGroups,
  });
  return id;
}

// The store's clock, by which plan age is judged; each test starts it at NOW.
const storeClock = fixedClock(NOW);
const key = testRecordKey();
let store: Store;
before(async () => {
  store = await openStore('sqlite::memory:', { sqliteClock: storeClock, key: () => key });
});
beforeEach(() => {
  storeClock.set(NOW);
});
after(async () => {
  await store.close();
});

// 8 licensed users: maxPercent 100 leaves maxActions as the limit that counts.
const limits: SafetyLimits = { ...DEFAULT_LIMITS, maxActions: 2, maxPercent: 100 };
const protection = { users: [], groups: [] };

test('over the limit: waits, apply refuses, four eyes picks the approver, the approved plan clears without the limits until its TTL', async () => {
  const clock = fixedClock(NOW);
  await storeScan(store, org('approval'));
  const first = await planInstance({ store, clock }, { instance: 'approval', policies: [policy('approval')], protection, limits, actor: 'carol' });
  assert.deepStrictEqual({ status: first.status, guard: first.verdict.ok ? null : first.verdict.guard }, { status: 'waiting-approval', guard: 'safety.maxActions' });
  const { planId } = await planInstance({ store, clock }, { instance: 'approval', policies: [policy('approval')], protection, limits, actor: 'alice' });
  const stored = await store.plans.get(planId);
  assert.deepStrictEqual({ createdBy: stored?.createdBy, policyChangedBy: stored?.policyChangedBy }, { createdBy: 'alice', policyChangedBy: ['carol'] });

  await assert.rejects(loadRunnablePlan(store, planId, limits, NOW, key), (error: unknown) => {
    assert.ok(error instanceof GuardTripped);
    assert.equal(error.guard, 'safety.maxActions');
    // The message names no command: the approval it waits for is data, which each front door phrases.
    assert.equal(error.message, `plan ${planId} is waiting for approval`);
    assert.deepStrictEqual(error.next, {
      kind: 'approve-plan',
      planId,
      reason: 'the plan changes 6 users; safety.maxActions allows 2. Narrow the policy or raise the limit in the config.',
    });
    return true;
  });
  const approve = (actor: string) => approvePlan({ store, clock, key }, { planId, actor, fourEyes: true, planTtlHours: 24 });
  await assert.rejects(approve('alice'), NotAllowed);
  await assert.rejects(approve('CAROL'), NotAllowed);
  const approved = await approve('bob');
  assert.deepStrictEqual(approved.approval, { by: 'bob', at: NOW.toISOString() });
  await assert.rejects(approve('dave'), Conflict);

  // Exactly at the TTL (by the store's clock) the plan still runs, a millisecond later it does not; the limits are not
  // asked again.
  storeClock.set(new Date(NOW.getTime() + 24 * HOUR));
  assert.equal((await loadRunnablePlan(store, planId, limits, NOW, key)).id, planId);
  storeClock.set(new Date(NOW.getTime() + 24 * HOUR + 1));
  await assert.rejects(loadRunnablePlan(store, planId, limits, NOW, key), /was made 24\.0 h ago, longer than safety\.planTtlHours \(24 h\) allows: plan again/);
  storeClock.set(NOW);

  // A changed policy is credited to whoever plans it first.
  const changed = await planInstance({ store, clock }, { instance: 'approval', policies: [policy('approval', 100)], protection, limits, actor: 'dave' });
  assert.deepStrictEqual((await store.plans.get(changed.planId))?.policyChangedBy, ['dave']);

  const alerts = await store.alerts.listOpen('approval');
  assert.deepStrictEqual(alerts.map((a) => [a.kind, a.message.startsWith(`plan ${first.planId} is waiting for approval`)]), [['safety.maxActions', true]]);
});

test('a plan within the limits when made is held to them again at apply; an expired waiting plan cannot be approved', async () => {
  const clock = fixedClock(NOW);
  await storeScan(store, org('tightened'));
  const loose = { ...limits, maxActions: 500 };
  const { planId, status } = await planInstance({ store, clock }, { instance: 'tightened', policies: [policy('tightened')], protection, limits: loose, actor: 'alice' });
  assert.equal(status, 'planned');
  await assert.rejects(loadRunnablePlan(store, planId, limits, NOW, key), /safety\.maxActions allows 2\. .*plan again, and the new plan will wait for approval\./);

  const waiting = await planInstance({ store, clock }, { instance: 'tightened', policies: [policy('tightened')], protection, limits, actor: 'alice' });
  storeClock.set(new Date(NOW.getTime() + 2 * HOUR));
  await assert.rejects(
    approvePlan({ store, clock, key }, { planId: waiting.planId, actor: 'bob', fourEyes: false, planTtlHours: 1 }),
    (error: unknown) => error instanceof Conflict && /was made 2\.0 h ago, longer than safety\.planTtlHours \(1 h\) allows: plan again/.test(error.message),
  );
});

test('too few administrators: the plan is refused, no approval releases it, apply stops, one alert', async () => {
  const clock = fixedClock(NOW);
  await storeScan(store, org('floor'));
  const strict = { ...limits, maxActions: 500, minAdmins: 3 };
  const outcome = await planInstance({ store, clock }, { instance: 'floor', policies: [policy('floor')], protection, limits: strict, actor: 'alice' });
  assert.equal(outcome.status, 'refused');
  await assert.rejects(approvePlan({ store, clock, key }, { planId: outcome.planId, actor: 'bob', fourEyes: false, planTtlHours: 24 }), GuardTripped);
  await assert.rejects(loadRunnablePlan(store, outcome.planId, strict, NOW, key), (error: unknown) => error instanceof GuardTripped && error.guard === 'safety.minAdmins');
  // The config lowered since: the stored refusal still stands; plan again to get a plan that may run.
  await assert.rejects(loadRunnablePlan(store, outcome.planId, { ...strict, minAdmins: 2 }, NOW, key), GuardTripped);
  assert.deepStrictEqual((await store.alerts.listOpen('floor')).map((a) => a.kind), ['safety.minAdmins']);
});

test('an incomplete scan blocks planning with one alert per scan, however often it is retried', async () => {
  const clock = fixedClock(NOW);
  const scanId = await storeScan(store, org('sanity'), 'incomplete');
  for (let i = 0; i < 3; i += 1) {
    await assert.rejects(
      planInstance({ store, clock }, { instance: 'sanity', policies: [policy('sanity')], protection, limits, actor: 'alice' }),
      (error: unknown) => error instanceof GuardTripped && error.guard === 'scan.incomplete',
    );
  }
  const alerts = await store.alerts.listOpen('sanity');
  assert.deepStrictEqual(alerts.map((a) => [a.kind, a.scanId]), [['scan.incomplete', scanId]]);
  assert.match(alerts[0]?.message ?? '', /is incomplete \(paging ended at 3 of 8\); nothing is acted on/);
});

test("plan age is the store's clock: a caller clock set back to the plan's making cannot pass a three-day-old plan, nor one days ahead fail a fresh one", async () => {
  // The caller's clock says what instant the plan is for; it is days away from the store's in both directions here.
  const caller = fixedClock(new Date(NOW.getTime() - 72 * HOUR));
  await storeScan(store, org('one-clock'));
  const loose = { ...limits, maxActions: 500 };
  const { planId, plan } = await planInstance({ store, clock: caller }, { instance: 'one-clock', policies: [policy('one-clock')], protection, limits: loose, actor: 'alice' });
  assert.equal(plan.createdAt, caller.now().toISOString());
  const stored = await store.plans.get(planId);
  assert.equal(stored?.savedAt, NOW.toISOString(), 'saved at the store clock, not at the instant the caller named');

  assert.equal((await loadRunnablePlan(store, planId, loose, new Date(NOW.getTime() + 72 * HOUR), key)).id, planId, 'a caller days ahead does not age it');
  storeClock.set(new Date(NOW.getTime() + 72 * HOUR));
  // The caller set back to the plan's own createdAt: the plan is still three days old.
  await assert.rejects(
    loadRunnablePlan(store, planId, loose, new Date(plan.createdAt), key),
    (error: unknown) => error instanceof Conflict && /was made 72\.0 h ago, longer than safety\.planTtlHours \(24 h\) allows: plan again/.test(error.message),
  );
});

test('a plan signed with another key (or none) is not approved and does not run; an approval signed with another key is not believed', async () => {
  const clock = fixedClock(NOW);
  await storeScan(store, org('foreign'));
  const make = () => planInstance({ store, clock }, { instance: 'foreign', policies: [policy('foreign')], protection, limits, actor: 'alice' });
  const { planId } = await make();
  const other = testRecordKey();
  const approve = (k: typeof key) => approvePlan({ store, clock, key: k }, { planId, actor: 'bob', fourEyes: true, planTtlHours: 24 });
  await assert.rejects(approve(other), (error: unknown) => error instanceof UntrustedRecord && error.kind === 'plan' && error.recordId === planId);
  assert.equal((await store.plans.get(planId))?.status, 'waiting-approval', 'the refused approval changed nothing');
  await assert.rejects(loadRunnablePlan(store, planId, limits, NOW, other), UntrustedRecord);
  // Approved under this key, the plan runs; checked under another, its approval is refused like its record.
  await approve(key);
  assert.equal((await loadRunnablePlan(store, planId, limits, NOW, key)).id, planId);
  const { planId: second } = await make();
  await approvePlan({ store, clock, key }, { planId: second, actor: 'bob', fourEyes: true, planTtlHours: 24 });
  const stored = await store.plans.get(second);
  assert.ok(stored !== null);
  assert.throws(() => verifyApproval(other, stored), (error: unknown) => error instanceof UntrustedRecord && error.kind === 'approval');
});

test('a sane older scan (a resume judges the one its run rests on) leaves open the alert of a newer scan that is broken', async () => {
  const older = await storeScan(store, org('two-scans'));
  const newer = await storeScan(store, org('two-scans'), 'incomplete');
  const scan = async (id: string) => {
    const record = await store.scans.get(id);
    assert.ok(record);
    return record;
  };
  await assert.rejects(requireSaneScan(store, await scan(newer), limits, NOW), GuardTripped);
  await requireSaneScan(store, await scan(older), limits, NOW);
  assert.deepEqual((await store.alerts.listOpen('two-scans')).map((a) => [a.scanId, a.kind]), [[newer, 'scan.incomplete']]);
});
