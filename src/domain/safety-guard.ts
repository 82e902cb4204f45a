/** Safety guards: hard limits on how much one plan may change, and sanity checks on the scan it rests on. */

import type { Plan } from './plan.ts';

export interface SafetyLimits {
  /** Most users one run may change. */
  readonly maxActions: number;
  /** Most users one run may change, as a percentage of licensed users. */
  readonly maxPercent: number;
  /** A scan this much smaller (in %) than the last good one blocks every action. */
  readonly maxShrinkPercent: number;
  /** No plan may leave fewer active administrators than this (admin-floor-guard.ts). */
  readonly minAdmins: number;
  /** A plan older than this many hours may be neither approved nor applied (approval-guard.ts). */
  readonly planTtlHours: number;
}

export const DEFAULT_LIMITS: SafetyLimits = { maxActions: 500, maxPercent: 20, maxShrinkPercent: 10, minAdmins: 2, planTtlHours: 24 };

/** The limits on how many users one plan may change. */
export type ActionLimits = Pick<SafetyLimits, 'maxActions' | 'maxPercent'>;

export type GuardVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly guard: string; readonly count: number; readonly limit: number; readonly message: string };

/** The stricter of the absolute and the relative limit, as a number of users. */
export function effectiveLimit(limits: ActionLimits, licensedUsers: number): { limit: number; guard: 'maxActions' | 'maxPercent' } {
  const relative = Math.floor((licensedUsers * limits.maxPercent) / 100);
  return relative < limits.maxActions ? { limit: relative, guard: 'maxPercent' } : { limit: limits.maxActions, guard: 'maxActions' };
}

/** The users safety.maxPercent counts for a plan, and how to name them: one application's holders, or every licensed user. */
export function limitBaseOf(plan: Pick<Plan, 'licensedUsers' | 'limitBase'>): { users: number; words: string } {
  if (plan.limitBase === undefined) return { users: plan.licensedUsers, words: 'licensed users' };
  return { users: plan.limitBase.users, words: `users holding ${plan.limitBase.name}` };
}

/** The stricter limit for a plan, counted against its limit base (limitBaseOf). */
export function planLimit(plan: Pick<Plan, 'licensedUsers' | 'limitBase'>, limits: ActionLimits): { limit: number; guard: 'maxActions' | 'maxPercent' } {
  return effectiveLimit(limits, limitBaseOf(plan).users);
}

/** Refuses a plan that changes more users than the stricter limit allows. */
export function checkPlanLimits(plan: Pick<Plan, 'rows' | 'licensedUsers' | 'limitBase'>, limits: ActionLimits): GuardVerdict {
  const count = plan.rows.length;
  const base = limitBaseOf(plan);
  const { limit, guard } = effectiveLimit(limits, base.users);
  if (count <= limit) return { ok: true };
  const rule =
    guard === 'maxActions'
      ? `safety.maxActions allows ${limit}`
      : `safety.maxPercent allows ${limits.maxPercent} % of ${base.users} ${base.words} = ${limit}`;
  return {
    ok: false,
    guard: `safety.${guard}`,
    count,
    limit,
    message: `the plan changes ${count} users; ${rule}. Narrow the policy or raise the limit in the config.`,
  };
}

/** What the guard needs to know about a scan. */
export interface ScanFacts {
  readonly id: string;
  readonly status: 'running' | 'complete' | 'incomplete';
  readonly userCount: number;
  readonly error: string | null;
}

/** Blocks acting on a scan that is incomplete, empty, or much smaller than the last good one. */
export function checkScanSanity(scan: ScanFacts, lastGood: ScanFacts | null, limits: Pick<SafetyLimits, 'maxShrinkPercent'>): GuardVerdict {
  if (scan.status !== 'complete') {
    return {
      ok: false,
      guard: 'scan.incomplete',
      count: scan.userCount,
      limit: 0,
      message: `scan ${scan.id} is incomplete (${scan.error ?? 'it did not finish'}); nothing is acted on. Run the scan again.`,
    };
  }
  if (scan.userCount === 0) {
    return { ok: false, guard: 'scan.empty', count: 0, limit: 1, message: `scan ${scan.id} read no users; nothing is acted on.` };
  }
  if (lastGood !== null && lastGood.id !== scan.id && lastGood.userCount > 0) {
    const shrink = ((lastGood.userCount - scan.userCount) * 100) / lastGood.userCount;
    if (shrink > limits.maxShrinkPercent) {
      const floor = Math.ceil((lastGood.userCount * (100 - limits.maxShrinkPercent)) / 100);
      return {
        ok: false,
        guard: 'safety.maxShrinkPercent',
        count: scan.userCount,
        limit: floor,
        message:
          `scan ${scan.id} read ${scan.userCount} users, ${shrink.toFixed(1)} % fewer than scan ${lastGood.id} (${lastGood.userCount}); ` +
          `safety.maxShrinkPercent allows ${limits.maxShrinkPercent} %. Check the instance and its directories before acting.`,
      };
    }
  }
  return { ok: true };
}
