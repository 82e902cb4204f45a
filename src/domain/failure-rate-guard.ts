/**
 * The run-level brake: when too many steps fail, Confluence or the plan is wrong, and going on only burns attempts.
 * It judges the whole run, steps settled before a resume included, and the latest steps sent, so a run that went well
 * for hours still stops soon once every step starts failing.
 */

/** The share of failed steps above which a run stops, the steps needed before it may judge, and the recent window. */
export interface FailureRateLimit {
  readonly maxShare: number;
  readonly minSteps: number;
  /** How many of the latest sent steps are judged on their own. */
  readonly window: number;
}

/** More than 40 % failed, judged once at least 10 steps were tried (the figures), over the run and the last 100. */
export const DEFAULT_FAILURE_RATE: FailureRateLimit = { maxShare: 0.4, minSteps: 10, window: 100 };

/** True when enough steps were tried (done or failed) and more than `maxShare` of them failed. */
export function failureRateTripped(failed: number, tried: number, limit: FailureRateLimit = DEFAULT_FAILURE_RATE): boolean {
  return tried >= limit.minSteps && failed > limit.maxShare * tried;
}

/** Counts a run's sent steps and says, once, why the run must stop. */
export class FailureRateBrake {
  readonly #limit: FailureRateLimit;
  #tried: number;
  #failed: number;
  /** The latest outcomes, true for failed, at most `window` long. */
  readonly #recent: boolean[] = [];
  #recentFailed = 0;

  /** `earlier`: the run's steps already settled for good before this attempt (a resume), counted in the whole-run share. */
  constructor(limit: FailureRateLimit = DEFAULT_FAILURE_RATE, earlier: { tried: number; failed: number } = { tried: 0, failed: 0 }) {
    this.#limit = limit;
    this.#tried = earlier.tried;
    this.#failed = earlier.failed;
  }

  /** Records a step that was sent (or had to be); returns the reason to stop, or null to go on. */
  record(failed: boolean): string | null {
    this.#tried += 1;
    if (failed) this.#failed += 1;
    this.#recent.push(failed);
    if (failed) this.#recentFailed += 1;
    if (this.#recent.length > this.#limit.window && this.#recent.shift() === true) this.#recentFailed -= 1;
    const percent = `more than ${Math.round(this.#limit.maxShare * 100)} %`;
    if (failureRateTripped(this.#failed, this.#tried, this.#limit)) return `${this.#failed} of ${this.#tried} steps sent in this run failed, ${percent}`;
    if (failureRateTripped(this.#recentFailed, this.#recent.length, this.#limit)) {
      return `${this.#recentFailed} of the last ${this.#recent.length} steps sent failed, ${percent}`;
    }
    return null;
  }
}
