// The circuit breaker and the scheduler's own resume, end to end through the CLI: Confluence going down in the middle of
// an apply (briefly, then for longer than the breaker waits), and a SIGKILLed run that `serve` picks up by itself.
// Judged by the emulator's record of changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { runCli, setup, writeConfig, type CliResult } from './cli-harness.ts';
import { spawnCli } from '../support/crash-driver.ts';
import type { RunningConfluenceEmulator } from '../../src/emulators/confluence-dc/confluence-emulator.ts';

interface Report {
  runId: string;
  status: string;
  stoppedBecause?: string;
  counts: { done: number; failed: number };
}

interface Planned {
  planId: string;
  plan: { rows: { username: string; steps: unknown[] }[] };
}

/** Waits until the emulator recorded `n` changes (the run is under way), or fails after `ms`. */
async function changesReach(emulator: RunningConfluenceEmulator, n: number, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (emulator.state.changes.length < n) {
    if (Date.now() > until) throw new Error(`only ${emulator.state.changes.length} changes after ${ms} ms`);
    await sleep(5);
  }
}

/** Changes the emulator recorded more than once (kind, user, group). */
function doubled(emulator: RunningConfluenceEmulator): string[] {
  const seen = new Map<string, number>();
  for (const c of emulator.state.changes) {
    const key = `${c.kind} ${c.username} ${c.group ?? ''}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([key]) => key);
}

async function planned(config: string, env: NodeJS.ProcessEnv): Promise<{ planId: string; steps: number }> {
  const result = await runCli(['--config', config, '--json', 'plan'], env);
  assert.equal(result.code, 0, result.stderr);
  const { planId, plan } = JSON.parse(result.stdout) as Planned;
  return { planId, steps: plan.rows.reduce((n, r) => n + r.steps.length, 0) };
}

/** Moves every lease in the SQLite store of `dir` into the past, as if its holder had stopped renewing long ago. */
function expireLeases(dir: string): void {
  const db = new Database(join(dir, 'seatkeeper.db'));
  try {
    const expired = db.prepare('update run_leases set expires_at = ?').run(new Date(Date.now() - 1000).toISOString());
    assert.equal(expired.changes, 1, 'the killed run left its lease');
  } finally {
    db.close();
  }
}

function report(result: CliResult): Report {
  return JSON.parse(result.stdout) as Report;
}

test('Confluence down for 5 s in the middle of an apply: requests pause, then go on; no step fails, nothing is lost or doubled', async () => {
  const { dir, emulator, env } = await setup({ users: 300, seed: 11, ldapShare: 0 });
  try {
    const config = writeConfig({ dir, emulator, extraInstance: '    circuitBreaker: { failures: 5, cooldownSeconds: 0.5, maxPauseMinutes: 1 }\n' });
    const { planId, steps } = await planned(config, env);
    emulator.faults.latencyMs = 15;
    const applying = runCli(['--config', config, '--json', 'apply', '--plan', planId], env);
    await changesReach(emulator, 10);
    // Down: every request answers 500, longer than a request's own five attempts would last.
    emulator.faults.serverErrorRate = 1;
    await sleep(5000);
    emulator.faults.serverErrorRate = 0;
    const applied = await applying;
    assert.equal(applied.code, 0, applied.stderr);
    const run = report(applied);
    assert.deepStrictEqual({ status: run.status, done: run.counts.done, failed: run.counts.failed }, { status: 'done', done: steps, failed: 0 });
    assert.match(applied.stderr, /wiki: 5 requests in a row failed \(last: Confluence answered 500.*\); requests paused, next try in 0\.5 s/);
    assert.match(applied.stderr, /wiki: answers again after \d+(\.\d)? s paused; requests go on/);
    assert.equal(emulator.state.changes.length, steps, 'each planned step changed Confluence exactly once');
    assert.deepStrictEqual(doubled(emulator), []);
  } finally {
    await emulator.close();
  }
});

test('Confluence down past the breaker\'s longest pause: the run stops with the reason and an alert; `resume` finishes it once Confluence is back', async () => {
  const { dir, emulator, env } = await setup({ users: 300, seed: 11, ldapShare: 0 });
  try {
    const config = writeConfig({ dir, emulator, extraInstance: '    circuitBreaker: { failures: 5, cooldownSeconds: 0.5, maxPauseMinutes: 0.05 }\n' });
    const { planId, steps } = await planned(config, env);
    emulator.faults.latencyMs = 15;
    const applying = runCli(['--config', config, '--json', 'apply', '--plan', planId], env);
    await changesReach(emulator, 10);
    emulator.faults.serverErrorRate = 1;
    const applied = await applying;
    const changedBefore = emulator.state.changes.length;
    assert.equal(applied.code, 1, applied.stderr);
    const run = report(applied);
    assert.equal(run.status, 'stopped');
    assert.match(run.stoppedBecause ?? '', /^wiki has not answered for \d+ s \(\d+ failed attempts in a row, last: Confluence answered 500.*\); requests paused and gave up/);
    assert.ok(run.counts.done < steps);
    const alerts = await runCli(['--config', config, 'alerts'], env);
    assert.match(alerts.stdout, new RegExp(`run\\.circuitOpen +\\(run ${run.runId}\\)`));
    assert.match(alerts.stdout, new RegExp(`run ${run.runId} stopped: wiki has not answered`));

    emulator.faults.serverErrorRate = 0;
    emulator.faults.latencyMs = 0;
    const resumed = await runCli(['--config', config, '--json', 'resume', run.runId], env);
    assert.equal(resumed.code, 0, resumed.stderr);
    const finished = report(resumed);
    assert.deepStrictEqual({ runId: finished.runId, status: finished.status, done: finished.counts.done, failed: finished.counts.failed }, { runId: run.runId, status: 'done', done: steps, failed: 0 });
    assert.ok(emulator.state.changes.length > changedBefore);
    assert.equal(emulator.state.changes.length, steps, 'each planned step changed Confluence exactly once');
    assert.deepStrictEqual(doubled(emulator), []);

    // The cause cleared: the stop's alert resolved itself, naming how, and is listed only with --all.
    const open = await runCli(['--config', config, 'alerts'], env);
    assert.match(open.stdout, /^No open alerts/m, open.stdout);
    const all = await runCli(['--config', config, 'alerts', '--all'], env);
    assert.match(all.stdout, new RegExp(`run\\.circuitOpen +\\(run ${run.runId}\\) +resolved .* UTC: run ${run.runId} was resumed and finished done`));
  } finally {
    await emulator.close();
  }
});

test('`serve` resumes a run whose process was killed, once its lease has expired, and leaves it alone while the lease lives', async () => {
  const { dir, emulator, env } = await setup({ users: 300, seed: 11, ldapShare: 0 });
  try {
    const config = writeConfig({ dir, emulator });
    // A lease far longer than the test: only the test's own action below ends it, however slow the machine is.
    appendFileSync(config, 'runs: { leaseSeconds: 3600, heartbeatSeconds: 0.5 }\n');
    const { planId, steps } = await planned(config, env);
    emulator.faults.latencyMs = 15;
    const child = spawnCli(['--config', config, '--json', 'apply', '--plan', planId], env);
    await changesReach(emulator, 20);
    child.kill();
    assert.equal((await child.done).code, 137);
    emulator.faults.latencyMs = 0;
    const killedAt = emulator.state.changes.length;
    assert.ok(killedAt < steps, `killed after ${killedAt} of ${steps} changes`);

    // The dead process's lease still runs: a pass leaves the run alone.
    const early = await runCli(['--config', config, 'serve', '--once'], env);
    assert.equal(early.code, 0, early.stderr);
    assert.doesNotMatch(early.stdout, /resuming/);
    const listed = JSON.parse((await runCli(['--config', config, '--json', 'runs'], env)).stdout) as { id: string; status: string }[];
    assert.equal(listed[0]?.status, 'running');
    assert.ok(emulator.state.changes.length < steps);

    // The dead holder's lease runs out: moved into the past in the store, as an hour without renewal would.
    expireLeases(dir);
    const served = await runCli(['--config', config, 'serve', '--once'], env);
    assert.equal(served.code, 0, served.stderr);
    const runId = listed[0]?.id ?? '';
    assert.match(served.stdout, new RegExp(`run ${runId} on wiki was left unfinished: resuming it`));
    assert.match(served.stdout, new RegExp(`run ${runId}: resumed, done: \\d+ users changed, 0 steps failed`));
    assert.equal(emulator.state.changes.length, steps, 'the rest of the plan was applied, each step once');
    assert.deepStrictEqual(doubled(emulator), []);

    // Finished: a later pass has nothing to resume.
    const later = await runCli(['--config', config, 'serve', '--once'], env);
    assert.doesNotMatch(later.stdout, /resuming/);
  } finally {
    await emulator.close();
  }
});
