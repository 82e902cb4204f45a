/** Use cases: how far a run or a scan has got, read from the store alone (so it follows work another process does). */

import type { Store } from './store-port.ts';
import type { RunRecord, StepOutcome } from '../domain/journal.ts';
import type { ScanStatus } from './store/scan-repository-port.ts';
import { NotFound } from '../domain/errors.ts';

/** A run's counts so far, against the size of its plan. */
export interface RunProgress extends RunRecord {
  readonly counts: Readonly<Record<Exclude<StepOutcome, 'planned'>, number>>;
  /** Steps and rows of the run's plan (the journal's entry count when the plan is gone). */
  readonly plannedSteps: number;
  readonly rowsTotal: number;
  /** True once the run has a final status: nothing more will change. */
  readonly finished: boolean;
}

/**
 * A reader of one run's progress, for polling: the plan's totals are read once (a plan does not change), the run and
 * its journal each time. The first read throws NotFound when there is no such run.
 */
export function runProgressReader(store: Pick<Store, 'journal' | 'plans'>, runId: string): () => Promise<RunProgress> {
  let totals: { plannedSteps: number; rowsTotal: number } | null = null;
  return async () => {
    const run = await store.journal.getRun(runId);
    if (run === null) throw new NotFound(`no run ${runId}`, { next: { kind: 'list-runs' } });
    // Counted by the store (one grouped query a poll), not by reading every entry of the run each time.
    const all = (await store.journal.outcomeCounts(run.instance, runId)).get(runId) ?? { planned: 0, claimed: 0, done: 0, 'already-done': 0, failed: 0, skipped: 0 };
    const counts = { claimed: all.claimed, done: all.done, 'already-done': all['already-done'], failed: all.failed, skipped: all.skipped };
    if (totals === null) {
      const plan = await store.plans.get(run.planId);
      if (plan !== null) totals = { plannedSteps: plan.plan.rows.reduce((n, row) => n + row.steps.length, 0), rowsTotal: plan.plan.rows.length };
      else {
        // The plan is gone: the journal's entries are all there is (read once).
        const entries = await store.journal.entries(runId);
        totals = { plannedSteps: entries.length, rowsTotal: new Set(entries.map((e) => e.username)).size };
      }
    }
    const { id, planId, instance, startedAt, finishedAt, status } = run;
    return { id, planId, instance, startedAt, finishedAt, status, counts, ...totals, finished: status !== 'running' };
  };
}

/** A scan's state so far. */
export interface ScanProgress {
  readonly id: string;
  readonly instance: string;
  readonly status: ScanStatus;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly error: string | null;
  /** Users the store holds for the scan so far. */
  readonly userCount: number;
  readonly finished: boolean;
}

/** One scan's progress; NotFound when there is no such scan. */
export async function scanProgress(store: Pick<Store, 'scans'>, scanId: string): Promise<ScanProgress> {
  const scan = await store.scans.get(scanId);
  if (scan === null) throw new NotFound(`no scan ${scanId}`);
  const { id, instance, status, startedAt, finishedAt, error, userCount } = scan;
  return { id, instance, status, startedAt, finishedAt, error, userCount, finished: status !== 'running' };
}
