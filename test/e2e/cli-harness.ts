/** Runs the real `seatkeeper` CLI as a child process against an emulated Confluence, for end-to-end tests. */

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { generateOrganisation } from '../../src/emulators/confluence-dc/org-generator.ts';
import { startConfluenceEmulator, type ConfluenceEmulatorOptions, type RunningConfluenceEmulator } from '../../src/emulators/confluence-dc/confluence-emulator.ts';

const BIN = fileURLToPath(new URL('../../bin/seatkeeper.mjs', import.meta.url));
export const NOW = new Date();

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `seatkeeper ...args` and collects its output. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, SEATKEEPER_FROM_SOURCE: '1', ...env }, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (stdin !== undefined) child.stdin?.end(stdin);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A config in the shape of shared/DESIGN.md, pointed at an emulator, with overridable policy and safety parts. */
export function writeConfig(input: {
  dir: string;
  emulator: RunningConfluenceEmulator;
  token?: string;
  url?: string;
  policy?: string;
  safety?: string;
  extraInstance?: string;
  /** A Confluence database URL: last logins and directories are read from it (lastLogin: database). */
  database?: string;
}): string {
  const file = join(input.dir, 'seatkeeper.yaml');
  const policy =
    input.policy ??
    `    select: { inactiveDays: 180, neverLoggedInDays: 30 }
    exclude: { users: [svc-backup], groups: [] }
    actions: { removeGroups: license, addGroups: [confluence-inactive-users] }`;
  writeFileSync(
    file,
    `store: sqlite:${join(input.dir, 'seatkeeper.db')}
instances:
  wiki:
    product: confluence-dc
    url: ${input.url ?? input.emulator.url}
    auth: { token: \${WIKI_TOKEN} }
    concurrency: 4
${input.database ? `    lastLogin: database\n    database: ${input.database}\n` : ''}${input.extraInstance ?? ''}
policies:
  inactive-users:
    instance: wiki
${policy}
safety: ${input.safety ?? '{ maxActions: 500, maxPercent: 20 }'}
`,
  );
  return file;
}

/** A fresh temp folder, emulator and token for one test. */
export async function setup(
  options: { users?: number; seed?: number; ldapShare?: number } & Omit<Partial<ConfluenceEmulatorOptions>, 'org'> = {},
): Promise<{ dir: string; emulator: RunningConfluenceEmulator; env: NodeJS.ProcessEnv }> {
  const org = generateOrganisation({ seed: options.seed ?? 7, users: options.users ?? 300, now: NOW, ldapShare: options.ldapShare ?? 0.7 });
  const emulator = await startConfluenceEmulator({ ...options, org });
  const dir = mkdtempSync(join(tmpdir(), 'sk-e2e-'));
  return { dir, emulator, env: { WIKI_TOKEN: emulator.credentials.admin.token } };
}

/** A loopback port nothing listens on: bound to an ephemeral port, then released. */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

/** Rows in the `scans` table of the SQLite store `writeConfig` puts in `dir`; 0 when the store was never created. */
export function scanRowCount(dir: string): number {
  const file = join(dir, 'seatkeeper.db');
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('select count(*) as n from scans').get() as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}
