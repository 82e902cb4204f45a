/**
 * `npm run bench`: for each size (100,000 and 200,000 users by default), an emulated Confluence DC 10.2 in a process of
 * its own, then the commands an administrator runs, each in its own process: `seatkeeper scan`,
 * `seatkeeper plan --no-scan`, `seatkeeper users --csv`. Reports wall time and peak RSS per command, HTTP requests
 * against the fewest the page caps allow, the scan's wall time as a ratio to a raw-fetch baseline (the same pages at
 * the same concurrency, JSON parsing only), and the time the domain takes to evaluate the policy (the plan target).
 * Then three emulated instances of 100,000 users each (the second argument; 0 skips it) scanned by one `seatkeeper scan`
 * without --instance, all three at once (runs.parallelInstances: 3).
 * The same three commands against an emulated Jira DC 10.3 of each size (its own process too), configured as a large
 * Jira is: `lastLogin: database`, reading last logins, memberships and nesting from the Jira database (here the
 * emulator's database mirror in a scratch schema on PostgreSQL, BENCH_JIRA_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test, created and dropped by the run). Over REST alone Jira's last logins take
 * one GET per account, which the connector refuses above 50,000 accounts.
 * Runs the compiled build (dist/), as a production install would. Usage: npm run bench [-- SIZES [MULTI [CASES]]],
 * CASES a comma list of `confluence` and `jira` (default both), e.g. `-- 50000,100000 0` or `-- 100000 0 jira`.
 */

import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openStore } from '../src/store/store-database.ts';
import { evaluatePolicies } from '../src/domain/planner.ts';

const SIZES = (process.argv[2] ?? '100000,200000').split(',').map(Number);
const MULTI = Number(process.argv[3] ?? 100_000);
const CASES = new Set((process.argv[4] ?? 'confluence,jira').split(','));
for (const c of CASES) if (c !== 'confluence' && c !== 'jira') throw new Error(`unknown case ${c}: use confluence and/or jira`);
const JIRA_DATABASE = process.env.BENCH_JIRA_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
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

async function startEmulator(users: number, product: Product = 'confluence-dc', databaseUrl = ''): Promise<Emulated> {
  const name = product === 'jira-dc' ? 'jira-emulator-process' : 'emulator-process';
  const emulator = fork(script(name), [String(users), databaseUrl], { execArgv: [...execArgv, '--max-old-space-size=8192'] });
  // A failed command must not leave the emulator running.
  process.once('exit', () => emulator.kill());
  const ready = await ask<Omit<Emulated, 'process'>>(emulator, 'ready');
  return { ...ready, process: emulator };
}

type Product = 'confluence-dc' | 'jira-dc';

/** A PostgreSQL schema of its own for one Jira run: the URL that points at it, and how to drop it. */
async function scratchSchema(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `sk_bench_${process.pid}_${Date.now()}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE SCHEMA "${name}"`);
  const url = new URL(serverUrl);
  url.searchParams.set('options', `-c search_path=${name}`);
  return { url: url.toString(), drop: () => run(`DROP SCHEMA IF EXISTS "${name}" CASCADE`) };
}

async function benchJira(users: number) {
  const schema = await scratchSchema(JIRA_DATABASE);
  try {
    return await benchInstance(users, 'jira-dc', schema.url);
  } finally {
    await schema.drop();
  }
}

async function benchInstance(users: number, product: Product, databaseUrl = '') {
  const ready = await startEmulator(users, product, databaseUrl);
  const emulator = ready.process;
  const dir = mkdtempSync(join(tmpdir(), 'sk-bench-'));
  const config = join(dir, 'seatkeeper.yaml');
  const jira = product === 'jira-dc';
  const inactiveGroup = jira ? 'jira-inactive-users' : 'confluence-inactive-users';
  writeFileSync(
    config,
    `store: sqlite:${join(dir, 'seatkeeper.db')}
instances:
  bench:
    product: ${product}
    url: ${ready.url}
    auth: { token: ${ready.token} }
    concurrency: ${CONCURRENCY}
${jira ? `    lastLogin: database\n    database: ${JSON.stringify(databaseUrl)}\n` : ''}policies:
  inactive-users:
    instance: bench
    select: { inactiveDays: 90, neverLoggedInDays: 30 }
    exclude: { users: [svc-backup] }
    actions: { removeGroups: license, addGroups: [${inactiveGroup}] }
safety: { maxActions: 1000000, maxPercent: 100${jira ? ', minAdmins: 1' : ''} }
`,
    { mode: 0o600 },
  );

  const scan = await measure(['--config', config, 'scan']);
  const stats = await ask<{ requests: number; minimum: number; reads: string[]; byRoute?: Record<string, number> }>(emulator, 'stats');
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
    actions: { removeGroups: 'license' as const, addGroups: [inactiveGroup], deactivate: false, rename: null },
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
    product,
    lastLogin: jira ? 'database' : 'rest',
    users: ready.users,
    memberships: ready.memberships,
    groups: ready.groups,
    scan: { seconds: round(scan.seconds), peakRssMb: mb(scan.maxRssBytes) },
    requests: { made: stats.requests, minimum: stats.minimum, ratio: round(stats.requests / stats.minimum), byRoute: stats.byRoute },
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
  const cases = [...(CASES.has('confluence') ? [() => benchInstance(users, 'confluence-dc')] : []), ...(CASES.has('jira') ? [() => benchJira(users)] : [])];
  for (const run of cases) {
    const result = await run();
    results.push(result);
    console.log(JSON.stringify(result, null, 2));
  }
}
console.log(`heap limit: ${process.env.BENCH_HEAP_MB ?? 'node default'}`);
for (const r of results) {
  console.log(
    `${r.product} ${r.users} users, ${r.memberships} memberships, last logins from ${r.lastLogin}:\n` +
      `  scan ${r.scan.seconds} s, peak RSS ${r.scan.peakRssMb} MB · requests ${r.requests.made} vs minimum ${r.requests.minimum} (×${r.requests.ratio})\n` +
      `  raw-fetch baseline ${r.rawFetch.seconds} s for ${r.rawFetch.requests} GETs → scan/raw ×${r.rawFetch.scanRatio} (target ≤ 1.3)\n` +
      `  plan evaluation ${r.planEvaluation.seconds} s (${r.planEvaluation.rows} rows); \`plan --no-scan\` ${r.planCommand.seconds} s, peak RSS ${r.planCommand.peakRssMb} MB\n` +
      `  \`users --csv\` ${r.csvCommand.seconds} s (${r.csvCommand.rows} rows, ${r.csvCommand.megabytes} MB), peak RSS ${r.csvCommand.peakRssMb} MB`,
  );
}
if (MULTI > 0 && CASES.has('confluence')) {
  const multi = await benchInstancesAtOnce(MULTI, MULTI_INSTANCES);
  console.log(JSON.stringify(multi, null, 2));
  console.log(
    `${multi.instances} confluence-dc instances of ${multi.usersEach} users (${multi.membershipsEach} memberships each), one \`seatkeeper scan\`, ${multi.instances} at once:\n` +
      `  scan ${multi.scan.seconds} s, peak RSS ${multi.scan.peakRssMb} MB · requests ${multi.requests.made} vs minimum ${multi.requests.minimum} (×${multi.requests.ratio})`,
  );
}
