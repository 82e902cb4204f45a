/** The store's port for plans. */

import type { Plan } from '../../domain/plan.ts';

/**
 * `waiting-approval`: over `safety.maxActions`/`maxPercent`, released by `seatkeeper approve`; `approved`: released,
 * not yet applied; `refused`: stopped by a guard no approval can lift (e.g. `safety.minAdmins`).
 */
export type PlanStatus = 'planned' | 'waiting-approval' | 'approved' | 'applied' | 'refused';

/** The guard that holds a plan (waiting for approval or refused), as it said when the plan was made. */
export interface PlanHold {
  readonly guard: string;
  readonly count: number;
  readonly limit: number;
  readonly message: string;
}

/** Who released a plan that waited for approval, and when (ISO-8601). */
export interface PlanApproval {
  readonly by: string;
  readonly at: string;
}

export interface StoredPlan {
  readonly id: string;
  readonly status: PlanStatus;
  readonly plan: Plan;
  /** The admin who made the plan; null for plans stored without one. */
  readonly createdBy: string | null;
  /** Who last changed each of the plan's policies when it was made (for `safety.fourEyes`), distinct and sorted. */
  readonly policyChangedBy: readonly string[];
  readonly hold: PlanHold | null;
  /** Kept after the plan is applied: an approved plan is not re-checked against the limits. */
  readonly approval: PlanApproval | null;
  /**
   * When the store saved the plan (ISO-8601), by the store's clock: its age is judged from this, not from
   * `plan.createdAt`, which is the instant the plan was made for (simulated in a rehearsal).
   */
  readonly savedAt: string;
  /** HMAC under the record key over id, hash and makers; null for a plan stored without a key (never acted on). */
  readonly signature: string | null;
  /** HMAC under the record key over the approval and the plan's hash; null when unapproved or approved without a key. */
  readonly approvalSignature: string | null;
}

/** What is recorded about a plan besides its content. */
export interface PlanRecordInput {
  readonly createdBy?: string | null;
  readonly policyChangedBy?: readonly string[];
  readonly hold?: PlanHold | null;
}

/** Plans and their status, approval and hold. */
export interface PlanRepository {
  /** Stores a plan and returns its id. */
  save(plan: Plan, status: PlanStatus, record?: PlanRecordInput): Promise<string>;
  get(id: string): Promise<StoredPlan | null>;
  setStatus(id: string, status: PlanStatus): Promise<void>;
  latest(instance: string): Promise<StoredPlan | null>;
  /** The newest `limit` plans, newest first, of one instance or all. */
  list(instance: string | undefined, limit: number): Promise<StoredPlan[]>;
  /** Moves a plan from `waiting-approval` to `approved`; Conflict when it is in any other state, NotFound when missing. */
  approve(id: string, by: string, at: Date): Promise<void>;
}
