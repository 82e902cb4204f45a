/**
 * `npm run bench`: 100,000 users (~250,000 memberships) in the emulator, then the commands an administrator runs, each
 * in its own process as it would be run: `seatkeeper scan`, `seatkeeper plan --no-scan`, `seatkeeper users --csv`.
 * Reports wall time and peak RSS per command, HTTP requests against the fewest the page caps allow, and the time the
 * domain takes to evaluate the policy over the 100k users (the plan target).
 * Runs the compiled build (dist/), as a production install would: TypeScript through tsx adds a loader thread and
 * about 95 MB of RSS that a deployment does not carry. Usage: npm run bench [-- USERS]
 */

import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../src/store/store-database.ts';
import { evaluatePolicies } from '../src/domain/planner.ts';

const USERS = Number(process.argv[2] ?? 100_000);
const compiled = import.meta.url.endsWith('.js');
const script = (name: string) => fileURLToPath(new URL(`./${name}.${compiled ? 'js' : 'ts'}`, import.meta.url));
const execArgv = compiled ? [] : ['--import', 'tsx'];
// BENCH_HEAP_MB=256 runs the measured Seatkeeper commands (not the emulator) with that V8 old-space limit, as an
// operator would through NODE_OPTIONS, to show how much of the peak RSS is V8 heap growth rather than live data.
const heapFlag = process.env.BENCH_HEAP_MB ? [`--max-old-space-size=${process.env.BENCH_HEAP_MB}`] : [];

function ask<T>(child: ChildProcess, kind: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: T & { kind: string }) => {
      if (message.kind === kind) {
        child.off('message', onMessage);
        resolve(message);
      }
    };
    child.on('message', onMessage);
    if (kind !== 'ready') child.send({ kind });
  });
}

interface Measured {
  code: number;
  seconds: number;
  maxRssBytes: number;
}

/** Runs one CLI command in its own process and returns what it measured of itself. */
function measure(args: readonly string[]): Promise<Measured & { stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...execArgv, ...heapFlag, script('measured-cli'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const line = stderr.split('\n').find((l) => l.startsWith('{"measured"'));
      if (line === undefined) return reject(new Error(`seatkeeper ${args.join(' ')} reported nothing:\n${stderr}`));
      const { measured } = JSON.parse(line) as { measured: Measured };
      if (measured.code !== 0) return reject(new Error(`seatkeeper ${args.join(' ')} exited ${measured.code}:\n${stdout}\n${stderr}`));
      resolve({ ...measured, stdout });
    });
  });
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const round = (n: number) => Number(n.toFixed(2));

const emulator = fork(script('emulator-process'), [String(USERS)], { execArgv: [...execArgv, '--max-old-space-size=8192'] });
const ready = await ask<{ url: string; token: string; users: number; memberships: number; groups: number }>(emulator, 'ready');
const dir = mkdtempSync(join(tmpdir(), 'sk-bench-'));
const config = join(dir, 'seatkeeper.yaml');
writeFileSync(
  config,
  `store: sqlite:${join(dir, 'seatkeeper.db')}
instances:
  bench:
    product: confluence-dc
    url: ${ready.url}
    auth: { token: ${ready.token} }
    concurrency: 4
policies:
  inactive-users:
    instance: bench
    select: { inactiveDays: 90, neverLoggedInDays: 30 }
    exclude: { users: [svc-backup] }
    actions: { removeGroups: license, addGroups: [confluence-inactive-users] }
safety: { maxActions: 1000000, maxPercent: 100 }
`,
);

const scan = await measure(['--config', config, 'scan']);
const stats = await ask<{ requests: number; minimum: number }>(emulator, 'stats');
const plan = await measure(['--config', config, 'plan', '--no-scan', '--rows', '0']);
const csvFile = join(dir, 'users.csv');
const csv = await measure(['--config', config, 'users', '--csv', csvFile]);

// The plan target is the domain's evaluation of the policy over every user of a loaded scan.
const store = await openStore(`sqlite:${join(dir, 'seatkeeper.db')}`);
const latest = await store.scans.latest('bench');
const snapshot = await store.scans.loadSnapshot(latest?.id ?? '');
const policy = {
  id: 'inactive-users',
  instance: 'bench',
  select: { inactiveDays: 90, neverLoggedInDays: 30, directories: [], group: null },
  exclude: { users: ['svc-backup'], groups: [] },
  actions: { removeGroups: 'license' as const, addGroups: ['confluence-inactive-users'], deactivate: false, rename: null },
};
const evaluations: number[] = [];
let rows = 0;
for (let i = 0; i < 3; i += 1) {
  const start = process.hrtime.bigint();
  rows = evaluatePolicies({ snapshot, policies: [policy], protection: { users: [], groups: [] }, now: new Date() }).rows.length;
  evaluations.push(Number(process.hrtime.bigint() - start) / 1e9);
}
await store.close();

const result = {
  heapLimitMb: process.env.BENCH_HEAP_MB ?? 'node default',
  users: ready.users,
  memberships: ready.memberships,
  groups: ready.groups,
  scan: { seconds: round(scan.seconds), peakRssMb: mb(scan.maxRssBytes) },
  requests: { made: stats.requests, minimum: stats.minimum, ratio: round(stats.requests / stats.minimum) },
  planCommand: { seconds: round(plan.seconds), peakRssMb: mb(plan.maxRssBytes) },
  planEvaluation: { seconds: round(Math.min(...evaluations)), rows },
  csvCommand: {
    seconds: round(csv.seconds),
    peakRssMb: mb(csv.maxRssBytes),
    rows: Number(/^(\d+) users from scan/m.exec(csv.stdout)?.[1] ?? Number.NaN),
    megabytes: mb(statSync(csvFile).size),
  },
};
console.log(JSON.stringify(result, null, 2));
console.log(
  `scan ${result.scan.seconds} s (target ≤ 30), peak RSS ${result.scan.peakRssMb} MB (≤ 400) · requests ${stats.requests} vs minimum ${stats.minimum} (×${result.requests.ratio}, ≤ 1.1)\n` +
    `plan: evaluation ${result.planEvaluation.seconds} s (≤ 1); the whole \`plan --no-scan\` command ${result.planCommand.seconds} s, peak RSS ${result.planCommand.peakRssMb} MB\n` +
    `CSV: \`users --csv\` ${result.csvCommand.seconds} s (≤ 3) including reading the scan back, peak RSS ${result.csvCommand.peakRssMb} MB`,
);
emulator.send({ kind: 'stop' });
rmSync(dir, { recursive: true, force: true });
