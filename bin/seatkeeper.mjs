#!/usr/bin/env node
// Runs the compiled CLI (dist/, made by `npm run build`). SEATKEEPER_FROM_SOURCE=1 runs the TypeScript sources through
// tsx instead: for development and the end-to-end tests, never in production (tsx is a devDependency).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
let main;
if (process.env.SEATKEEPER_FROM_SOURCE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
} else if (existsSync(compiled)) {
  ({ main } = await import(compiled.href));
} else {
  const checkout = existsSync(new URL('../.git', import.meta.url));
  process.stderr.write(
    `seatkeeper is not built: ${fileURLToPath(compiled)} is missing.\n` +
      (checkout ? 'Run `npm run build` in this checkout first (after `npm ci`).\n' : 'Reinstall the package: its build is missing.\n'),
  );
  process.exit(2);
}
process.exitCode = await main(process.argv.slice(2));
