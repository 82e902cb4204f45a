/** The version of Seatkeeper, read from its package.json, for `seatkeeper --version` and the API's OpenAPI document. */

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { packageFilePath } from './package-files.ts';

const packageSchema = z.object({ version: z.string().min(1) });

/** The `version` field of Seatkeeper's package.json (the same file npm reads), from src/ and from the build alike. */
export function packageVersion(): string {
  const text = readFileSync(packageFilePath('package.json'), 'utf8');
  return packageSchema.parse(JSON.parse(text)).version;
}
