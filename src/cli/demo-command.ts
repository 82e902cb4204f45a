/**
 * `seatkeeper demo`: an emulated Confluence Data Center with a generated organisation, a ready config file pointing at
 * it, a scan and a plan on the embedded SQLite store; then the emulator keeps running for the user to go on with.
 */

import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { once } from 'node:events';
import type { Output } from './command-context.ts';
import { generateOrganisation } from '../emulators/confluence-dc/org-generator.ts';
import { startConfluenceEmulator, type RunningConfluenceEmulator } from '../emulators/confluence-dc/confluence-emulator.ts';
import { EXIT } from './exit-codes.ts';
import { openStore } from '../store/store-database.ts';
import { InvalidInput } from '../domain/errors.ts';
import type { Store } from '../app/store-port.ts';

/** How the demo's hints and the commands it runs name the CLI: a checkout has no `seatkeeper` on its PATH. */
const DEMO_CLI = 'npx seatkeeper';

export interface DemoOptions {
  readonly users: number;
  readonly dir: string;
  readonly port: number;
  readonly exit: boolean;
}

/** The config the demo writes: the DESIGN.md shape, pointed at the emulator. */
export function demoConfig(input: { url: string; token: string; store: string }): string {
  return `# Written by \`seatkeeper demo\`: an emulated Confluence Data Center 10.2 on loopback.
store: sqlite:${input.store}

instances:
  demo:
    product: confluence-dc
    url: ${input.url}
    auth: { token: ${input.token} }
    licenseGroups: auto
    lastLogin: rest
    concurrency: 4

policies:
  inactive-users:
    instance: demo
    select:
      inactiveDays: 180
      neverLoggedInDays: 30
    exclude: { users: [svc-backup], groups: [] }
    actions:
      removeGroups: license
      addGroups: [confluence-inactive-users]
      deactivate: false
    schedule: "0 3 * * *"

safety: { maxActions: 500, maxPercent: 20 }
`;
}

async function startOn(port: number, users: number): Promise<RunningConfluenceEmulator> {
  const org = generateOrganisation({ seed: 42, users, now: new Date() });
  try {
    return await startConfluenceEmulator({ org, version: '10.2', port });
  } catch (error) {
    // The preferred port is taken (another demo?): any free port will do, the config names it.
    if (port !== 0 && error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      return startConfluenceEmulator({ org, version: '10.2', port: 0 });
    }
    throw error;
  }
}

/**
 * Makes way for a fresh demo store in `dir`. A store that holds runs is never deleted: its journal is the only way to
 * undo what those runs changed in an emulator that may still be running (another `npm run demo`). Scans and plans
 * alone are the previous demo's and go.
 */
export async function clearDemoStore(dir: string): Promise<void> {
  const file = join(dir, 'seatkeeper.db');
  if (existsSync(file)) {
    const runs = await runsIn(file);
    if (runs !== 0) {
      const held = runs === null ? 'is not a store the demo can read' : `holds ${runs} run${runs === 1 ? '' : 's'} whose journal undo needs`;
      throw new InvalidInput(`the demo will not delete ${file}: it ${held}`, [
        'pass --dir with a new folder for this demo (e.g. --dir .demo-2)',
        `or, once nothing in it is needed (undo its runs first: ${DEMO_CLI} --config ${join(dir, 'seatkeeper.yaml')} runs), delete ${dir} yourself`,
      ]);
    }
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `seatkeeper.db${suffix}`), { force: true });
}

/** How many runs the store holds; null when it cannot be opened as a Seatkeeper store. */
async function runsIn(file: string): Promise<number | null> {
  let store: Store;
  try {
    store = await openStore(`sqlite:${file}`);
  } catch {
    return null;
  }
  try {
    return (await store.journal.listRuns()).length;
  } finally {
    await store.close();
  }
}

/** Runs one CLI command line (main.ts passes itself, so the demo plans through the same front door as a user). */
export type CliEntry = (argv: readonly string[], output: Output, options: { cliName: string }) => Promise<number>;

export async function demoCommand(options: DemoOptions, output: Output, main: CliEntry): Promise<number> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  await clearDemoStore(dir);
  const emulator = await startOn(options.port, options.users);
  const configFile = join(dir, 'seatkeeper.yaml');
  // The config carries the emulator's admin token: readable by its owner only, like any file holding a secret.
  writeFileSync(configFile, demoConfig({ url: emulator.url, token: emulator.credentials.admin.token, store: join(dir, 'seatkeeper.db') }), { mode: 0o600 });
  // `mode` applies only when the file is created: an existing config from an earlier demo is narrowed too.
  chmodSync(configFile, 0o600);
  const say = (text: string) => output.out.write(`${text}\n`);
  say(`Emulated Confluence Data Center ${emulator.version} with ${options.users} generated users at ${emulator.url}`);
  say(`Config written to ${configFile}\n`);

  const code = await main(['--config', configFile, 'plan', '--rows', '10'], output, { cliName: DEMO_CLI });
  const cli = `${DEMO_CLI} --config ${configFile}`;
  say('');
  say(options.exit ? 'Run `npm run demo` without --exit to keep the emulator running, then go on with:' : 'Go on from here while the emulator runs:');
  say(`  ${cli} users --inactive-days 180 --licensed`);
  say(`  ${cli} users --csv inactive.csv --inactive-days 180`);
  say(`  ${cli} plan`);
  say(`  ${cli} apply --plan <the plan id printed above>`);
  if (options.exit) {
    await emulator.close();
    return code === EXIT.guard ? EXIT.done : code;
  }
  say(`\nEmulator listening at ${emulator.url} — press Ctrl-C to stop.`);
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  await emulator.close();
  return EXIT.done;
}
