/**
 * Use case: run a stored plan. Each step is written to the journal (with the user's prior state, re-read from the
 * instance) before the remote call, and its outcome after; a step whose target state already holds is not sent.
 */

import type { InstanceConnector } from './instance-port.ts';
import type { InstanceCapabilities } from '../domain/instance-capabilities.ts';
import type { Store } from './store-port.ts';
import type { StoredPlan } from './store/plan-repository-port.ts';
import type { Clock } from './clock.ts';
import type { JournalEntry, RunRecord, RunStatus } from '../domain/journal.ts';
import type { RecordKey } from '../domain/record-signature.ts';
import { verifyApproval, verifyPlanRecord } from './record-signing.ts';
import { escapeControl } from './instance-check.ts';
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
import { isNotPossible, readLiveAccess, readNestedGroups, runPlanRow, type RowRunnerContext, type SettledOutcome } from './plan-row-runner.ts';
import { NameSet } from '../domain/names.ts';
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
 * Loads a plan and checks it may still run: signed with this key, hash intact, never run before, younger than
 * safety.planTtlHours, no newer scan, scan sane, released (approved with a signed approval, or within the limits),
 * safety.minAdmins kept (undo plans: signature, hash, never run, not refused).
 */
export async function loadRunnablePlan(store: Store, planId: string, limits: SafetyLimits, now: Date, key: RecordKey): Promise<StoredPlan> {
  const stored = await loadSignedPlan(store, planId, key);
  // First among the guards, so the answer names the run whatever else changed since (age, scans, limits).
  const previous = await store.journal.runOfPlan(stored.id);
  if (previous !== null) throw planAlreadyRunError(stored.id, previous);
  if (stored.plan.kind !== 'undo') await requireRunnable(store, stored, { limits, now, key, newerScan: true });
  return stored;
}

/** The plan, refused unless its record is signed with this key and its content matches its hash. */
async function loadSignedPlan(store: Pick<Store, 'plans'>, planId: string, key: RecordKey): Promise<StoredPlan> {
  const stored = await store.plans.get(planId);
  if (stored === null) throw new NotFound(`no plan ${planId}`, { next: { kind: 'list-plans' } });
  const { plan } = stored;
  if (!verifyPlanHash(plan)) throw new Conflict(`plan ${planId} does not match its hash ${plan.hash.slice(0, 12)}: it was altered; plan again`);
  verifyPlanRecord(key, stored);
  // An undo plan rests on the journal and live reads, not on a scan, and restoring access is never held back by a
  // limit; only the drift guard refuses one, and it stores the plan as refused.
  if (plan.kind === 'undo' && stored.status === 'refused') {
    throw new GuardTripped(`undo plan ${planId} was refused: users changed by hand since`, 'undo.drift', 0, 0, { next: { kind: 'force-undo' } });
  }
  return stored;
}

/**
 * The guards a plan meets every time it is about to change accounts, on a first apply and on each resume: age, the
 * scan it rests on still there and sane, released (a signed approval, or within today's limits), safety.minAdmins.
 */
async function requireRunnable(
  store: Store,
  stored: StoredPlan,
  input: { limits: SafetyLimits; now: Date; key: RecordKey; newerScan: boolean },
): Promise<void> {
  const { plan } = stored;
  const { limits, now, key } = input;
  // Age by the store's clock, against the instant the store saved the plan: a caller's --now moves neither.
  requireFresh(stored, limits.planTtlHours, await store.now());
  if (input.newerScan) {
    const latest = await store.scans.latest(plan.instance);
    if (latest !== null && latest.id !== plan.scanId) {
      throw new Conflict(`plan ${stored.id} rests on scan ${plan.scanId}, but scan ${latest.id} is newer: plan again`);
    }
  }
  const scan = await store.scans.get(plan.scanId);
  if (scan === null) throw new NotFound(`scan ${plan.scanId} of plan ${stored.id} is gone: scan and plan again`);
  await requireSaneScan(store, scan, limits, now);
  // An approval lifts the limits, so it is believed only when Seatkeeper signed it.
  verifyApproval(key, stored);
  // Waiting or refused plans stop here; approved ones skip the limits; minAdmins holds for every plan.
  await requireCleared(store, stored, limits, now);
}

/**
 * Loads the plan of a run for a resume and re-runs the guards of a fresh apply on it, all but "no newer scan": a
 * resume finishes rows planned on the scan the run started from, and any scan taken since (the scheduler's, or a
 * person's look) would otherwise strand every interrupted run; each row is checked against the user's live state
 * instead, so an account changed since is not touched on the old scan's word.
 */
export async function loadResumablePlan(store: Store, run: RunRecord, limits: SafetyLimits, now: Date, key: RecordKey): Promise<StoredPlan> {
  const stored = await loadSignedPlan(store, run.planId, key);
  if (stored.plan.instance !== run.instance) throw new Conflict(`run ${run.id} is on instance ${run.instance}, but its plan ${stored.id} is for ${stored.plan.instance}: left as it is`);
  if (stored.plan.kind !== 'undo') await requireRunnable(store, stored, { limits, now, key, newerScan: false });
  return stored;
}

/** The error for a second apply of a plan: a plan runs once, and its run is continued with resume. */
export function planAlreadyRunError(planId: string, run: RunRecord): Conflict {
  // The run may have been inserted by hand: its id is escaped before anyone reads it.
  const runId = escapeControl(run.id);
  const message = `plan ${planId} was applied already, by run ${runId} (${run.status}); a plan is applied once`;
  return run.status === 'done' ? new Conflict(`${message}: plan again for anything left to do`) : new Conflict(message, { next: { kind: 'resume-run', runId } });
}

/** Opens the plan's one run; Conflict naming the run when the plan has one, also when another apply won a race. */
async function startOnlyRun(store: Pick<Store, 'journal'>, stored: StoredPlan, now: Date): Promise<RunRecord> {
  try {
    return await store.journal.startRun({ planId: stored.id, instance: stored.plan.instance, startedAt: now });
  } catch (error) {
    const winner = error instanceof Conflict ? await store.journal.runOfPlan(stored.id) : null;
    throw winner === null ? error : planAlreadyRunError(stored.id, winner);
  }
}

/** Runs every row of the plan; returns a status per step rather than throwing on the first failure. */
export async function applyPlan(deps: RunDeps, input: { planId: string; limits: SafetyLimits; protection: Protection }): Promise<RunReport> {
  const { store, clock } = deps;
  const stored = await loadRunnablePlan(store, input.planId, input.limits, clock.now(), deps.key);
  requireNoticeDelivery(stored.plan, deps.notices);
  const probe = await deps.connector.probe(deps.signal);
  return withRunLease(deps, stored.plan.instance, async (signal) => {
    const run = await startOnlyRun(store, stored, clock.now());
    const connectedAs = probe.connectedAs.username ?? probe.connectedAs.accountId;
    return runRows({ ...deps, signal }, { runId: run.id, plan: stored, connectedAs, capabilities: probe.capabilities, protection: input.protection, existing: [] });
  });
}

/** What running a plan's rows needs. */
export interface RunDeps {
  readonly store: Store;
  readonly connector: InstanceConnector;
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
  /** The record key: what the run acts on (plan, approval, run, journal) must be signed with it. */
  readonly key: RecordKey;
  /** Aborted when the operator asks the run to stop (Ctrl-C): rows in flight finish, no new row starts. */
  readonly interrupt?: AbortSignal;
}

/**
 * Runs the rows of a plan in an open run, then its lifecycle part, and finishes the run. `existing` holds the run's
 * entries from an earlier attempt (resume): each row picks up where it stopped.
 */
export async function runRows(
  deps: RunDeps,
  input: {
    runId: string;
    plan: StoredPlan;
    connectedAs: string;
    /** What the instance can do, from the probe before the run. */
    capabilities: InstanceCapabilities;
    protection: Protection;
    existing: readonly JournalEntry[];
  },
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
  // Read live, not from the plan's scan: someone made administrator since is left alone.
  const { adminGroups, application } = await readLiveAccess(deps.connector, signal);
  const protectedGroups = await readNestedGroups(deps.connector, input.protection.groups, signal);
  const context: RowRunnerContext = {
    store,
    connector: deps.connector,
    clock,
    runId,
    application,
    capabilities: input.capabilities,
    connectedAs: input.connectedAs,
    protection: input.protection,
    adminGroups,
    protectedGroups,
    ...(plan.plan.seatGroups === undefined ? {} : { seatGroups: new NameSet(plan.plan.seatGroups) }),
    // With one application, its groups are the seat groups, and the check reads as it always has.
    ...(plan.plan.applications === undefined || plan.plan.applications.length < 2
      ? {}
      : { applicationGroups: new Map(plan.plan.applications.map((a) => [a.key, { name: a.name, groups: a.groups }])) }),
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
async function tallyRun(store: Pick<Store, 'journal'>, runId: string): Promise<Pick<RunReport, 'counts' | 'usersChanged' | 'failures' | 'notPossible'>> {
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
