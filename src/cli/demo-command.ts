/**
 * `seatkeeper demo`: an emulated Confluence Data Center and an emulated Jira Data Center, each with a generated
 * organisation, one config file with both instances and a policy for each, a scan and a plan of both on the embedded
 * SQLite store; then the emulators keep running for the user to go on with.
 */

import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { once } from 'node:events';
import type { Output } from './command-context.ts';
import { generateOrganisation } from '../emulators/confluence-dc/org-generator.ts';
import { startConfluenceEmulator, type RunningConfluenceEmulator } from '../emulators/confluence-dc/confluence-emulator.ts';
import { generateJiraOrganisation, type JiraOrgSeed } from '../emulators/jira-dc/jira-org-generator.ts';
import { startJiraEmulator, type RunningJiraEmulator } from '../emulators/jira-dc/jira-emulator.ts';
import { JIRA_VERSION } from '../emulators/jira-dc/jira-routes.ts';
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

/** The config the demo writes: the DESIGN.md shape, one instance per product, each with its policy. */
export function demoConfig(input: {
  url: string;
  token: string;
  store: string;
  jira: { url: string; token: string };
}): string {
  return `# Written by \`seatkeeper demo\`: an emulated Confluence Data Center 10.2 and Jira Data Center ${JIRA_VERSION.version} on loopback.
store: sqlite:${input.store}

instances:
  demo:
    product: confluence-dc
    url: ${input.url}
    auth: { token: ${input.token} }
    licenseGroups: auto
    lastLogin: rest
    concurrency: 4
  jira:
    product: jira-dc
    url: ${input.jira.url}
    auth: { token: ${input.jira.token} }
    # Jira's REST listing has no last login: it is read once per user (lastLogin: database reads it in one query).
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
  jira-inactive:
    instance: jira
    select:
      inactiveDays: 180
      neverLoggedInDays: 30
    exclude: { users: [svc-backup], groups: [] }
    actions:
      removeGroups: license
      addGroups: [jira-inactive-users]
      deactivate: false
    schedule: "30 3 * * *"

safety: { maxActions: 500, maxPercent: 20 }
`;
}

/** Starts on the preferred port, or on any free one when it is taken (another demo?): the config names the port. */
async function onPort<T>(port: number, start: (port: number) => Promise<T>): Promise<T> {
  try {
    return await start(port);
  } catch (error) {
    if (port !== 0 && error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') return start(0);
    throw error;
  }
}

function startConfluence(port: number, users: number): Promise<RunningConfluenceEmulator> {
  const org = generateOrganisation({ seed: 42, users, now: new Date() });
  return onPort(port, (p) => startConfluenceEmulator({ org, version: '10.2', port: p }));
}

function startJira(port: number, users: number): Promise<RunningJiraEmulator> {
  const org = withSecondAdministrator(generateJiraOrganisation({ seed: 42, users, now: new Date() }));
  return onPort(port, (p) => startJiraEmulator({ org, port: p }));
}

/**
 * The generated Jira has one administrator; safety.minAdmins (2 by default) refuses every plan on an instance with
 * fewer, so the demo makes a recently active internal person the second, as a real instance would have one.
 */
function withSecondAdministrator(org: JiraOrgSeed): JiraOrgSeed {
  const admins = new Set(org.memberships.filter((m) => m.group === 'jira-administrators').map((m) => m.username));
  const weekAgo = org.generatedAt.getTime() - 7 * 86_400_000;
  const second = org.users.find((u) => u.role === 'person' && u.active && !admins.has(u.username) && u.lastLogin !== null && u.lastLogin.getTime() > weekAgo);
  if (second === undefined || admins.size >= 2) return org;
  return { ...org, memberships: [...org.memberships, { group: 'jira-administrators', username: second.username }] };
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
  const emulator = await startConfluence(options.port, options.users);
  let jira: RunningJiraEmulator;
  try {
    jira = await startJira(options.port === 0 ? 0 : options.port + 1, options.users);
  } catch (error) {
    await emulator.close();
    throw error;
  }
  const stop = async (): Promise<void> => {
    await Promise.all([emulator.close(), jira.close()]);
  };
  const configFile = join(dir, 'seatkeeper.yaml');
  const config = demoConfig({
    url: emulator.url,
    token: emulator.credentials.admin.token,
    store: join(dir, 'seatkeeper.db'),
    jira: { url: jira.url, token: jira.credentials.admin.token },
  });
  // The config carries the emulators' admin tokens: readable by its owner only, like any file holding a secret.
  writeFileSync(configFile, config, { mode: 0o600 });
  // `mode` applies only when the file is created: an existing config from an earlier demo is narrowed too.
  chmodSync(configFile, 0o600);
  const say = (text: string) => output.out.write(`${text}\n`);
  say(`Emulated Confluence Data Center ${emulator.version} with ${options.users} generated users at ${emulator.url}`);
  say(`Emulated Jira Data Center ${JIRA_VERSION.version} with ${options.users} generated users at ${jira.url}`);
  say(`Config written to ${configFile}\n`);

  // No --instance: every instance of the config is scanned and planned, Confluence's and Jira's.
  const code = await main(['--config', configFile, 'plan', '--rows', '10'], output, { cliName: DEMO_CLI });
  const cli = `${DEMO_CLI} --config ${configFile}`;
  say('');
  say(options.exit ? 'Run `npm run demo` without --exit to keep the emulators running, then go on with:' : 'Go on from here while the emulators run:');
  say(`  ${cli} users --instance demo --inactive-days 180 --licensed`);
  say(`  ${cli} users --instance jira --csv inactive-jira.csv --inactive-days 180`);
  say(`  ${cli} plan --instance jira`);
  say(`  ${cli} apply --plan <a plan id printed above>`);
  if (options.exit) {
    await stop();
    return code === EXIT.guard ? EXIT.done : code;
  }
  say(`\nEmulators listening at ${emulator.url} and ${jira.url} — press Ctrl-C to stop.`);
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  await stop();
  return EXIT.done;
}
