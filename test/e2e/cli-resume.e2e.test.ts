// Resumable runs end to end: SIGKILLed applies resumed with nothing lost or doubled (the CI-sized crash test), `runs`
// and `resume` on finished runs, the run lease, and the failure-rate brake. Judged by the emulator's record of changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli, setup, writeConfig } from './cli-harness.ts';
import { crashRun } from '../support/crash-driver.ts';

test('crash test, CI size: 300 users, 5 SIGKILLs, each followed by `resume`: 0 changes lost, 0 doubled, 0 outside the plan', async () => {
  const result = await crashRun({ users: 300, kills: 5, seed: 21 });
  assert.equal(result.kills, 5, 'every kill point was reached before the run ended');
  assert.ok(result.plannedSteps > 50);
  assert.deepStrictEqual({ lost: result.lost, doubled: result.doubled, outside: result.outside, status: result.finalStatus }, { lost: [], doubled: [], outside: [], status: 'done' });
  assert.equal(result.changes, result.plannedSteps, 'each planned step changed Confluence exactly once');
});

test('the crash test holds with 503 on every 3rd write and with connections dropped after the write', async () => {
  for (const faults of [{ writeErrorEvery: 3 }, { dropConnectionEvery: 7 }]) {
    const result = await crashRun({ users: 300, kills: 3, seed: 22, faults });
    assert.equal(result.kills, 3);
    assert.deepStrictEqual({ lost: result.lost, doubled: result.doubled, outside: result.outside, status: result.finalStatus }, { lost: [], doubled: [], outside: [], status: 'done' });
  }
});

interface RunsJson {
  id: string;
  status: string;
  counts: { claimed: number; done: number; 'already-done': number; failed: number; skipped: number };
}

test('`runs` lists a finished run with its counts; `resume` of a done run changes nothing and says so; `resume --help` says failed steps are retried', async () => {
  const { dir, emulator, env } = await setup({ users: 300, seed: 11, ldapShare: 0 });
  try {
    const config = writeConfig({ dir, emulator });
    const planned = await runCli(['--config', config, '--json', 'plan'], env);
    const { planId } = JSON.parse(planned.stdout) as { planId: string };
    const applied = await runCli(['--config', config, '--json', 'apply', '--plan', planId], env);
    assert.equal(applied.code, 0, applied.stderr);
    const report = JSON.parse(applied.stdout) as { runId: string; counts: { done: number } };
    const listed = await runCli(['--config', config, 'runs', '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    const runs = JSON.parse(listed.stdout) as RunsJson[];
    assert.deepStrictEqual(
      runs.map((r) => ({ id: r.id, status: r.status, counts: r.counts })),
      [{ id: report.runId, status: 'done', counts: { claimed: 0, done: report.counts.done, 'already-done': 0, failed: 0, skipped: 0 } }],
    );
    const table = await runCli(['--config', config, 'runs', '--instance', 'wiki'], env);
    assert.match(table.stdout, new RegExp(`${report.runId}\\s+wiki\\s+.*done\\s+0\\s+${report.counts.done}\\s+0\\s+0\\s+0`));

    const before = emulator.state.changes.length;
    const resumed = await runCli(['--config', config, 'resume', report.runId], env);
    assert.equal(resumed.code, 2);
    assert.match(resumed.stderr, /finished done; there is nothing to resume/);
    assert.equal(emulator.state.changes.length, before);
    const help = await runCli(['resume', '--help']);
    assert.match(help.stdout, /failed steps are\s+retried/);
  } finally {
    await emulator.close();
  }
});

test('a second apply while another holds the instance lease exits 3 naming the holder; an expired lease is taken over', async () => {
  const { dir, emulator, env } = await setup({ users: 300, seed: 11, ldapShare: 0 });
  try {
    const config = writeConfig({ dir, emulator });
    const planned = await runCli(['--config', config, '--json', 'plan'], env);
    const { planId } = JSON.parse(planned.stdout) as { planId: string };
    const db = new Database(join(dir, 'seatkeeper.db'));
    try {
      const later = new Date(Date.now() + 3_600_000).toISOString();
      db.prepare('insert into run_leases (instance, holder, expires_at, taken_at) values (?, ?, ?, ?)').run('wiki', 'other-host:4242:abcdef', later, new Date().toISOString());
      const blocked = await runCli(['--config', config, 'apply', '--plan', planId], env);
      assert.equal(blocked.code, 3, blocked.stdout + blocked.stderr);
      assert.match(blocked.stderr, /stopped by run\.lease: instance wiki is being changed by another run, held by other-host:4242:abcdef until/);
      assert.equal(emulator.state.changes.length, 0);

      // The holder crashed: its lease ran out without renewal.
      db.prepare('update run_leases set expires_at = ?').run(new Date(Date.now() - 1000).toISOString());
      const applied = await runCli(['--config', config, '--json', 'apply', '--plan', planId], env);
      assert.equal(applied.code, 0, applied.stderr);
      assert.ok(emulator.state.changes.length > 0);
      assert.equal((db.prepare('select count(*) as n from run_leases').get() as { n: number }).n, 0, 'the lease is released when the run ends');
    } finally {
      db.close();
    }
  } finally {
    await emulator.close();
  }
});

test('when more than 40 % of the steps sent fail, the run stops with rows not started and raises an alert; `resume` finishes it once Confluence is well', async () => {
  const { dir, emulator, env } = await setup({ users: 300, seed: 11, ldapShare: 0 });
  try {
    // Reads succeed and writes fail: the brake's case, so the circuit breaker is set not to step in first.
    const config = writeConfig({ dir, emulator, extraInstance: '    circuitBreaker: { failures: 10000 }\n' });
    const planned = await runCli(['--config', config, '--json', 'plan'], env);
    assert.equal(planned.code, 0, planned.stderr);
    const { planId, plan } = JSON.parse(planned.stdout) as { planId: string; plan: { rows: { username: string; steps: unknown[] }[] } };
    // Every write answers 503, every attempt: each step fails after the client's retries.
    emulator.faults.writeErrorEvery = 1;
    const applied = await runCli(['--config', config, '--json', 'apply', '--plan', planId], env);
    assert.equal(applied.code, 1, applied.stderr);
    const report = JSON.parse(applied.stdout) as { runId: string; status: string; stoppedBecause: string; counts: { done: number; failed: number } };
    assert.equal(report.status, 'stopped', JSON.stringify(report.counts));
    assert.match(report.stoppedBecause, /^\d+ of \d+ steps sent in this run failed, more than 40 %$/);
    assert.equal(report.counts.done, 0);
    assert.equal(emulator.state.changes.length, 0);
    const db = new Database(join(dir, 'seatkeeper.db'), { readonly: true });
    let started: number;
    try {
      started = (db.prepare('select count(distinct username) as n from journal_entries').get() as { n: number }).n;
    } finally {
      db.close();
    }
    assert.ok(started < plan.rows.length, `${started} of ${plan.rows.length} rows were started`);
    const listed = JSON.parse((await runCli(['--config', config, '--json', 'runs'], env)).stdout) as RunsJson[];
    assert.equal(listed[0]?.status, 'stopped');
    assert.equal(listed[0]?.counts.failed, report.counts.failed);
    const detail = await runCli(['--config', config, 'runs', report.runId], env);
    assert.equal(detail.code, 0, detail.stderr);
    const steps = plan.rows.reduce((n, r) => n + r.steps.length, 0);
    assert.match(detail.stdout, new RegExp(`^Run ${report.runId} on wiki: stopped \\(started .*\\), plan ${planId}$`, 'm'));
    assert.match(detail.stdout, new RegExp(`${steps} planned steps: 0 done, 0 already done, ${report.counts.failed} failed, \\d+ skipped, 0 claimed, [1-9]\\d* not started`));
    assert.match(detail.stdout, /Failed steps, with the last error:\n\s+\S+\s+remove from \S+\s+Confluence answered 503 .*gave up after 5 attempts/);
    assert.match(detail.stdout, new RegExp(`resume ${report.runId}$`, 'm'));
    const alerts = await runCli(['--config', config, 'alerts'], env);
    assert.match(alerts.stdout, /run\.failureRate/);
    assert.match(alerts.stdout, new RegExp(`run ${report.runId} stopped: \\d+ of \\d+ steps sent in this run failed`));

    emulator.faults.writeErrorEvery = 0;
    const resumed = await runCli(['--config', config, '--json', 'resume', report.runId], env);
    assert.equal(resumed.code, 0, resumed.stderr);
    const finished = JSON.parse(resumed.stdout) as { runId: string; status: string; counts: { done: number; failed: number } };
    assert.deepStrictEqual({ runId: finished.runId, status: finished.status, failed: finished.counts.failed }, { runId: report.runId, status: 'done', failed: 0 });
    assert.equal(finished.counts.done, steps);
    assert.equal(emulator.state.changes.length, steps, 'every planned step changed Confluence exactly once');
  } finally {
    await emulator.close();
  }
});
