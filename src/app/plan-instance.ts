/** Use case: evaluate the policies of one instance against its newest scan, check the guards, store the plan. */

import type { ScanRecord, Store } from './store-port.ts';
import type { Clock } from './clock.ts';
import type { Plan } from '../domain/plan.ts';
import type { InactiveUsersPolicy, Protection } from '../domain/policy.ts';
import type { InstanceSnapshot } from '../domain/snapshot.ts';
import { evaluatePolicies } from '../domain/planner.ts';
import { checkPlanLimits, checkScanSanity, type GuardVerdict, type SafetyLimits } from '../domain/safety-guard.ts';
import { GuardTripped, NotFound } from '../domain/errors.ts';

export interface PlanOutcome {
  readonly planId: string;
  readonly plan: Plan;
  readonly scan: ScanRecord;
  /** The limits verdict: a plan over a limit is stored as `refused` and cannot be applied. */
  readonly verdict: GuardVerdict;
}

/** The newest complete scan before `scan`, which the shrink guard compares against. */
export async function lastGoodBefore(store: Store, scan: ScanRecord): Promise<ScanRecord | null> {
  const recent = await store.scans.recent(scan.instance, 50);
  return recent.find((s) => s.status === 'complete' && s.id !== scan.id && s.startedAt <= scan.startedAt) ?? null;
}

/** Throws GuardTripped when the scan may not be acted on (incomplete, empty, shrunk). */
export async function requireSaneScan(store: Store, scan: ScanRecord, limits: SafetyLimits): Promise<void> {
  const verdict = checkScanSanity(scan, await lastGoodBefore(store, scan), limits);
  if (!verdict.ok) throw new GuardTripped(verdict.message, verdict.guard, verdict.count, verdict.limit);
}

/** Plans against the newest scan of the instance (or the given one); changes nothing outside Seatkeeper. */
export async function planInstance(
  deps: { store: Store; clock: Clock },
  input: {
    instance: string;
    policies: readonly InactiveUsersPolicy[];
    protection: Protection;
    limits: SafetyLimits;
    scanId?: string;
    /** The snapshot a scan just produced: saves reading it back from the store. */
    snapshot?: InstanceSnapshot;
  },
): Promise<PlanOutcome> {
  const { store, clock } = deps;
  const scanId = input.snapshot?.scanId ?? input.scanId;
  const scan = scanId ? await store.scans.get(scanId) : await store.scans.latest(input.instance);
  if (scan === null) {
    throw new NotFound(
      scanId ? `no scan ${scanId}` : `instance ${input.instance} has not been scanned yet: run \`seatkeeper scan\` first`,
    );
  }
  await requireSaneScan(store, scan, input.limits);
  const snapshot = input.snapshot ?? (await store.scans.loadSnapshot(scan.id));
  const plan = evaluatePolicies({ snapshot, policies: input.policies, protection: input.protection, now: clock.now() });
  const verdict = checkPlanLimits(plan, input.limits);
  const planId = await store.plans.save(plan, verdict.ok ? 'planned' : 'refused');
  return { planId, plan, scan, verdict };
}
