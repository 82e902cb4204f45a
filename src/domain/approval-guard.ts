/** Approval rules: who may release a plan that waits for approval, and how long any plan stays good. */

import { canonicalJson, hashText } from './plan-hash.ts';

/** A yes, or a no with the sentence that says why. */
export type ApprovalDecision = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Confluence usernames are case-insensitive, so identities compare the same way ("Alice" is "alice"). */
export function sameActor(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * With `safety.fourEyes`, the approver must be someone other than the admin who made the plan and every admin who
 * last changed one of its policies: the person who asks for a change cannot also be the one who lets it through.
 */
export function checkFourEyes(input: {
  readonly fourEyes: boolean;
  readonly approver: string;
  /** Who made the plan; null when the plan does not record it (then nobody can be shown to be someone else). */
  readonly createdBy: string | null;
  /** Who last changed each policy of the plan, as recorded when the plan was made. */
  readonly policyChangedBy: readonly string[];
}): ApprovalDecision {
  if (!input.fourEyes) return { ok: true };
  if (input.createdBy === null) {
    return { ok: false, reason: 'safety.fourEyes: the plan does not record who made it, so no approver can be shown to be someone else; plan again' };
  }
  if (sameActor(input.approver, input.createdBy)) {
    return { ok: false, reason: `safety.fourEyes: ${input.approver} made this plan; another administrator must approve it` };
  }
  const author = input.policyChangedBy.find((name) => sameActor(name, input.approver));
  if (author !== undefined) {
    return { ok: false, reason: `safety.fourEyes: ${input.approver} last changed a policy of this plan; another administrator must approve it` };
  }
  return { ok: true };
}

const HOUR_MS = 3_600_000;

/** "42 s", "17 min", "25.3 h": the age of a plan as people read it. */
export function formatAge(ms: number): string {
  if (ms < 60_000) return `${Math.floor(ms / 1000)} s`;
  if (ms < HOUR_MS) return `${Math.floor(ms / 60_000)} min`;
  return `${(ms / HOUR_MS).toFixed(1)} h`;
}

/** How far ahead of the clock judging it a plan's time may be (clocks of two hosts of one PostgreSQL store differ a little). */
const FUTURE_SLACK_MS = 5 * 60_000;

/**
 * A plan older than `safety.planTtlHours` may be neither approved nor applied: the people it selects may have logged
 * in since, and a plan read yesterday is not what the instance looks like today. Exactly at the limit still counts.
 * A plan dated more than a few minutes ahead of the clock is refused too.
 */
export function checkPlanAge(input: { readonly planId: string; readonly createdAt: string; readonly ttlHours: number; readonly now: Date }): ApprovalDecision {
  const age = input.now.getTime() - Date.parse(input.createdAt);
  // A plan from the future never ages: refused, whether its time was altered or the store's clock went back.
  if (Number.isNaN(age) || age < -FUTURE_SLACK_MS) {
    return { ok: false, reason: `plan ${input.planId} says it was made at ${input.createdAt}, after now (${input.now.toISOString()}): plan again` };
  }
  if (age <= input.ttlHours * HOUR_MS) return { ok: true };
  return {
    ok: false,
    reason: `plan ${input.planId} was made ${formatAge(age)} ago, longer than safety.planTtlHours (${input.ttlHours} h) allows: plan again`,
  };
}

/** A stable fingerprint of one policy as evaluated, so Seatkeeper can tell when someone changed it. */
export function policyFingerprint(policy: unknown): string {
  return hashText(canonicalJson(policy));
}
