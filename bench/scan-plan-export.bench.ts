/**
 * `npm run bench`: for each size (100,000 and 200,000 users by default), an emulated Confluence DC 10.2 in a process of
 * its own, then the commands an administrator runs, each in its own process: `seatkeeper scan`,
 * `seatkeeper plan --no-scan`, `seatkeeper users --csv`. Reports wall time and peak RSS per command, HTTP requests
 * against the fewest the page caps allow, the scan's wall time as a ratio to a raw-fetch baseline (the same pages at
 * the same concurrency, JSON parsing only), and the time the domain takes to evaluate the policy (the plan target).
 * Then three emulated instances of 100,000 users each (the second argument; 0 skips it) scanned by one `seatkeeper scan`
 * without --instance, all three at once (runs.parallelInstances: 3).
 * Runs the compiled build (dist/), as a production install would. Usage: npm run bench [-- SIZES [MULTI]], e.g.
 * `-- 50000,100000 0`.
 */

import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../src/store/store-database.ts';
import { evaluatePolicies } from '../src/domain/planner.ts';

const SIZES = (process.argv[2] ?? '100000,200000').split(',').map(Number);
const MULTI = Number(process.argv[3] ?? 100_000);
const MULTI_INSTANCES = 3;
const CONCURRENCY = 4;
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

/** Runs a script in its own process and returns what it measured of itself (a `{"measured": …}` line on stderr). */
function measureScript(name: string, args: readonly string[], flags: readonly string[]): Promise<Measured & { stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...execArgv, ...flags, script(name), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const line = stderr.split('\n').find((l) => l.startsWith('{"measured"'));
      if (line === undefined) return reject(new Error(`${name} ${args.join(' ')} reported nothing:\n${stderr}`));
      const { measured } = JSON.parse(line) as { measured: Measured };
      if (measured.code !== 0) return reject(new Error(`${name} ${args.join(' ')} exited ${measured.code}:\n${stdout}\n${stderr}`));
      resolve({ ...measured, stdout });
    });
  });
}

/** One `seatkeeper` command, as an administrator runs it. */
const measure = (args: readonly string[]) => measureScript('measured-cli', args, heapFlag);

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const round = (n: number) => Number(n.toFixed(2));

interface Emulated {
  readonly process: ChildProcess;
  readonly url: string;
  readonly token: string;
  readonly users: number;
  readonly memberships: number;
  readonly groups: number;
}

async function startEmulator(users: number): Promise<Emulated> {
  const emulator = fork(script('emulator-process'), [String(users)], { execArgv: [...execArgv, '--max-old-space-size=8192'] });
  const ready = await ask<Omit<Emulated, 'process'>>(emulator, 'ready');
  return { ...ready, process: emulator };
}

async function benchConfluence(users: number) {
  const ready = await startEmulator(users);
  const emulator = ready.process;
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
    concurrency: ${CONCURRENCY}
policies:
  inactive-users:
    instance: bench
    select: { inactiveDays: 90, neverLoggedInDays: 30 }
    exclude: { users: [svc-backup] }
    actions: { removeGroups: license, addGroups: [confluence-inactive-users] }
safety: { maxActions: 1000000, maxPercent: 100 }
`,
    { mode: 0o600 },
  );

  const scan = await measure(['--config', config, 'scan']);
  const stats = await ask<{ requests: number; minimum: number; reads: string[] }>(emulator, 'stats');
  const origin = new URL(ready.url).origin;
  const readsFile = join(dir, 'reads.json');
  writeFileSync(readsFile, JSON.stringify({ origin, token: ready.token, concurrency: CONCURRENCY, paths: stats.reads }));
  const baseline = await measureScript('raw-fetch-baseline', [readsFile], []);
  const plan = await measure(['--config', config, 'plan', '--no-scan', '--rows', '0']);
  const csvFile = join(dir, 'users.csv');
  const csv = await measure(['--config', config, 'users', '--csv', csvFile]);
  const csvBytes = statSync(csvFile).size;

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
    // A copy each time: the licence model is kept per snapshot object, and the target includes building it.
    rows = evaluatePolicies({ snapshot: { ...snapshot }, policies: [policy], protection: { users: [], groups: [] }, now: new Date() }).rows.length;
    evaluations.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  await store.close();
  emulator.send({ kind: 'stop' });
  rmSync(dir, { recursive: true, force: true });

  return {
    product: 'confluence-dc',
    users: ready.users,
    memberships: ready.memberships,
    groups: ready.groups,
    scan: { seconds: round(scan.seconds), peakRssMb: mb(scan.maxRssBytes) },
    requests: { made: stats.requests, minimum: stats.minimum, ratio: round(stats.requests / stats.minimum) },
    rawFetch: { seconds: round(baseline.seconds), requests: stats.reads.length, scanRatio: round(scan.seconds / baseline.seconds) },
    planCommand: { seconds: round(plan.seconds), peakRssMb: mb(plan.maxRssBytes) },
    planEvaluation: { seconds: round(Math.min(...evaluations)), rows },
    csvCommand: {
      seconds: round(csv.seconds),
      peakRssMb: mb(csv.maxRssBytes),
      rows: Number(/^(\d+) users from scan/m.exec(csv.stdout)?.[1] ?? Number.NaN),
      megabytes: mb(csvBytes),
    },
  };
}

/** Several instances in one config, scanned by one `seatkeeper scan` with no --instance, all at once. */
async function benchInstancesAtOnce(users: number, count: number) {
  const emulators: Emulated[] = [];
  // One after another: each generates its organisation on the same cores.
  for (let i = 0; i < count; i += 1) emulators.push(await startEmulator(users));
  const dir = mkdtempSync(join(tmpdir(), 'sk-bench-'));
  const config = join(dir, 'seatkeeper.yaml');
  const instances = emulators
    .map((e, i) => `  bench${i + 1}:\n    product: confluence-dc\n    url: ${e.url}\n    auth: { token: ${e.token} }\n    concurrency: ${CONCURRENCY}\n`)
    .join('');
  writeFileSync(config, `store: sqlite:${join(dir, 'seatkeeper.db')}\nruns: { parallelInstances: ${count} }\ninstances:\n${instances}`, { mode: 0o600 });
  const scan = await measure(['--config', config, 'scan']);
  let requests = 0;
  let minimum = 0;
  for (const e of emulators) {
    const stats = await ask<{ requests: number; minimum: number }>(e.process, 'stats');
    requests += stats.requests;
    minimum += stats.minimum;
    e.process.send({ kind: 'stop' });
  }
  rmSync(dir, { recursive: true, force: true });
  return {
    instances: count,
    usersEach: emulators[0]?.users ?? 0,
    membershipsEach: emulators[0]?.memberships ?? 0,
    scan: { seconds: round(scan.seconds), peakRssMb: mb(scan.maxRssBytes) },
    requests: { made: requests, minimum, ratio: round(requests / minimum) },
  };
}

const results = [];
for (const users of SIZES) {
  const result = await benchConfluence(users);
  results.push(result);
  console.log(JSON.stringify(result, null, 2));
}
console.log(`heap limit: ${process.env.BENCH_HEAP_MB ?? 'node default'}`);
for (const r of results) {
  console.log(
    `${r.product} ${r.users} users, ${r.memberships} memberships:\n` +
      `  scan ${r.scan.seconds} s, peak RSS ${r.scan.peakRssMb} MB · requests ${r.requests.made} vs minimum ${r.requests.minimum} (×${r.requests.ratio})\n` +
      `  raw-fetch baseline ${r.rawFetch.seconds} s for ${r.rawFetch.requests} GETs → scan/raw ×${r.rawFetch.scanRatio} (target ≤ 1.3)\n` +
      `  plan evaluation ${r.planEvaluation.seconds} s (${r.planEvaluation.rows} rows); \`plan --no-scan\` ${r.planCommand.seconds} s, peak RSS ${r.planCommand.peakRssMb} MB\n` +
      `  \`users --csv\` ${r.csvCommand.seconds} s (${r.csvCommand.rows} rows, ${r.csvCommand.megabytes} MB), peak RSS ${r.csvCommand.peakRssMb} MB`,
  );
}
if (MULTI > 0) {
  const multi = await benchInstancesAtOnce(MULTI, MULTI_INSTANCES);
  console.log(JSON.stringify(multi, null, 2));
  console.log(
    `${multi.instances} confluence-dc instances of ${multi.usersEach} users (${multi.membershipsEach} memberships each), one \`seatkeeper scan\`, ${multi.instances} at once:\n` +
      `  scan ${multi.scan.seconds} s, peak RSS ${multi.scan.peakRssMb} MB · requests ${multi.requests.made} vs minimum ${multi.requests.minimum} (×${multi.requests.ratio})`,
  );
}
