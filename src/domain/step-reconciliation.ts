/**
 * What to do with one journaled step, given the user's state read just now. A step that may already have reached
 * Confluence (claimed before a crash, or failed after the request went out) is judged by the target state first, so
 * it is never sent twice; a fresh step keeps apply's order (a protected or gone user is skipped before anything else).
 */

import type { ActionStep } from './plan.ts';
import type { UserState } from './journal.ts';
import { isAlreadyDone } from './action-step.ts';

/** Settle the entry without a remote call, or send the step and settle by its answer. */
export type StepDecision =
  | { readonly action: 'settle'; readonly outcome: 'done' | 'already-done' | 'skipped'; readonly reason: string | null }
  | { readonly action: 'send' };

/** The facts the decision rests on. */
export interface StepFacts {
  readonly step: ActionStep;
  /** The user's state recorded when the step was first claimed (null when it could not be read). */
  readonly prior: UserState | null;
  /** The user's state now; null when the user no longer exists. */
  readonly current: UserState | null;
  /** Why the user must not be changed now (protected, gone, an earlier step failed); null when nothing blocks. */
  readonly blocked: string | null;
  /** True when an earlier attempt may have reached Confluence: the entry was claimed or failed before. */
  readonly maybeSent: boolean;
}

const GONE = 'the user no longer exists';

/** Decides one step; pure, so a resume and a first apply follow the same table. */
export function decideStep(facts: StepFacts): StepDecision {
  const { step, prior, current, blocked, maybeSent } = facts;
  if (current === null) return { action: 'settle', outcome: 'skipped', reason: blocked ?? GONE };
  const holds = isAlreadyDone(step, current);
  // The target state holding after an attempt that may have gone out is Seatkeeper's own doing, unless it held before.
  const heldBefore = prior !== null && isAlreadyDone(step, prior);
  if (maybeSent && holds) return { action: 'settle', outcome: heldBefore ? 'already-done' : 'done', reason: null };
  if (blocked !== null) return { action: 'settle', outcome: 'skipped', reason: blocked };
  if (holds) return { action: 'settle', outcome: 'already-done', reason: null };
  return { action: 'send' };
}
