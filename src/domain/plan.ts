/** Plans: what Seatkeeper intends to change, user by user, with the rule and the facts behind each row. */

import type { LifecycleAction, PlanLifecycle } from './lifecycle.ts';
import type { SelectionReason, SkipReason } from './selection-reason.ts';

/** One change to one user account. Every kind has an inverse, which is what undo replays. */
export type ActionStep =
  | { readonly kind: 'remove-group'; readonly group: string }
  | { readonly kind: 'add-group'; readonly group: string }
  /**
   * Takes the individual grant of `application` away. Where the instance removes the other individual permissions with
   * it (capabilities.revokeTakesOtherPermissions), `restore` lists the ones granted back right after (the undo of a
   * grant, so the permissions the user held before it survive).
   */
  | { readonly kind: 'revoke-application'; readonly application: string; readonly restore?: readonly string[] }
  /** Grants `application` individually, leaving exactly `restore` as other individual permissions (the undo of a revoke). */
  | { readonly kind: 'grant-application'; readonly application: string; readonly restore?: readonly string[] }
  /**
   * The two steps as plans and journals stored before applications were recorded spell them: the individual grant of the
   * only application, `confluence`. Read, applied and undone as revoke-application/grant-application of it (legacyStep);
   * never planned. Kept as stored, so the plan's hash and the journal's signatures still hold.
   */
  | { readonly kind: 'revoke-use-grant'; readonly restore?: readonly string[] }
  | { readonly kind: 'grant-use'; readonly restore?: readonly string[] }
  /** A username rename; the account keeps its id. Planned last, only where the instance can rename. */
  | { readonly kind: 'rename'; readonly to: string }
  | { readonly kind: 'disable' }
  | { readonly kind: 'enable' }
  /** The portable alternative to a username rename: e.g. "Alice Smith (inactive)". */
  | { readonly kind: 'set-display-name'; readonly displayName: string }
  /** A hand-requested e-mail change (only where capabilities.updateEmail); its undo sets the address read before it. */
  | { readonly kind: 'set-email'; readonly email: string }
  /**
   * Not a change: the run's re-read after a row meant to free a seat, journaled only when the user still holds "can use"
   * (failed, with the group) and when a resume finds it freed since. Never planned, never sent, never undone.
   */
  | { readonly kind: 'confirm-seat-freed' };

export type ActionKind = ActionStep['kind'];

/** All steps for one user, in execution order. */
export interface PlanRow {
  readonly username: string;
  readonly userKey: string;
  readonly displayName: string;
  readonly directory: string | null;
  readonly policy: string;
  readonly reason: SelectionReason;
  readonly steps: readonly ActionStep[];
  /** Things the admin must know about this row (e.g. deactivation replaced because the directory is read-only). */
  readonly notes: readonly string[];
  /**
   * Whether carrying the row out takes a seat back: the user holds one and the steps end every way it is held. Absent in
   * plans made before it was recorded (list-plans.ts then judges from the steps).
   */
  readonly freesSeat?: boolean;
  /** Keys of the applications the row ends every way the user holds, sorted; absent in plans made before applications. */
  readonly freesApplications?: readonly string[];
  /** The lifecycle stage the row carries out (policies with a lifecycle): recorded once every step is done. */
  readonly stage?: LifecycleAction;
}

/** One application's seats before a plan and after it, as the plan counts them. */
export interface ApplicationSeats {
  readonly key: string;
  readonly name: string;
  /** Groups granting it when the plan was made, directly or through nesting, sorted: what a run checks a freed seat against. */
  readonly groups: readonly string[];
  /** Users holding it in the scan. */
  readonly held: number;
  /** Of those, the ones whose rows end every way they hold it. */
  readonly freed: number;
}

/** Users a policy looked at but does not act on, counted by reason. */
export interface PolicySummary {
  readonly policy: string;
  readonly selected: number;
  /** `orgStatus`: leavers, for policies that select by organisation status. */
  readonly byRule: { readonly inactive: number; readonly neverLoggedIn: number; readonly orgStatus?: number };
  readonly skipped: Readonly<Record<SkipReason, number>>;
  /**
   * Seat holders who never logged in but are not past the threshold yet. Over REST the threshold counts from the day
   * Seatkeeper first saw them, so right after the first scan this holds everyone who never logged in.
   */
  readonly notYetDue: { readonly neverLoggedIn: number };
  /** Users an e-mail rule left out because their address is unknown (counted in `skipped` as out of scope too). */
  readonly unknownEmail?: number;
}

/** The users a plan's relative limit counts: those holding one application. */
export interface LimitBase {
  readonly application: string;
  readonly name: string;
  readonly users: number;
}

/** A plan as evaluated; immutable once hashed. */
export interface Plan {
  /**
   * `policy`: policies evaluated on a scan. `undo`: rows that put back what earlier runs changed, from the journal and
   * live reads (scanId is the newest scan when planned, or empty; licensedUsers 0; no summaries); the scan and limit
   * checks do not apply to it, because restoring access must never be held back by a limit. `changes`: changes a person
   * asked for by hand (user-changes.ts), validated against a scan; the scan and limit checks apply as to a policy plan.
   */
  readonly kind: 'policy' | 'undo' | 'changes';
  /** The runs an undo plan puts back, sorted; empty for a policy or changes plan. */
  readonly undoOf: readonly string[];
  readonly instance: string;
  readonly scanId: string;
  readonly createdAt: string;
  readonly policies: readonly string[];
  readonly licensedUsers: number;
  /**
   * What safety.maxPercent is a percentage of when every policy of the plan frees one application only: the users
   * holding that application (a Service Management policy is limited by the agents, not by every Jira user). Absent:
   * the licensed users.
   */
  readonly limitBase?: LimitBase;
  /**
   * Groups that gave "can use" when the plan was made (directly or through nesting), sorted: after a row meant to free
   * a seat, the run re-reads the user and reports one still in any of them (or still granted) instead of counting it freed.
   */
  readonly seatGroups?: readonly string[];
  /** Seats per application (policy plans made since applications were recorded; absent in older ones and undo plans). */
  readonly applications?: readonly ApplicationSeats[];
  readonly rows: readonly PlanRow[];
  readonly summaries: readonly PolicySummary[];
  /** Notices to e-mail and lifecycle records to clear; present when a policy has a lifecycle (lifecycle.ts). */
  readonly lifecycle?: PlanLifecycle;
  /** sha256 over everything above, canonically serialised. */
  readonly hash: string;
}

/** True when applying the plan does anything: account steps, notices to send, or lifecycle records to clear. */
export function planHasWork(plan: Pick<Plan, 'rows' | 'lifecycle'>): boolean {
  return plan.rows.length > 0 || (plan.lifecycle?.notices.length ?? 0) > 0 || (plan.lifecycle?.cancellations.length ?? 0) > 0;
}
