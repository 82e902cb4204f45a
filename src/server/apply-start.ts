/** Starting a stored plan's apply from a request: the run goes on in the background, the answer names it. */

import type { ApiDeps } from './api-deps.ts';
import { applyPlan } from '../app/apply-plan.ts';
import { listRuns, type RunSummary } from '../app/list-runs.ts';
import { startAndFind } from './background-work.ts';

/**
 * Applies plan `planId` in the background (tracked, so the server's close waits for it) and resolves to its run once it
 * is open; the refusal itself when applyPlan refuses the plan before a run opens (a guard, an applied plan).
 */
export async function startApply(deps: ApiDeps, planId: string, instance: string): Promise<RunSummary> {
  const { runtime } = deps;
  // A run the plan had before is not this apply's: applyPlan refuses the plan then, and that refusal is the answer.
  const earlier = (await runtime.store.journal.runOfPlan(planId))?.id ?? null;
  const work = runtime.withRunDeps(instance, { sendNotices: true, log: deps.log }, (runDeps) => applyPlan(runDeps, { planId, limits: runtime.limits, protection: runtime.protection }));
  deps.background.track(`apply of plan ${planId}`, work);
  return startAndFind(work, async () => {
    const opened = await runtime.store.journal.runOfPlan(planId);
    return opened === null || opened.id === earlier ? null : ((await listRuns(runtime.store, instance)).find((r) => r.id === opened.id) ?? null);
  });
}
