/**
 * Use case: continue a run whose process died or that ended with failures. Claimed entries are reconciled against the
 * user's state read from Confluence (never sent again blindly), failed ones are retried, rows never started run as in
 * apply. The run keeps its id, so undo and `seatkeeper runs` see one run.
 */

import type { Store } from './store-port.ts';
import type { RunRecord } from '../domain/journal.ts';
import type { Protection } from '../domain/policy.ts';
import { Conflict, NotFound } from '../domain/errors.ts';
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

/** Continues the run and finishes it `done` or `done-with-failures`. */
export async function resumeRun(deps: RunDeps, input: { runId: string; protection: Protection }): Promise<RunReport> {
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
    await resumeScope(store, input.runId);
    await store.journal.reopenRun(run.id);
    const existing = await store.journal.entries(run.id);
    return runRows({ ...deps, signal }, { runId: run.id, plan: stored, connectedAs: probe.connectedAs, protection: input.protection, existing });
  });
}
