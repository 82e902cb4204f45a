/**
 * SEATKEEPER_REHEARSAL=1 makes a command a rehearsal: it may run at a simulated instant (`--now`) and reads and writes
 * only rehearsal scans, plans and runs. Read here because config/ is the one place that reads process.env.
 */

import { InvalidInput } from '../domain/errors.ts';

/** The environment variable that turns rehearsal on. */
export const REHEARSAL_VARIABLE = 'SEATKEEPER_REHEARSAL';

/** Whether this process rehearses: `1` yes, unset, empty or `0` no; any other value is a typo and refused. */
export function readRehearsalSwitch(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[REHEARSAL_VARIABLE]?.trim();
  if (value === undefined || value === '' || value === '0') return false;
  if (value === '1') return true;
  // A guess either way is wrong: "true" taken as no would write rehearsal data as real, "no" taken as yes the opposite.
  throw new InvalidInput(`${REHEARSAL_VARIABLE}=${JSON.stringify(value).slice(0, 40)} is not understood`, [
    `set ${REHEARSAL_VARIABLE}=1 to rehearse, or leave it unset (or 0) for real commands`,
  ]);
}
