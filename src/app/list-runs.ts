/** Use case: the runs of an instance (or all), newest first, with how many steps ended in each journal state. */

import type { Store } from './store-port.ts';
import type { RunRecord, StepOutcome } from '../domain/journal.ts';

/** A run and its step counts per outcome. */
export interface RunSummary extends RunRecord {
  readonly counts: Readonly<Record<Exclude<StepOutcome, 'planned'>, number>>;
}

/** Lists runs with their counts; a run interrupted mid-step shows `claimed` entries. */
export async function listRuns(store: Store, instance?: string): Promise<RunSummary[]> {
  const [runs, counts] = await Promise.all([store.journal.listRuns(instance), store.journal.outcomeCounts(instance)]);
  return runs.map((run) => {
    const c = counts.get(run.id);
    return {
      ...run,
      counts: { claimed: c?.claimed ?? 0, done: c?.done ?? 0, 'already-done': c?.['already-done'] ?? 0, failed: c?.failed ?? 0, skipped: c?.skipped ?? 0 },
    };
  });
}
