/**
 * Who is running Seatkeeper, for the records an approval rests on: `--as NAME`, else SEATKEEPER_ACTOR, else the OS
 * user. Read here because config/ is the one place that reads process.env.
 */

import { userInfo } from 'node:os';
import { InvalidInput } from '../domain/errors.ts';

/** The acting admin's name; never empty. */
export function resolveActor(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined) {
    const name = explicit.trim();
    if (name === '') throw new InvalidInput('--as needs a name', ['pass the admin name, e.g. --as alice']);
    return name;
  }
  const fromEnv = env.SEATKEEPER_ACTOR?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  try {
    return userInfo().username;
  } catch {
    // A container user without a passwd entry has no name; its uid still tells two such users apart.
    return `uid-${process.getuid?.() ?? 'unknown'}`;
  }
}
