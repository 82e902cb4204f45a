/** When a cron schedule runs next, how long its period is, and what to do about a run missed while Seatkeeper was down. */

import { Cron } from 'croner';
import { InvalidInput } from '../domain/errors.ts';

function cron(pattern: string, timeZone: string): Cron {
  try {
    return new Cron(pattern, { timezone: timeZone, paused: true });
  } catch (cause) {
    throw new InvalidInput(`schedule "${pattern}" in ${timeZone} is not a valid cron expression`, [cause instanceof Error ? cause.message : String(cause)], { cause });
  }
}

/** What is wrong with a schedule, for config validation; empty when it is fine. */
export function scheduleProblems(pattern: string, timeZone: string): string[] {
  try {
    const next = cron(pattern, timeZone).nextRun(new Date());
    return next === null ? [`"${pattern}" never runs`] : [];
  } catch (error) {
    return error instanceof InvalidInput ? [...error.problems] : [String(error)];
  }
}

/** The first run strictly after `after`. */
export function nextRunAfter(pattern: string, timeZone: string, after: Date): Date {
  const next = cron(pattern, timeZone).nextRun(after);
  if (next === null) throw new InvalidInput(`schedule "${pattern}" has no run after ${after.toISOString()}`);
  return next;
}

/** What the scheduler does with a run that fell due while it was not running. */
export type MissedRunDecision = { readonly action: 'run' } | { readonly action: 'missed'; readonly lateByMs: number; readonly periodMs: number };

/**
 * A run that is late by less than one period (the gap from the due time to the run after it) runs once now; an older
 * one is recorded as missed, because running yesterday's cleanup on top of today's would act twice on one picture.
 */
export function decideMissedRun(pattern: string, timeZone: string, due: Date, now: Date): MissedRunDecision {
  const periodMs = nextRunAfter(pattern, timeZone, due).getTime() - due.getTime();
  const lateByMs = now.getTime() - due.getTime();
  return lateByMs < periodMs ? { action: 'run' } : { action: 'missed', lateByMs, periodMs };
}
