/** The version of Seatkeeper, read from its package.json, for `seatkeeper --version`. */

import { readFileSync } from 'node:fs';
import { z } from 'zod';

const packageSchema = z.object({ version: z.string().min(1) });

/** The `version` field of the package.json beside src/ (the same file npm reads). */
export function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return packageSchema.parse(JSON.parse(text)).version;
}
