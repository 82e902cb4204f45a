import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { runCli, setup, writeConfig } from './cli-harness.ts';
import { testDatabaseUrl } from '../support/test-databases.ts';

const BIN = fileURLToPath(new URL('../../bin/seatkeeper.mjs', import.meta.url));

/** Starts `seatkeeper serve` and collects its log until it is stopped with SIGTERM. */
function serve(config: string, env: NodeJS.ProcessEnv): { log: () => string; stop: () => Promise<string> } {
  const child = spawn(process.execPath, [BIN, '--config', config, 'serve'], { env: { ...process.env, SEATKEEPER_FROM_SOURCE: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    log: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      await closed;
      return out;
    },
  };
}

test('three serve processes on one PostgreSQL store run each scheduled run exactly once; a restart keeps the schedule', async (t) => {
  const server = testDatabaseUrl('postgres', t);
  if (server === null) return;
  const schema = `sk_serve_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const { dir, emulator, env } = await setup({ users: 120, seed: 5 });
  try {
    const store = `${server}${server.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    // Every 3 seconds: a scan and a plan of 120 users fit well inside, so runs never pile up.
    const config = writeConfig({
      dir,
      emulator,
      policy: `    select: { inactiveDays: 100000 }
    actions: { removeGroups: license }
    schedule: "*/3 * * * * *"`,
    });
    writeFileSync(config, readFileSync(config, 'utf8').replace(/^store: .*$/m, `store: ${store}`));

    const processes = [serve(config, env), serve(config, env), serve(config, env)];
    const startedIn = (logs: readonly string[]) => logs.flatMap((log) => [...log.matchAll(/inactive-users: run due (\S+) started/g)].map((m) => m[1]));
    // Until three runs started, however long a loaded machine takes to start three processes (bounded for a hang).
    const until = Date.now() + 180_000;
    while (startedIn(processes.map((p) => p.log())).length < 3 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 200));
    const logs = await Promise.all(processes.map((p) => p.stop()));
    const started = startedIn(logs);
    assert.ok(started.length >= 3, `runs started: ${started.length}\n${logs.join('\n---\n')}`);
    assert.equal(new Set(started).size, started.length, `a due run started twice:\n${started.sort().join('\n')}`);
    const { rows } = await admin.query(`select count(*)::int as n from ${schema}.scans`);
    assert.equal(rows[0].n, started.length, 'one scan per run: no process ran a job it did not claim');

    // A restart keeps the schedule: the stored due time is read back, not recomputed from the new start — even
    // once it is in the past (the run missed while nothing served is then caught up, or recorded as missed).
    const before = JSON.parse((await runCli(['--config', config, '--json', 'schedule'], env)).stdout) as { schedules: { nextRunAt: string }[] };
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const after = JSON.parse((await runCli(['--config', config, '--json', 'schedule'], env)).stdout) as { schedules: { nextRunAt: string }[] };
    assert.ok(Date.parse(after.schedules[0]?.nextRunAt ?? '') < Date.now(), 'the due time was recomputed on restart');
    assert.equal(after.schedules[0]?.nextRunAt, before.schedules[0]?.nextRunAt);
  } finally {
    await emulator.close();
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  }
});
