/** Use case: evaluate the policies of one instance against its newest scan, check the guards, store the plan. */

import type { OrgDirectory } from './directory-port.ts';
import { readOrgStatuses } from './org-statuses.ts';
import type { PlanStatus } from './store/plan-repository-port.ts';
import type { ScanRecord } from './store/scan-repository-port.ts';
import type { Store } from './store-port.ts';
import type { Clock } from './clock.ts';
import type { Plan } from '../domain/plan.ts';
import type { InactiveUsersPolicy, Protection } from '../domain/policy.ts';
import type { InstanceSnapshot } from '../domain/snapshot.ts';
import { evaluatePolicies } from '../domain/planner.ts';
import { checkScanSanity, type GuardVerdict, type SafetyLimits } from '../domain/safety-guard.ts';
import { GuardTripped, NotFound } from '../domain/errors.ts';
import { raiseGuardAlert, resolvePlanAlerts, resolveScanAlerts } from './guard-alerts.ts';
import { holdOf, screenPlan, waitingMessage } from './plan-guards.ts';
import { recordPolicyChangers } from './approve-plan.ts';
import { lifecycleOfAccounts } from './lifecycle-accounts.ts';

export interface PlanOutcome {
  readonly planId: string;
  readonly plan: Plan;
  readonly scan: ScanRecord;
  /** The guards' verdict: over a limit the plan waits for approval; too few administrators left and it is refused. */
  readonly verdict: GuardVerdict;
  readonly status: PlanStatus;
}

/** The newest complete scan before `scan`, which the shrink guard compares against. */
export async function lastGoodBefore(store: Pick<Store, 'scans'>, scan: ScanRecord): Promise<ScanRecord | null> {
  const recent = await store.scans.recent(scan.instance, 50);
  return recent.find((s) => s.status === 'complete' && s.id !== scan.id && s.startedAt <= scan.startedAt) ?? null;
}

/** Throws GuardTripped, with an alert, when the scan may not be acted on (incomplete, empty, shrunk). */
export async function requireSaneScan(store: Pick<Store, 'scans' | 'alerts'>, scan: ScanRecord, limits: SafetyLimits, now: Date): Promise<void> {
  const verdict = checkScanSanity(scan, await lastGoodBefore(store, scan), limits);
  if (verdict.ok) {
    await resolveScanAlerts(store, scan, now);
    return;
  }
  await raiseGuardAlert(store, { instance: scan.instance, scanId: scan.id, guard: verdict.guard, message: verdict.message }, now);
  throw new GuardTripped(verdict.message, verdict.guard, verdict.count, verdict.limit);
}

/** Plans against the newest scan of the instance (or the given one); changes nothing outside Seatkeeper. */
export async function planInstance(
  deps: { store: Store; clock: Clock; directories?: ReadonlyMap<string, OrgDirectory> },
  input: {
    instance: string;
    policies: readonly InactiveUsersPolicy[];
    protection: Protection;
    limits: SafetyLimits;
    /** The admin making the plan: recorded as its maker, and as the changer of any policy that changed since. */
    actor: string;
    scanId?: string;
    /** The snapshot a scan just produced: saves reading it back from the store. */
    snapshot?: InstanceSnapshot;
  },
): Promise<PlanOutcome> {
  const { store, clock } = deps;
  const scanId = input.snapshot?.scanId ?? input.scanId;
  const scan = scanId ? await store.scans.get(scanId) : await store.scans.latest(input.instance);
  if (scan === null) {
    throw scanId ? new NotFound(`no scan ${scanId}`) : new NotFound(`instance ${input.instance} has not been scanned yet`, { next: { kind: 'scan', instance: input.instance } });
  }
  await requireSaneScan(store, scan, input.limits, clock.now());
  const snapshot = input.snapshot ?? (await store.scans.loadSnapshot(scan.id));
  // Where each user stands in each policy's lifecycle; only read when a policy has one.
  const lifecycle = input.policies.some((p) => p.lifecycle) ? lifecycleOfAccounts(await store.lifecycle.records(input.instance), snapshot.users) : [];
  const orgStatuses = await readOrgStatuses(deps.directories ?? new Map(), input.policies, snapshot);
  const plan = evaluatePolicies({ snapshot, policies: input.policies, protection: input.protection, now: clock.now(), lifecycle, orgStatuses });
  const policyChangedBy = await recordPolicyChangers(store, { instance: input.instance, policies: input.policies, actor: input.actor, now: clock.now() });
  const { status, verdict } = screenPlan(plan, snapshot, input.limits);
  const hold = holdOf(verdict);
  const planId = await store.plans.save(plan, status, { createdBy: input.actor, policyChangedBy, hold });
  if (status === 'planned') await resolvePlanAlerts(store, { instance: plan.instance, planId }, clock.now());
  if (hold !== null) {
    const message = status === 'waiting-approval' ? waitingMessage(planId, hold) : `plan ${planId} was refused: ${hold.message}`;
    await raiseGuardAlert(store, { instance: plan.instance, scanId: plan.scanId, guard: hold.guard, message }, clock.now());
  }
  return { planId, plan, scan, verdict, status };
}
