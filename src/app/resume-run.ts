/**
 * Use case: continue a run whose process died or that ended with failures. Claimed entries are reconciled against the
 * user's state read from Confluence (never sent again blindly), failed ones are retried, rows never started run as in
 * apply. The run keeps its id, so undo and `seatkeeper runs` see one run.
 */

import type { SignedRunRecord } from './store/journal-repository-port.ts';
import type { Store } from './store-port.ts';
import type { RunRecord } from '../domain/journal.ts';
import type { Protection } from '../domain/policy.ts';
import { Conflict, GuardTripped, NotFound } from '../domain/errors.ts';
import { requireNoticeDelivery } from './lifecycle-run.ts';
import { loadResumablePlan, runRows, type RunDeps, type RunReport } from './apply-plan.ts';
import type { SafetyLimits } from '../domain/safety-guard.ts';
import { verifyJournalEntries, verifyRunRecord } from './record-signing.ts';
import { isFinal } from './plan-row-runner.ts';
import { withRunLease } from './run-lease.ts';

/** The run to resume and how much of it is left, before anything is sent. */
export interface ResumeScope {
  readonly run: SignedRunRecord;
  /** Entries left claimed by a process that stopped between claim and settle. */
  readonly claimed: number;
  /** Failed entries (and the steps skipped after them), tried again. */
  readonly retried: number;
}

/** Reads the run and says what a resume would do; NotFound/Conflict when there is nothing to resume. */
export async function resumeScope(store: Pick<Store, 'journal'>, runId: string): Promise<ResumeScope> {
  const run = await store.journal.getRun(runId);
  if (run === null) throw new NotFound(`no run ${runId}`, { next: { kind: 'list-runs' } });
  if (run.status === 'done') throw new Conflict(`run ${runId} finished done; there is nothing to resume`);
  const entries = await store.journal.entries(runId);
  return {
    run,
    claimed: entries.filter((e) => e.outcome === 'claimed').length,
    retried: entries.filter((e) => e.outcome !== 'claimed' && !isFinal(e)).length,
  };
}

/** A run the scheduler meant to resume is no longer interrupted: another process finished or stopped it meanwhile. */
export class RunNoLongerInterrupted extends Conflict {}

/**
 * Continues the run and finishes it `done` or `done-with-failures`. First it checks everything a fresh apply checks
 * (domain/record-signature.ts signatures on the run, its plan and approval; the plan's age, scan, release and
 * safety.minAdmins), and under the lease every journal entry of the run: a resume that is refused changes nothing,
 * the run stays as it was and the error says why. With `onlyIfRunning` (the scheduler's own resume) a run that is no
 * longer `running` is left alone with RunNoLongerInterrupted: a run a brake stopped waits for a person.
 */
export async function resumeRun(
  deps: RunDeps,
  input: { runId: string; protection: Protection; limits: SafetyLimits; onlyIfRunning?: boolean },
): Promise<RunReport> {
  const { store, clock, key } = deps;
  const run = await interruptedRun(store, input.runId, input.onlyIfRunning);
  verifyRunRecord(key, run);
  const stored = await loadResumablePlan(store, run, input.limits, clock.now(), key);
  requireNoticeDelivery(stored.plan, deps.notices);
  const probe = await deps.connector.probe(deps.signal);
  // Under the lease, so a run whose process is still alive is never resumed beside it.
  return withRunLease(deps, run.instance, async (signal) => {
    await interruptedRun(store, input.runId, input.onlyIfRunning);
    const existing = await store.journal.entries(run.id);
    // Resume acts on each entry's step and prior state: a forged or altered one stops the whole resume.
    verifyJournalEntries(key, existing);
    await store.journal.reopenRun(run.id);
    const connectedAs = probe.connectedAs.username ?? probe.connectedAs.accountId;
    return runRows({ ...deps, signal }, { runId: run.id, plan: stored, connectedAs, capabilities: probe.capabilities, protection: input.protection, existing });
  });
}

/** The run as resumeScope reads it; with `onlyIfRunning`, RunNoLongerInterrupted first when it is not `running` (done included). */
async function interruptedRun(store: Store, runId: string, onlyIfRunning: boolean | undefined): Promise<SignedRunRecord> {
  if (onlyIfRunning === true) {
    const current = await store.journal.getRun(runId);
    if (current !== null && current.status !== 'running') throw new RunNoLongerInterrupted(`run ${current.id} is ${current.status} now, not interrupted: left as it is`);
  }
  return (await resumeScope(store, runId)).run;
}

/** What happened to one interrupted run when the scheduler looked at it. */
export type InterruptedRunOutcome =
  | { readonly runId: string; readonly instance: string; readonly action: 'resumed'; readonly report: RunReport }
  | { readonly runId: string; readonly instance: string; readonly action: 'held'; readonly detail: string }
  | { readonly runId: string; readonly instance: string; readonly action: 'failed'; readonly detail: string };

/**
 * Resumes every run left `running` whose process is gone, oldest first: what `seatkeeper serve` does at start-up and
 * on each pass. A run whose instance lease is still live belongs to a process that is running it (or died less than a
 * lease ago, and is picked up on a later pass), so it is left alone. Runs stopped by a brake are not resumed: they
 * wait for someone to look.
 */
export async function resumeInterruptedRuns(
  deps: { store: Pick<Store, 'journal' | 'leases'> },
  resume: (run: RunRecord) => Promise<RunReport>,
): Promise<InterruptedRunOutcome[]> {
  const outcomes: InterruptedRunOutcome[] = [];
  const running = (await deps.store.journal.listRuns(undefined, 'running')).reverse();
  for (const run of running) {
    const base = { runId: run.id, instance: run.instance };
    const lease = await deps.store.leases.current(run.instance);
    // Live by the store's clock: a process whose own clock runs ahead must not take a live run for a dead one.
    if (lease !== null && (await deps.store.leases.isLive(lease))) {
      outcomes.push({ ...base, action: 'held', detail: `lease held by ${lease.holder} until ${lease.expiresAt}` });
      continue;
    }
    try {
      outcomes.push({ ...base, action: 'resumed', report: await resume(run) });
    } catch (error) {
      // Another process took the lease first, or the run finished meanwhile: both leave nothing for this one to do.
      // Any other refusal (a guard, an unsigned record) is a failure, reported on every pass until someone looks.
      const held = (error instanceof GuardTripped && error.guard === 'run.lease') || error instanceof RunNoLongerInterrupted;
      const detail = error instanceof Error ? error.message : String(error);
      outcomes.push({ ...base, action: held ? 'held' : 'failed', detail });
    }
  }
  return outcomes;
}
