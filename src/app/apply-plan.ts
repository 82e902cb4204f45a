/**
 * Use case: run a stored plan. Each step is written to the journal (with the user's prior state, re-read from the
 * instance) before the remote call, and its outcome after; a step whose target state already holds is not sent.
 */

import type { ConfluenceConnector } from './confluence-port.ts';
import type { Store, StoredPlan } from './store-port.ts';
import type { Clock } from './clock.ts';
import type { JournalEntry, RunStatus } from '../domain/journal.ts';
import type { Protection } from '../domain/policy.ts';
import { describeStep } from '../domain/action-step.ts';
import { verifyPlanHash } from '../domain/plan-hash.ts';
import type { SafetyLimits } from '../domain/safety-guard.ts';
import { Conflict, GuardTripped, NotFound } from '../domain/errors.ts';
import { requireSaneScan } from './plan-instance.ts';
import { requireCleared, requireFresh } from './plan-guards.ts';
import { mapConcurrent } from './map-concurrent.ts';
import { FailureRateBrake, type FailureRateLimit } from '../domain/failure-rate-guard.ts';
import { CircuitOpenError } from './connector-error.ts';
import { withRunLease, type LeaseOptions } from './run-lease.ts';
import { isNotPossible, runPlanRow, type RowRunnerContext, type SettledOutcome } from './plan-row-runner.ts';
import { raiseRunAlert, resolveRunAlerts } from './guard-alerts.ts';
import { lifecycleFailed, requireNoticeDelivery, settleLifecycle, type LifecycleReport, type NoticeDelivery } from './lifecycle-run.ts';


export interface RunReport {
  readonly runId: string;
  readonly planId: string;
  readonly status: RunStatus;
  readonly counts: Readonly<Record<SettledOutcome, number>>;
  readonly usersChanged: number;
  readonly failures: readonly { username: string; step: string; error: string }[];
  /** Steps Confluence refused or that cannot be addressed: skipped for good (not failures), with the reason. */
  readonly notPossible: readonly { username: string; step: string; reason: string }[];
  /** Why the run stopped early (status `stopped`): too many steps failed, Confluence stopped answering, or interrupted. */
  readonly stoppedBecause?: string;
  /** The operator interrupted the run (Ctrl-C): rows in flight finished, the rest waits for resume; no alert. */
  readonly interrupted?: true;
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
  if (stored === null) throw new NotFound(`no plan ${planId}: list plans with \`seatkeeper plans\`, or plan again`);
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

/** Runs every row of the plan; returns a status per step rather than throwing on the first failure. */
export async function applyPlan(deps: RunDeps, input: { planId: string; limits: SafetyLimits; protection: Protection }): Promise<RunReport> {
  const { store, clock } = deps;
  const stored = await loadRunnablePlan(store, input.planId, input.limits, clock.now());
  requireNoticeDelivery(stored.plan, deps.notices);
  const probe = await deps.connector.probe(deps.signal);
  return withRunLease(deps, stored.plan.instance, async (signal) => {
    const run = await store.journal.startRun({ planId: input.planId, instance: stored.plan.instance, startedAt: clock.now() });
    return runRows({ ...deps, signal }, { runId: run.id, plan: stored, connectedAs: probe.connectedAs, protection: input.protection, existing: [] });
  });
}

/** What running a plan's rows needs. */
export interface RunDeps {
  readonly store: Store;
  readonly connector: ConfluenceConnector;
  readonly clock: Clock;
  readonly concurrency: number;
  readonly progress?: ApplyProgress;
  readonly signal?: AbortSignal;
  /** How the plan's notices go out; required when it has any. */
  readonly notices?: NoticeDelivery;
  /** When the run stops for failures; DEFAULT_FAILURE_RATE when absent. */
  readonly failureRate?: FailureRateLimit;
  /** The run lease's holder id and timing; defaultLeaseOptions() when absent. */
  readonly lease?: LeaseOptions;
  /** Aborted when the operator asks the run to stop (Ctrl-C): rows in flight finish, no new row starts. */
  readonly interrupt?: AbortSignal;
}

/**
 * Runs the rows of a plan in an open run, then its lifecycle part, and finishes the run. `existing` holds the run's
 * entries from an earlier attempt (resume): each row picks up where it stopped.
 */
export async function runRows(
  deps: RunDeps,
  input: { runId: string; plan: StoredPlan; connectedAs: string; protection: Protection; existing: readonly JournalEntry[] },
): Promise<RunReport> {
  const { store, clock, signal } = deps;
  const { runId, plan } = input;
  const byUser = new Map<string, Map<number, JournalEntry>>();
  for (const entry of input.existing) {
    const seqs = byUser.get(entry.username) ?? new Map<number, JournalEntry>();
    seqs.set(entry.seq, entry);
    byUser.set(entry.username, seqs);
  }
  // Steps done before a resume count in the run's failure share; failed ones are tried again and counted then.
  const brake = new FailureRateBrake(deps.failureRate, { tried: input.existing.filter((e) => e.outcome === 'done').length, failed: 0 });
  let stopped: Stop | null = null;
  const context: RowRunnerContext = {
    store,
    connector: deps.connector,
    clock,
    runId,
    connectedAs: input.connectedAs,
    protection: input.protection,
    ...(plan.plan.seatGroups === undefined ? {} : { seatGroups: new Set(plan.plan.seatGroups) }),
    ...(signal === undefined ? {} : { signal }),
    onSettled: (outcome, error) => {
      if (stopped !== null) return;
      // The breaker held requests back for its longest pause: Confluence is down, so the run stops as a whole.
      if (error instanceof CircuitOpenError) {
        stopped = { kind: 'run.circuitOpen', reason: error.message };
        return;
      }
      // Only steps that tried Confluence say anything about it: already-done and skipped ones are left out.
      if (outcome !== 'done' && outcome !== 'failed') return;
      const reason = brake.record(outcome === 'failed');
      if (reason !== null) stopped = { kind: 'run.failureRate', reason };
    },
  };
  let done = 0;
  const total = plan.plan.rows.length;
  await mapConcurrent(plan.plan.rows, deps.concurrency, async (row) => {
    // Rows in flight finish; rows not started stay for `seatkeeper resume` once the cause is fixed.
    if (stopped === null && deps.interrupt?.aborted !== true) await runPlanRow(context, row, byUser.get(row.username));
    done += 1;
    deps.progress?.({ done, total });
  });

  if (stopped !== null) return stopRun(deps, { runId, plan, stop: stopped });
  if (deps.interrupt?.aborted === true) return interruptRun(deps, { runId, plan });
  const lifecycle = await settleLifecycle({ store, clock, delivery: deps.notices, signal }, { plan: plan.plan, runId });
  const tally = await tallyRun(store, runId);
  const status: RunStatus = tally.counts.failed > 0 || lifecycleFailed(lifecycle) ? 'done-with-failures' : 'done';
  await store.journal.finishRun(runId, status, clock.now());
  if (status === 'done') await resolveRunAlerts(store, { instance: plan.plan.instance, runId }, clock.now());
  await store.plans.setStatus(plan.id, 'applied');
  return { runId, planId: plan.id, status, ...tally, ...(lifecycle ? { lifecycle } : {}) };
}

/** Why a run stopped early, with the alert kind it raises. */
interface Stop {
  readonly kind: 'run.failureRate' | 'run.circuitOpen';
  readonly reason: string;
}

/** Ends a run the failure-rate brake or the circuit breaker stopped, and records an alert so someone looks before it is resumed. */
async function stopRun(deps: RunDeps, input: { runId: string; plan: StoredPlan; stop: Stop }): Promise<RunReport> {
  const { store, clock } = deps;
  const { runId, plan, stop } = input;
  const tally = await tallyRun(store, runId);
  await store.journal.finishRun(runId, 'stopped', clock.now());
  const message = `run ${runId} stopped: ${stop.reason}; failed steps and rows not started wait for \`seatkeeper resume ${runId}\``;
  await raiseRunAlert(store, { instance: plan.plan.instance, scanId: plan.plan.scanId, runId, kind: stop.kind, message, every: true }, clock.now());
  return { runId, planId: plan.id, status: 'stopped', ...tally, stoppedBecause: stop.reason };
}

/** Ends a run the operator interrupted: `stopped`, so it waits for `seatkeeper resume` rather than for serve to pick it up. */
async function interruptRun(deps: RunDeps, input: { runId: string; plan: StoredPlan }): Promise<RunReport> {
  const tally = await tallyRun(deps.store, input.runId);
  await deps.store.journal.finishRun(input.runId, 'stopped', deps.clock.now());
  return { runId: input.runId, planId: input.plan.id, status: 'stopped', ...tally, stoppedBecause: 'interrupted (Ctrl-C)', interrupted: true };
}

/** Counts, changed users and failures of a run, read back from its journal so a resumed run reports the whole run. */
async function tallyRun(store: Store, runId: string): Promise<Pick<RunReport, 'counts' | 'usersChanged' | 'failures' | 'notPossible'>> {
  const counts = emptyCounts();
  const failures: { username: string; step: string; error: string }[] = [];
  const notPossible: { username: string; step: string; reason: string }[] = [];
  const changedUsers = new Set<string>();
  for (const entry of await store.journal.entries(runId)) {
    if (entry.outcome === 'planned' || entry.outcome === 'claimed') continue;
    counts[entry.outcome] += 1;
    if (entry.outcome === 'done') changedUsers.add(entry.username);
    if (entry.outcome === 'failed') failures.push({ username: entry.username, step: describeStep(entry.step), error: entry.error ?? '' });
    if (isNotPossible(entry)) notPossible.push({ username: entry.username, step: describeStep(entry.step), reason: entry.error ?? '' });
  }
  return { counts, usersChanged: changedUsers.size, failures, notPossible };
}

function emptyCounts(): Record<SettledOutcome, number> {
  return { done: 0, 'already-done': 0, failed: 0, skipped: 0 };
}
