// Rehearsal is not production: `--now` needs SEATKEEPER_REHEARSAL=1, what a rehearsal writes is kept apart from real
// records, and plan age and lease expiry go by the store's clock, whatever instant the command says it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli, setup, writeConfig, type CliResult } from './cli-harness.ts';

const HOUR = 3_600_000;
const REHEARSAL = { SEATKEEPER_REHEARSAL: '1' };

function json<T>(result: CliResult): T {
  assert.equal(result.code, 0, `exit ${result.code}: ${result.stdout.slice(-1500)}${result.stderr.slice(-1500)}`);
  return JSON.parse(result.stdout) as T;
}

interface PlanJson {
  planId: string;
  plan: { scanId: string; createdAt: string; rows: unknown[] };
}

interface RunJson {
  runId: string;
  status: string;
  counts: { done: number };
}

test('--now without SEATKEEPER_REHEARSAL=1 exits 2, says how to rehearse, and writes nothing', async () => {
  const { dir, emulator, env } = await setup({ users: 50, seed: 3 });
  try {
    const config = writeConfig({ dir, emulator });
    for (const command of [['scan'], ['plan'], ['apply', '--yes'], ['runs']]) {
      const result = await runCli(['--config', config, '--now', new Date(Date.now() + 72 * HOUR).toISOString(), ...command], env);
      assert.equal(result.code, 2, command.join(' '));
      assert.match(result.stderr, /--now is for rehearsals only:\n {2}- set SEATKEEPER_REHEARSAL=1 to rehearse/);
      assert.match(result.stderr, /a store of its own/);
    }
    // A typo in the switch is refused too, rather than guessed either way.
    const typo = await runCli(['--config', config, '--now', new Date().toISOString(), 'scan'], { ...env, SEATKEEPER_REHEARSAL: 'true' });
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /SEATKEEPER_REHEARSAL="true" is not understood/);
    assert.equal(existsSync(join(dir, 'seatkeeper.db')), false, 'no store was created');
    assert.equal(emulator.stats.requests, 0, 'Confluence was not asked anything');
  } finally {
    await emulator.close();
  }
});

test('a rehearsal scan dated days ahead neither stops a real apply nor feeds a real plan; each side lists only its own runs', async () => {
  const { dir, emulator, env } = await setup({ users: 300, seed: 11, ldapShare: 0 });
  const rehearse = { ...env, ...REHEARSAL };
  try {
    const config = writeConfig({ dir, emulator });
    const planned = json<PlanJson>(await runCli(['--config', config, '--json', 'plan'], env));
    assert.ok(planned.plan.rows.length > 0);
    // The old failure: this future-dated scan counted as "a newer scan" for every real plan from then on.
    const ahead = new Date(Date.now() + 30 * 24 * HOUR).toISOString();
    const rehearsed = await runCli(['--config', config, '--json', '--now', ahead, 'scan'], rehearse);
    assert.equal(rehearsed.code, 0, rehearsed.stderr);
    assert.match(rehearsed.stderr, /rehearsal \(SEATKEEPER_REHEARSAL=1\): only rehearsal scans, plans and runs are read and written; the command runs as if it were/);

    const applied = json<RunJson>(await runCli(['--config', config, '--json', 'apply', '--plan', planned.planId], env));
    assert.equal(applied.status, 'done');
    assert.ok(applied.counts.done > 0);
    const again = json<PlanJson>(await runCli(['--config', config, '--json', 'plan', '--no-scan'], env));
    assert.equal(again.plan.scanId, planned.plan.scanId, 'a real plan without scanning rests on the newest real scan');

    const realRuns = json<{ id: string }[]>(await runCli(['--config', config, '--json', 'runs'], env));
    assert.deepEqual(realRuns.map((r) => r.id), [applied.runId]);
    const rehearsalRuns = json<{ id: string }[]>(await runCli(['--config', config, '--json', 'runs'], rehearse));
    assert.deepEqual(rehearsalRuns, [], 'a rehearsal sees no real run');
  } finally {
    await emulator.close();
  }
});

test('a real command cannot apply a rehearsal plan nor resume, show or undo a rehearsal run, and a rehearsal cannot apply a real plan', async () => {
  const { dir, emulator, env } = await setup({ users: 300, seed: 11, ldapShare: 0 });
  const rehearse = { ...env, ...REHEARSAL };
  try {
    const config = writeConfig({ dir, emulator });
    const realPlan = json<PlanJson>(await runCli(['--config', config, '--json', 'plan'], env));
    const rehearsalPlan = json<PlanJson>(await runCli(['--config', config, '--json', 'plan'], rehearse));
    assert.notEqual(rehearsalPlan.plan.scanId, realPlan.plan.scanId, 'the rehearsal scanned for itself');

    const crossApply = await runCli(['--config', config, 'apply', '--plan', rehearsalPlan.planId], env);
    assert.equal(crossApply.code, 2, crossApply.stderr);
    assert.match(crossApply.stderr, new RegExp(`no plan ${rehearsalPlan.planId}`));
    const crossRehearsal = await runCli(['--config', config, 'apply', '--plan', realPlan.planId], rehearse);
    assert.equal(crossRehearsal.code, 2, crossRehearsal.stderr);
    assert.match(crossRehearsal.stderr, new RegExp(`no plan ${realPlan.planId}`));
    assert.equal(emulator.state.changes.length, 0);

    // Applying a rehearsal plan does change the instance: that is what rehearsing on a staging instance is for.
    const rehearsalRun = json<RunJson>(await runCli(['--config', config, '--json', 'apply', '--plan', rehearsalPlan.planId], rehearse));
    const changed = emulator.state.changes.length;
    assert.ok(changed > 0);
    for (const command of [['resume', rehearsalRun.runId], ['undo', '--run', rehearsalRun.runId], ['runs', rehearsalRun.runId]]) {
      const result = await runCli(['--config', config, ...command], env);
      assert.equal(result.code, 2, `${command.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`no run ${rehearsalRun.runId}`));
    }
    assert.equal(emulator.state.changes.length, changed, 'no real command touched what the rehearsal did');
    // The rehearsal undoes its own run.
    const undone = await runCli(['--config', config, '--json', 'undo', '--run', rehearsalRun.runId], rehearse);
    assert.equal(undone.code, 0, undone.stderr);
    assert.ok(emulator.state.changes.length > changed);
  } finally {
    await emulator.close();
  }
});

test('a plan saved three days ago cannot be made young: its save time is signed, and --now set back to its making does not pass it', async () => {
  const { dir, emulator, env } = await setup({ users: 300, seed: 11, ldapShare: 0 });
  const rehearse = { ...env, ...REHEARSAL };
  try {
    const config = writeConfig({ dir, emulator });
    const madeFor = new Date(Date.now() - 72 * HOUR).toISOString();
    const planned = json<PlanJson>(await runCli(['--config', config, '--json', '--now', madeFor, 'plan'], rehearse));
    assert.equal(Date.parse(planned.plan.createdAt) - Date.parse(madeFor) < HOUR, true, 'the plan is made for the instant --now named');
    // The save time moved in the database, as if three days had passed (the store's clock cannot be moved from here):
    // the plan's age is judged from it, so it is under the plan's signature and the change is caught. The age rule
    // itself, on the store's clock, is plan-guards.test.ts's "plan age is the store's clock".
    const db = new Database(join(dir, 'seatkeeper.db'));
    try {
      db.prepare('update plans set saved_at = ? where id = ?').run(new Date(Date.now() - 72 * HOUR).toISOString(), planned.planId);
    } finally {
      db.close();
    }
    const apply = await runCli(['--config', config, '--now', planned.plan.createdAt, 'apply', '--plan', planned.planId], rehearse);
    assert.equal(apply.code, 2, apply.stdout + apply.stderr);
    assert.match(apply.stderr, new RegExp(`plan ${planned.planId} has a signature that does not verify`));
    assert.equal(emulator.state.changes.length, 0);
  } finally {
    await emulator.close();
  }
});

test('a command whose clock says three hours ahead does not take over a live lease: the store judges its expiry', async () => {
  const { dir, emulator, env } = await setup({ users: 300, seed: 11, ldapShare: 0 });
  const rehearse = { ...env, ...REHEARSAL };
  try {
    const config = writeConfig({ dir, emulator });
    const planned = json<PlanJson>(await runCli(['--config', config, '--json', '--now', new Date(Date.now() + 3 * HOUR).toISOString(), 'plan'], rehearse));
    // Another process holds the instance for ten more minutes, by the store's clock (this machine's, for SQLite).
    const db = new Database(join(dir, 'seatkeeper.db'));
    try {
      db.prepare('insert into run_leases (instance, holder, expires_at, taken_at) values (?, ?, ?, ?)').run(
        'wiki',
        'other-host:4242:abcdef',
        new Date(Date.now() + 10 * 60_000).toISOString(),
        new Date().toISOString(),
      );
    } finally {
      db.close();
    }
    const blocked = await runCli(['--config', config, '--now', new Date(Date.now() + 3 * HOUR).toISOString(), 'apply', '--plan', planned.planId], rehearse);
    assert.equal(blocked.code, 3, blocked.stdout + blocked.stderr);
    assert.match(blocked.stderr, /stopped by run\.lease: instance wiki is being changed by another run, held by other-host:4242:abcdef until/);
    assert.equal(emulator.state.changes.length, 0);
  } finally {
    await emulator.close();
  }
});
