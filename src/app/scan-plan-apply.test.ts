// The run path end to end below the front doors: scanInstance, planInstance, applyPlan, resumeRun, undoRun and the
// one scan→plan→apply path (scanPlanApply, runPolicy) against the Confluence emulator over real HTTP and a real
// SQLite store file. Every outcome is judged by the emulator's state: who holds a seat and who is in which group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/store-database.ts';
import { systemClock } from './clock.ts';
import type { RunDeps } from './apply-plan.ts';
import { applyPlan } from './apply-plan.ts';
import { scanInstance } from './scan-instance.ts';
import { planInstance } from './plan-instance.ts';
import { resumeRun } from './resume-run.ts';
import { undoRun } from './undo-run.ts';
import { runPolicy } from './run-policy.ts';
import { scanPlanApply } from './scan-plan-apply.ts';
import { Conflict } from '../domain/errors.ts';
import { DEFAULT_LIMITS, type SafetyLimits } from '../domain/safety-guard.ts';
import type { InactiveUsersPolicy, Protection } from '../domain/policy.ts';
import { startConfluenceEmulator, type RunningConfluenceEmulator } from '../emulators/confluence-dc/confluence-emulator.ts';
import { generateOrganisation } from '../emulators/confluence-dc/org-generator.ts';
import { createConfluenceDcConnector } from '../connectors/confluence-dc/confluence-dc-connector.ts';
import { confluenceDcConfigSchema } from '../connectors/confluence-dc/confluence-dc-config.ts';
import { testRecordKey } from '../../test/support/record-key.ts';

const INSTANCE = 'wiki';
const TRACKING = 'confluence-inactive-users';
const POLICY: InactiveUsersPolicy = {
  id: 'inactive-users',
  instance: INSTANCE,
  select: { inactiveDays: 180, neverLoggedInDays: 30, directories: [], group: null, emailDomains: [] },
  exclude: { users: ['svc-backup'], groups: [] },
  actions: { removeGroups: 'license', addGroups: [TRACKING], deactivate: false, rename: null },
  lifecycle: null,
};
const protection: Protection = { users: [], groups: [] };
const limits: SafetyLimits = { ...DEFAULT_LIMITS, maxPercent: 100 };
const request = { instance: INSTANCE, policies: [POLICY], protection, limits, actor: 'alice', mustRead: [] };

/** A fresh emulated organisation (internal directory only, so every group is writable), a store file and run deps. */
async function world(body: (w: { emulator: RunningConfluenceEmulator; deps: RunDeps }) => Promise<void>): Promise<void> {
  const emulator = await startConfluenceEmulator({ org: generateOrganisation({ seed: 7, users: 60, now: new Date(), ldapShare: 0 }) });
  const key = testRecordKey();
  const store = await openStore(`sqlite:${join(mkdtempSync(join(tmpdir(), 'sk-scan-plan-apply-')), 'seatkeeper.db')}`, { key: () => key });
  const config = confluenceDcConfigSchema.parse({ product: 'confluence-dc', url: emulator.url, auth: { token: emulator.credentials.admin.token } });
  const connector = createConfluenceDcConnector(INSTANCE, config);
  try {
    await body({ emulator, deps: { store, connector, clock: systemClock, concurrency: 4, key } });
  } finally {
    await connector.close();
    await store.close();
    await emulator.close();
  }
}

/** Whether each user holds a seat and sits in the tracking group, as the emulator has it. */
function seats(emulator: RunningConfluenceEmulator, usernames: readonly string[]): Map<string, { seat: boolean; tracked: boolean }> {
  return new Map(
    usernames.map((u) => [u, { seat: emulator.state.holdsSeat(u), tracked: emulator.state.groupsOf(u).some((g) => g.name === TRACKING) }]),
  );
}

const all = (usernames: readonly string[], state: { seat: boolean; tracked: boolean }) => new Map(usernames.map((u) => [u, state]));

test('runPolicy scans, plans and applies one policy: the selected users lose their seat; undoRun gives every one back', async () => {
  await world(async ({ emulator, deps }) => {
    const result = await runPolicy(deps, { policy: POLICY, limits, protection, actor: 'alice' });
    assert.equal(result.outcome, 'done', result.detail);
    assert.ok(result.runId !== null && result.planId !== null);
    const plan = (await deps.store.plans.get(result.planId))?.plan;
    const selected = plan?.rows.map((r) => r.username) ?? [];
    assert.ok(selected.length > 0, 'the organisation has inactive users');
    assert.ok(!selected.includes('svc-backup'), 'the excluded account is not selected');
    assert.deepStrictEqual(seats(emulator, selected), all(selected, { seat: false, tracked: true }));
    assert.equal(emulator.state.holdsSeat('svc-backup'), true);

    const undone = await undoRun(deps, { instance: INSTANCE, scope: { kind: 'run', runId: result.runId }, force: false, actor: 'bob', limits, protection });
    assert.equal(undone.report?.status, 'done');
    assert.deepStrictEqual(seats(emulator, selected), all(selected, { seat: true, tracked: false }));
  });
});

test('scanPlanApply leaves a plan over a limit unapplied: it waits for approval and the emulator sees no change', async () => {
  await world(async ({ emulator, deps }) => {
    const planned: string[] = [];
    const outcome = await scanPlanApply({ ...deps, onPlanned: (p) => planned.push(p.planId) }, { ...request, limits: { ...limits, maxActions: 1 } });
    assert.equal(outcome.report, null);
    assert.equal(outcome.planned.status, 'waiting-approval');
    assert.deepStrictEqual(planned, [outcome.planned.planId], 'the front door saw the plan before anything was decided');
    assert.equal(outcome.scanned?.scan.status, 'complete');
    assert.equal(emulator.state.changes.length, 0);
  });
});

test('scanInstance, planInstance and applyPlan one by one; the same plan is applied once, and a second apply names the run', async () => {
  await world(async ({ emulator, deps }) => {
    const scanned = await scanInstance({ connector: deps.connector, store: deps.store, clock: deps.clock, concurrency: 4 });
    assert.equal(scanned.scan.status, 'complete');
    assert.equal(scanned.scan.userCount, emulator.state.allUsers().length);
    const planned = await planInstance(deps, { ...request, scanId: scanned.scan.id });
    const selected = planned.plan.rows.map((r) => r.username);
    const report = await applyPlan(deps, { planId: planned.planId, limits, protection });
    assert.equal(report.status, 'done');
    assert.equal(report.usersChanged, selected.length);
    assert.deepStrictEqual(seats(emulator, selected), all(selected, { seat: false, tracked: true }));
    const changes = emulator.state.changes.length;
    await assert.rejects(applyPlan(deps, { planId: planned.planId, limits, protection }), (error: unknown) => {
      assert.ok(error instanceof Conflict);
      assert.match(error.message, new RegExp(`by run ${report.runId} \\(done\\); a plan is applied once: plan again`));
      return true;
    });
    assert.equal(emulator.state.changes.length, changes, 'the second apply sent nothing');
  });
});

test('a run interrupted before its first row is stopped; resumeRun finishes it and every planned change arrives once', async () => {
  await world(async ({ emulator, deps }) => {
    const scanned = await scanInstance({ connector: deps.connector, store: deps.store, clock: deps.clock, concurrency: 4 });
    const planned = await planInstance(deps, { ...request, scanId: scanned.scan.id });
    const selected = planned.plan.rows.map((r) => r.username);
    const stopped = await applyPlan({ ...deps, interrupt: AbortSignal.abort() }, { planId: planned.planId, limits, protection });
    assert.deepStrictEqual({ status: stopped.status, interrupted: stopped.interrupted }, { status: 'stopped', interrupted: true });
    assert.equal(emulator.state.changes.length, 0, 'nothing went out before the stop');
    // The next step of a second apply is the resume of that run, as data for the front door to phrase.
    await assert.rejects(applyPlan(deps, { planId: planned.planId, limits, protection }), (error: unknown) => {
      assert.ok(error instanceof Conflict);
      assert.deepStrictEqual(error.next, { kind: 'resume-run', runId: stopped.runId });
      return true;
    });

    const resumed = await resumeRun(deps, { runId: stopped.runId, protection, limits });
    assert.equal(resumed.status, 'done');
    assert.deepStrictEqual(seats(emulator, selected), all(selected, { seat: false, tracked: true }));
    const sent = emulator.state.changes.map((c) => `${c.kind} ${c.username} ${c.group ?? ''}`);
    assert.equal(new Set(sent).size, sent.length, 'no change was sent twice');
  });
});

test('scanPlanApply interrupted while scanning opens no run: the plan is stored, the emulator sees no change', async () => {
  await world(async ({ emulator, deps }) => {
    const outcome = await scanPlanApply({ ...deps, interrupt: AbortSignal.abort() }, request);
    assert.equal(outcome.interrupted, true);
    assert.equal(outcome.report, null);
    assert.equal((await deps.store.plans.get(outcome.planned.planId))?.status, 'planned');
    assert.equal(await deps.store.journal.runOfPlan(outcome.planned.planId), null);
    assert.equal(emulator.state.changes.length, 0);
  });
});
