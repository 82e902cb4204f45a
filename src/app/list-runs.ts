/** Use case: the runs of an instance (or all), newest first, with how many steps ended in each journal state. */

import type { Store } from './store-port.ts';
import type { RunRecord, StepOutcome } from '../domain/journal.ts';
import { describeStep } from '../domain/action-step.ts';
import { NotFound } from '../domain/errors.ts';

/** A run and its step counts per outcome. */
export interface RunSummary extends RunRecord {
  readonly counts: Readonly<Record<Exclude<StepOutcome, 'planned'>, number>>;
}

/** Lists runs with their counts; a run interrupted mid-step shows `claimed` entries. */
export async function listRuns(store: Pick<Store, 'journal'>, instance?: string): Promise<RunSummary[]> {
  const [runs, counts] = await Promise.all([store.journal.listRuns(instance), store.journal.outcomeCounts(instance)]);
  return runs.map((run) => {
    const c = counts.get(run.id);
    return {
      ...run,
      counts: { claimed: c?.claimed ?? 0, done: c?.done ?? 0, 'already-done': c?.['already-done'] ?? 0, failed: c?.failed ?? 0, skipped: c?.skipped ?? 0 },
    };
  });
}

/** One step of a run that needs attention: failed (with its last error) or left claimed by a process that died. */
export interface RunStepLine {
  readonly username: string;
  readonly step: string;
  readonly outcome: 'failed' | 'claimed';
  readonly error: string | null;
  readonly at: string;
}

/** A run with its counts, the steps of its plan never started, and every failed or claimed step. */
export interface RunDetail extends RunSummary {
  readonly plannedSteps: number;
  readonly notStarted: number;
  readonly attention: readonly RunStepLine[];
}

/** Reads one run for `seatkeeper runs RUN`; NotFound when there is no such run. */
export async function runDetail(store: Pick<Store, 'journal' | 'plans'>, runId: string): Promise<RunDetail> {
  const run = await store.journal.getRun(runId);
  if (run === null) throw new NotFound(`no run ${runId}`, { next: { kind: 'list-runs' } });
  const entries = await store.journal.entries(runId);
  const counts = { claimed: 0, done: 0, 'already-done': 0, failed: 0, skipped: 0 };
  for (const entry of entries) if (entry.outcome !== 'planned') counts[entry.outcome] += 1;
  const plan = await store.plans.get(run.planId);
  const plannedSteps = plan === null ? entries.length : plan.plan.rows.reduce((n, row) => n + row.steps.length, 0);
  const attention = entries
    .filter((e): e is typeof e & { outcome: 'failed' | 'claimed' } => e.outcome === 'failed' || e.outcome === 'claimed')
    .map((e) => ({ username: e.username, step: describeStep(e.step), outcome: e.outcome, error: e.error, at: e.at }));
  return { ...run, counts, plannedSteps, notStarted: Math.max(0, plannedSteps - entries.length), attention };
}
