/**
 * Use case: continue a run whose process died or that ended with failures. Claimed entries are reconciled against the
 * user's state read from Confluence (never sent again blindly), failed ones are retried, rows never started run as in
 * apply. The run keeps its id, so undo and `seatkeeper runs` see one run.
 */

import type { Store } from './store-port.ts';
import type { RunRecord } from '../domain/journal.ts';
import type { Protection } from '../domain/policy.ts';
import { Conflict, GuardTripped, NotFound } from '../domain/errors.ts';
import { requireNoticeDelivery } from './lifecycle-run.ts';
import { runRows, type RunDeps, type RunReport } from './apply-plan.ts';
import { isFinal } from './plan-row-runner.ts';
import { withRunLease } from './run-lease.ts';

/** The run to resume and how much of it is left, before anything is sent. */
export interface ResumeScope {
  readonly run: RunRecord;
  /** Entries left claimed by a process that stopped between claim and settle. */
  readonly claimed: number;
  /** Failed entries (and the steps skipped after them), tried again. */
  readonly retried: number;
}

/** Reads the run and says what a resume would do; NotFound/Conflict when there is nothing to resume. */
export async function resumeScope(store: Store, runId: string): Promise<ResumeScope> {
  const run = await store.journal.getRun(runId);
  if (run === null) throw new NotFound(`no run ${runId}: list runs with \`seatkeeper runs\``);
  if (run.status === 'done') throw new Conflict(`run ${runId} finished done; there is nothing to resume`);
  const entries = await store.journal.entries(runId);
  return {
    run,
    claimed: entries.filter((e) => e.outcome === 'claimed').length,
    retried: entries.filter((e) => e.outcome !== 'claimed' && !isFinal(e)).length,
  };
}

/**
 * Continues the run and finishes it `done` or `done-with-failures`. With `onlyIfRunning` (the scheduler's own resume) a
 * run that is no longer `running` once the lease is held — another process finished or stopped it meanwhile — is
 * left alone with Conflict: a run a brake stopped waits for a person.
 */
export async function resumeRun(deps: RunDeps, input: { runId: string; protection: Protection; onlyIfRunning?: boolean }): Promise<RunReport> {
  const { store } = deps;
  const { run } = await resumeScope(store, input.runId);
  const stored = await store.plans.get(run.planId);
  if (stored === null) throw new NotFound(`plan ${run.planId} of run ${run.id} is gone`);
  requireNoticeDelivery(stored.plan, deps.notices);
  // The plan's guards were passed when the run started; a resume finishes that decision rather than taking a new one,
  // while protection and the user's current state are checked again row by row.
  const probe = await deps.connector.probe(deps.signal);
  // Under the lease, so a run whose process is still alive is never resumed beside it.
  return withRunLease(deps, run.instance, async (signal) => {
    const { run: now } = await resumeScope(store, input.runId);
    if (input.onlyIfRunning === true && now.status !== 'running') throw new Conflict(`run ${run.id} is ${now.status} now, not interrupted: left as it is`);
    await store.journal.reopenRun(run.id);
    const existing = await store.journal.entries(run.id);
    return runRows({ ...deps, signal }, { runId: run.id, plan: stored, connectedAs: probe.connectedAs, protection: input.protection, existing });
  });
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
  deps: { store: Store },
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
      const held = (error instanceof GuardTripped && error.guard === 'run.lease') || error instanceof Conflict;
      const detail = error instanceof Error ? error.message : String(error);
      outcomes.push({ ...base, action: held ? 'held' : 'failed', detail });
    }
  }
  return outcomes;
}
