/** The run-level brake: when too many steps fail, Confluence or the plan is wrong, and going on only burns attempts. */

/** The share of failed steps above which a run stops, and the number of steps it needs before it may judge. */
export interface FailureRateLimit {
  readonly maxShare: number;
  readonly minSteps: number;
}

/** More than 40 % failed, judged once at least 10 steps were tried (the figures). */
export const DEFAULT_FAILURE_RATE: FailureRateLimit = { maxShare: 0.4, minSteps: 10 };

/** True when the run must stop: enough steps tried (done or failed) and more than `maxShare` of them failed. */
export function failureRateTripped(failed: number, tried: number, limit: FailureRateLimit = DEFAULT_FAILURE_RATE): boolean {
  return tried >= limit.minSteps && failed > limit.maxShare * tried;
}
