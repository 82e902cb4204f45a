/**
 * `npm run bench`: scan of 100,000 users (~250,000 memberships) from the emulator over loopback into SQLite, then
 * plan, then the CSV export. Prints wall times, peak RSS and HTTP requests against the minimum the page sizes allow.
 * Usage: npm run bench [-- USERS]
 */

import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, createWriteStream, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../src/store/store-database.ts';
import { createConfluenceDcConnector } from '../src/connectors/confluence-dc/confluence-dc-connector.ts';
import { confluenceDcConfigSchema } from '../src/connectors/confluence-dc/confluence-dc-config.ts';
import { scanInstance } from '../src/app/scan-instance.ts';
import { planInstance } from '../src/app/plan-instance.ts';
import { listUsers, USER_COLUMNS } from '../src/app/list-users.ts';
import { writeCsv } from '../src/app/csv-format.ts';
import { systemClock } from '../src/app/clock.ts';
import type { InactiveUsersPolicy } from '../src/domain/policy.ts';

const USERS = Number(process.argv[2] ?? 100_000);

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

/** With BENCH_TRACE=1 (and --expose-gc), the live heap after each phase, to tell live data from uncollected garbage. */
function trace(label: string): void {
  if (!process.env.BENCH_TRACE) return;
  const before = process.memoryUsage();
  if (typeof globalThis.gc === 'function') globalThis.gc();
  const after = process.memoryUsage();
  console.error(`${label}: peak so far ${mb(peak)} MB, rss ${mb(before.rss)} MB, heap ${mb(before.heapUsed)} MB → after gc rss ${mb(after.rss)} MB, heap ${mb(after.heapUsed)} MB`);
}
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

const child = fork(fileURLToPath(new URL('./emulator-process.ts', import.meta.url)), [String(USERS)], {
  execArgv: ['--import', 'tsx', '--max-old-space-size=8192'],
});
const ready = await ask<{ url: string; token: string; users: number; memberships: number; groups: number }>(child, 'ready');
const dir = mkdtempSync(join(tmpdir(), 'sk-bench-'));
const store = await openStore(`sqlite:${join(dir, 'bench.db')}`);
const config = confluenceDcConfigSchema.parse({ product: 'confluence-dc', url: ready.url, auth: { token: ready.token }, concurrency: 4 });
const connector = createConfluenceDcConnector('bench', config);

let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);

const policy: InactiveUsersPolicy = {
  id: 'inactive-users',
  instance: 'bench',
  select: { inactiveDays: 90, neverLoggedInDays: 30, directories: [], group: null },
  exclude: { users: ['svc-backup'], groups: [] },
  actions: { removeGroups: 'license', addGroups: ['confluence-inactive-users'], deactivate: false, rename: null },
};
const limits = { maxActions: 1_000_000, maxPercent: 100, maxShrinkPercent: 10 };

/** As `seatkeeper plan` does: scan, then plan on the snapshot the scan just read. The snapshot dies with the call. */
async function scanThenPlan(): Promise<{ scanSeconds: number; planSeconds: number; planRows: number }> {
  const scanStart = process.hrtime.bigint();
  const scanned = await scanInstance({ connector, store, clock: systemClock, concurrency: 4 });
  const scanSeconds = seconds(scanStart);
  trace('after scan');
  if (scanned.snapshot === null) throw new Error(`scan incomplete: ${scanned.scan.error}`);
  const planStart = process.hrtime.bigint();
  const planned = await planInstance(
    { store, clock: systemClock },
    { instance: 'bench', policies: [policy], protection: { users: [], groups: [] }, limits, snapshot: scanned.snapshot },
  );
  const planSeconds = seconds(planStart);
  trace('after plan');
  return { scanSeconds, planSeconds, planRows: planned.plan.rows.length };
}
const { scanSeconds, planSeconds, planRows } = await scanThenPlan();
const stats = await ask<{ requests: number; minimum: number }>(child, 'stats');

// As `seatkeeper plan --no-scan` does: the same, reading the snapshot back from the store first.
const reloadStart = process.hrtime.bigint();
await planInstance({ store, clock: systemClock }, { instance: 'bench', policies: [policy], protection: { users: [], groups: [] }, limits });
const reloadSeconds = seconds(reloadStart);

const csvFile = join(dir, 'users.csv');
const csvStart = process.hrtime.bigint();
const { rows } = await listUsers({ store, now: new Date() }, { instance: 'bench', filter: {} });
const csvRows = await writeCsv(rows, USER_COLUMNS, createWriteStream(csvFile));
const csvSeconds = seconds(csvStart);
trace('after csv');
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);

const result = {
  users: ready.users,
  memberships: ready.memberships,
  groups: ready.groups,
  scanSeconds: Number(scanSeconds.toFixed(2)),
  requests: stats.requests,
  minimumRequests: stats.minimum,
  requestRatio: Number((stats.requests / stats.minimum).toFixed(3)),
  planSeconds: Number(planSeconds.toFixed(2)),
  planFromStoreSeconds: Number(reloadSeconds.toFixed(2)),
  planRows,
  csvSeconds: Number(csvSeconds.toFixed(2)),
  csvRows,
  csvMegabytes: Number(mb(statSync(csvFile).size)),
  peakRssMegabytes: Number(mb(peak)),
};
console.log(JSON.stringify(result, null, 2));
console.log(
  `scan ${result.scanSeconds} s (target ≤ 30) · requests ${result.requests} vs minimum ${result.minimumRequests} (×${result.requestRatio}, target ≤ 1.1) · ` +
    `plan ${result.planSeconds} s, ${result.planFromStoreSeconds} s reading the scan back from the store (target ≤ 1) · CSV ${result.csvSeconds} s (target ≤ 3) · ` +
    `peak RSS ${result.peakRssMegabytes} MB (target ≤ 400)`,
);
await connector.close();
await store.close();
child.send({ kind: 'stop' });
rmSync(dir, { recursive: true, force: true });
