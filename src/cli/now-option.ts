/**
 * `--now ISO`: runs a rehearsal command as if it were that instant (the clock then runs on from there at real speed, so
 * `serve` keeps time and a run's events stay in order). Hidden from --help because it is for rehearsals and tests — the
 * staged lifecycle over simulated days — not daily use, and it needs SEATKEEPER_REHEARSAL=1: what a command writes at
 * a simulated instant must never be taken for what happened (future-dated scans once blocked every real apply after
 * them). Give each invocation a later instant than the one before: two scans started at the same simulated instant are
 * ordered by milliseconds of real time.
 */

import { offsetClock, systemClock, type Clock } from '../app/clock.ts';
import { InvalidInput } from '../domain/errors.ts';
import { REHEARSAL_VARIABLE } from '../config/rehearsal-switch.ts';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The command's clock: the system clock, or one set to `--now`, which only a rehearsal may use. */
export function clockFor(now: string | undefined, rehearsal: boolean): Clock {
  if (now === undefined) return systemClock;
  if (!rehearsal) {
    throw new InvalidInput('--now is for rehearsals only', [
      `set ${REHEARSAL_VARIABLE}=1 to rehearse: what it writes to the store is then kept apart as rehearsal, and real commands never use it`,
      'rehearse against a staging instance with a store of its own (store: in a separate config), not the production store',
      'or drop --now to run the command for real, at the current time',
    ]);
  }
  // A full instant with its offset: a bare date or local time would mean different instants on different machines.
  const at = new Date(now);
  if (!ISO_INSTANT.test(now) || Number.isNaN(at.getTime())) {
    throw new InvalidInput(`--now ${JSON.stringify(now)} is not an ISO-8601 instant`, ['write it like 2026-03-01T03:00:00Z']);
  }
  return offsetClock(at);
}
