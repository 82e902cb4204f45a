/**
 * Use case: run a stored plan. Each step is written to the journal (with the user's prior state, re-read from the
 * instance) before the remote call, and its outcome after; a step whose target state already holds is not sent.
 */

import type { ConfluenceConnector } from './confluence-port.ts';
import type { Store, StoredPlan } from './store-port.ts';
import type { Clock } from './clock.ts';
import type { ActionStep, PlanRow } from '../domain/plan.ts';
import type { RunStatus, StepOutcome, UserState } from '../domain/journal.ts';
import type { Protection } from '../domain/policy.ts';
import { applyStep, describeStep, isAlreadyDone } from '../domain/action-step.ts';
import { verifyPlanHash } from '../domain/plan-hash.ts';
import type { SafetyLimits } from '../domain/safety-guard.ts';
import { Conflict, GuardTripped, NotFound } from '../domain/errors.ts';
import { requireSaneScan } from './plan-instance.ts';
import { requireCleared, requireFresh } from './plan-guards.ts';
import { mapConcurrent } from './map-concurrent.ts';
import { lifecycleFailed, requireNoticeDelivery, settleLifecycle, type LifecycleReport, type NoticeDelivery } from './lifecycle-run.ts';

export type SettledOutcome = Exclude<StepOutcome, 'planned' | 'claimed'>;

export interface RunReport {
  readonly runId: string;
  readonly planId: string;
  readonly status: RunStatus;
  readonly counts: Readonly<Record<SettledOutcome, number>>;
  readonly usersChanged: number;
  readonly failures: readonly { username: string; step: string; error: string }[];
  /** Notices sent and lifecycle stages recorded; present when the plan has a lifecycle part. */
  readonly lifecycle?: LifecycleReport;
}

export interface ApplyProgress {
  (event: { done: number; total: number }): void;
}

/**
 * Loads a plan and checks it may still run: hash intact, younger than safety.planTtlHours, no newer scan, scan sane,
 * released (approved, or within the limits), safety.minAdmins kept (undo plans: hash, not refused).
 */
export async function loadRunnablePlan(store: Store, planId: string, limits: SafetyLimits, now: Date): Promise<StoredPlan> {
  const stored = await store.plans.get(planId);
  if (stored === null) throw new NotFound(`no plan ${planId}: list plans with \`seatkeeper plan\` or plan again`);
  const { plan } = stored;
  if (!verifyPlanHash(plan)) throw new Conflict(`plan ${planId} does not match its hash ${plan.hash.slice(0, 12)}: it was altered; plan again`);
  // An undo plan rests on the journal and live reads, not on a scan, and restoring access is never held back by a
  // limit; only the drift guard refuses one, and it stores the plan as refused.
  if (plan.kind === 'undo') {
    if (stored.status === 'refused') throw new GuardTripped(`undo plan ${planId} was refused: users changed by hand since; undo again with --force`, 'undo.drift', 0, 0);
    return stored;
  }
  requireFresh(stored, limits.planTtlHours, now);
  const latest = await store.scans.latest(plan.instance);
  if (latest !== null && latest.id !== plan.scanId) {
    throw new Conflict(`plan ${planId} rests on scan ${plan.scanId}, but scan ${latest.id} is newer: plan again`);
  }
  const scan = await store.scans.get(plan.scanId);
  if (scan === null) throw new NotFound(`scan ${plan.scanId} of plan ${planId} is gone: scan and plan again`);
  await requireSaneScan(store, scan, limits, now);
  // Waiting or refused plans stop here; approved ones skip the limits; minAdmins holds for every plan.
  await requireCleared(store, stored, limits, now);
  return stored;
}

function emptyCounts(): Record<SettledOutcome, number> {
  return { done: 0, 'already-done': 0, failed: 0, skipped: 0 };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs every row of the plan; returns a status per step rather than throwing on the first failure. */
export async function applyPlan(
  deps: {
    store: Store;
    connector: ConfluenceConnector;
    clock: Clock;
    concurrency: number;
    progress?: ApplyProgress;
    signal?: AbortSignal;
    /** How the plan's notices go out; required when it has any. */
    notices?: NoticeDelivery;
  },
  input: { planId: string; limits: SafetyLimits; protection: Protection },
): Promise<RunReport> {
  const { store, connector, clock, signal } = deps;
  const stored = await loadRunnablePlan(store, input.planId, input.limits, clock.now());
  requireNoticeDelivery(stored.plan, deps.notices);
  const probe = await connector.probe(signal);
  const run = await store.journal.startRun({ planId: input.planId, instance: stored.plan.instance, startedAt: clock.now() });
  const counts = emptyCounts();
  const failures: { username: string; step: string; error: string }[] = [];
  const changedUsers = new Set<string>();
  let done = 0;
  const total = stored.plan.rows.length;

  const settle = async (entryId: number, row: PlanRow, step: ActionStep, outcome: SettledOutcome, error: string | null) => {
    await store.journal.settle(entryId, outcome, error, clock.now());
    counts[outcome] += 1;
    if (outcome === 'done') changedUsers.add(row.username);
    if (outcome === 'failed') failures.push({ username: row.username, step: describeStep(step), error: error ?? '' });
  };

  const runRow = async (row: PlanRow): Promise<void> => {
    let state: UserState | null;
    try {
      state = await connector.readUserState(row.username, signal);
    } catch (error) {
      for (const [seq, step] of row.steps.entries()) {
        const id = await store.journal.claim({ runId: run.id, username: row.username, seq, step, prior: null, at: clock.now() });
        await settle(id, row, step, 'failed', `could not read the user before changing it: ${message(error)}`);
      }
      return;
    }
    const skipAll = state === null
      ? 'the user no longer exists'
      : row.username === probe.connectedAs
        ? 'the account Seatkeeper connects as is never changed'
        : state.groups.some((g) => input.protection.groups.includes(g)) || input.protection.users.includes(row.username)
          ? 'the user is protected now'
          : null;
    let blocked: string | null = skipAll;
    for (const [seq, step] of row.steps.entries()) {
      const id = await store.journal.claim({ runId: run.id, username: row.username, seq, step, prior: state, at: clock.now() });
      if (blocked !== null || state === null) {
        await settle(id, row, step, 'skipped', blocked ?? 'the user no longer exists');
        continue;
      }
      if (isAlreadyDone(step, state)) {
        await settle(id, row, step, 'already-done', null);
        continue;
      }
      try {
        await sendStep(connector, row.username, step, signal);
        state = applyStep(step, state);
        await settle(id, row, step, 'done', null);
      } catch (error) {
        await settle(id, row, step, 'failed', message(error));
        blocked = 'an earlier step for this user failed';
      }
    }
  };

  await mapConcurrent(stored.plan.rows, deps.concurrency, async (row) => {
    await runRow(row);
    done += 1;
    deps.progress?.({ done, total });
  });

  const lifecycle = await settleLifecycle({ store, clock, delivery: deps.notices, signal }, { plan: stored.plan, runId: run.id });
  const status: RunStatus = counts.failed > 0 || lifecycleFailed(lifecycle) ? 'done-with-failures' : 'done';
  await store.journal.finishRun(run.id, status, clock.now());
  await store.plans.setStatus(input.planId, 'applied');
  return { runId: run.id, planId: input.planId, status, counts, usersChanged: changedUsers.size, failures, ...(lifecycle ? { lifecycle } : {}) };
}

/** The one place a step becomes a connector call. */
export async function sendStep(connector: ConfluenceConnector, username: string, step: ActionStep, signal?: AbortSignal): Promise<void> {
  switch (step.kind) {
    case 'remove-group':
      return connector.removeFromGroup(username, step.group, signal);
    case 'add-group':
      return connector.addToGroup(username, step.group, signal);
    case 'revoke-use-grant':
      return connector.revokeUseGrant(username, signal);
    case 'grant-use':
      return connector.grantUse(username, signal);
    case 'disable':
      return connector.disable(username, signal);
    case 'enable':
      return connector.enable(username, signal);
    case 'set-display-name':
      return connector.updateDisplayName(username, step.displayName, signal);
  }
}
