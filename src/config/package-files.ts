/**
 * Files shipped beside the code (package.json, templates/), found from the package root: the nearest folder above
 * this module with Seatkeeper's package.json. The same code runs from src/ (tsx in development) and from
 * dist/src/ (the build), whose distance to the root differs.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folders above a module that the search looks at, more than any layout here needs. */
const MAX_LEVELS = 6;

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let level = 0; level < MAX_LEVELS; level += 1) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && /"name"\s*:\s*"seatkeeper"/.test(readFileSync(file, 'utf8'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`no package.json of seatkeeper above ${fileURLToPath(import.meta.url)}`);
}

let root: string | null = null;

/** The absolute path of a file given relative to the package root, e.g. `templates/notice.txt`. */
export function packageFilePath(relative: string): string {
  root ??= findRoot();
  return join(root, relative);
}
