/**
 * The guards around a plan's life: screened when it is made (minAdmins refuses, the limits hold it for approval),
 * and cleared again before it runs (age, approval, limits unless approved, minAdmins). Every block leaves an alert.
 */

import type { PlanHold, PlanStatus, StoredPlan } from './store/plan-repository-port.ts';
import type { Store } from './store-port.ts';
import type { Plan } from '../domain/plan.ts';
import type { InstanceSnapshot } from '../domain/snapshot.ts';
import { checkPlanLimits, type GuardVerdict, type SafetyLimits } from '../domain/safety-guard.ts';
import { checkAdminFloor } from '../domain/admin-floor-guard.ts';
import { checkPlanAge } from '../domain/approval-guard.ts';
import { Conflict, GuardTripped } from '../domain/errors.ts';
import { raiseGuardAlert } from './guard-alerts.ts';

/** How a fresh plan is stored: its status and the verdict that set it. */
export interface Screening {
  readonly status: Extract<PlanStatus, 'planned' | 'waiting-approval' | 'refused'>;
  readonly verdict: GuardVerdict;
}

/** The failed verdict as kept on the plan. */
export function holdOf(verdict: GuardVerdict): PlanHold | null {
  return verdict.ok ? null : { guard: verdict.guard, count: verdict.count, limit: verdict.limit, message: verdict.message };
}

/**
 * Plan time. Too few administrators left is refused outright: no approval makes that safe. Over a limit waits for
 * an admin's approval, because a large plan can be right (a big leavers' day) but must not run unseen.
 */
export function screenPlan(plan: Plan, snapshot: InstanceSnapshot, limits: SafetyLimits): Screening {
  const floor = checkAdminFloor(snapshot, plan.rows, limits.minAdmins);
  if (!floor.ok) return { status: 'refused', verdict: floor };
  const verdict = checkPlanLimits(plan, limits);
  return { status: verdict.ok ? 'planned' : 'waiting-approval', verdict };
}

/** The alert's sentence for a plan that waits: what to run next. Alerts are stored text, read by every front door. */
export function waitingMessage(planId: string, hold: PlanHold): string {
  return `plan ${planId} is waiting for approval: seatkeeper approve ${planId} (${hold.message})`;
}

/** The error for a plan a guard holds: waiting for approval (its next step: an approval), or refused. */
export function heldPlanError(planId: string, status: PlanStatus, hold: PlanHold): GuardTripped {
  if (status !== 'waiting-approval') return new GuardTripped(`plan ${planId} was refused: ${hold.message}`, hold.guard, hold.count, hold.limit);
  const next = { kind: 'approve-plan', planId, reason: hold.message } as const;
  return new GuardTripped(`plan ${planId} is waiting for approval`, hold.guard, hold.count, hold.limit, { next });
}

/**
 * Conflict when the plan is older than `safety.planTtlHours`: it must be made again before approval or apply. Age is
 * one clock's: `storeNow` (Store.now()) against when the store saved the plan, never the caller's clock, which a
 * rehearsal's `--now` sets at will.
 */
export function requireFresh(stored: StoredPlan, planTtlHours: number, storeNow: Date): void {
  const age = checkPlanAge({ planId: stored.id, createdAt: stored.savedAt, ttlHours: planTtlHours, now: storeNow });
  if (!age.ok) throw new Conflict(age.reason);
}

async function trip(store: Store, stored: StoredPlan, error: GuardTripped, now: Date, message = error.message): Promise<never> {
  await raiseGuardAlert(store, { instance: stored.plan.instance, scanId: stored.plan.scanId, guard: error.guard, message }, now);
  throw error;
}

/**
 * Apply time, after the hash, age and scan checks: a refused or waiting plan does not run; an approved one runs
 * exactly as approved without a second look at the limits; any other is held to the limits as they are now; and
 * none may leave fewer than `safety.minAdmins` administrators (the config may have changed since the plan).
 */
export async function requireCleared(store: Store, stored: StoredPlan, limits: SafetyLimits, now: Date): Promise<void> {
  const { plan } = stored;
  if (stored.status === 'refused' || stored.status === 'waiting-approval') {
    const hold = stored.hold ?? { guard: 'plan.refused', count: plan.rows.length, limit: 0, message: 'the plan was refused when it was made' };
    const alert = stored.status === 'waiting-approval' ? waitingMessage(stored.id, hold) : undefined;
    await trip(store, stored, heldPlanError(stored.id, stored.status, hold), now, alert);
  }
  if (stored.approval === null) {
    const verdict = checkPlanLimits(plan, limits);
    if (!verdict.ok) {
      const message = `${verdict.message} The limits changed since plan ${stored.id} was made: plan again, and the new plan will wait for approval.`;
      await trip(store, stored, new GuardTripped(message, verdict.guard, verdict.count, verdict.limit), now);
    }
  }
  if (plan.rows.length > 0) {
    const floor = checkAdminFloor(await store.scans.loadSnapshot(plan.scanId), plan.rows, limits.minAdmins);
    if (!floor.ok) await trip(store, stored, new GuardTripped(floor.message, floor.guard, floor.count, floor.limit), now);
  }
}
