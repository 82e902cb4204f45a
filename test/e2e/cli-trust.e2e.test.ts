// The store is not a trust anchor, end to end: records written into the SQLite store with SQL (a forged plan, a
// forged `running` run, a rewritten approval) are refused by `apply` and `serve`, and the emulated Confluence is
// untouched; the key file is made private on first use and refused when it is not; a plan is applied once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli, setup, writeConfig } from './cli-harness.ts';
import { canonicalJson, hashPlan } from '../../src/domain/plan-hash.ts';
import type { Plan } from '../../src/domain/plan.ts';

/** One SQL statement on the test's store, as anyone with write access to the database could run it. */
function sql(dir: string, statement: string, ...values: unknown[]): void {
  const db = new Database(join(dir, 'seatkeeper.db'));
  try {
    db.prepare(statement).run(...values);
  } finally {
    db.close();
  }
}

function count(dir: string, statement: string, ...values: unknown[]): number {
  const db = new Database(join(dir, 'seatkeeper.db'), { readonly: true });
  try {
    const row: unknown = db.prepare(statement).get(...values);
    const n: unknown = typeof row === 'object' && row !== null ? Reflect.get(row, 'n') : undefined;
    return typeof n === 'number' ? n : -1;
  } finally {
    db.close();
  }
}

test('a forged plan and a forged `running` run: `apply` and `serve --once` refuse them and no administrator is touched', async () => {
  const { dir, emulator, env } = await setup({ users: 120, seed: 31, ldapShare: 0 });
  try {
    const config = writeConfig({ dir, emulator });
    const planned = await runCli(['--config', config, '--json', 'plan'], env);
    assert.equal(planned.code, 0, planned.stderr);
    const { planId } = JSON.parse(planned.stdout) as { planId: string };
    const db = new Database(join(dir, 'seatkeeper.db'), { readonly: true });
    const real = db.prepare('select scan_id, created_at, plan_json from plans where id = ?').get(planId) as { scan_id: string; created_at: string; plan_json: string };
    db.close();
    const admins = emulator.state.membersOf('confluence-administrators').map((u) => u.username);
    assert.ok(admins.length >= 2);
    // A plan that disables the administrators, with a hash that matches its content: only the signature can stop it.
    const base = JSON.parse(real.plan_json) as Omit<Plan, 'hash'>;
    const body: Omit<Plan, 'hash'> = {
      ...base,
      rows: admins.map((username) => ({
        username,
        userKey: emulator.state.findUser(username)?.userKey ?? username,
        displayName: username,
        directory: null,
        policy: 'inactive-users',
        reason: { rule: 'inactive', text: 'forged', lastLogin: null, referenceDate: null, days: 999, thresholdDays: 1 },
        steps: [{ kind: 'disable' }],
        notes: [],
      })),
    };
    sql(
      dir,
      'insert into plans (id, instance, scan_id, created_at, hash, status, plan_json, created_by, policy_changed_by_json, approved_by, approved_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      'plan_forged00001', 'wiki', real.scan_id, real.created_at, hashPlan(body), 'approved', canonicalJson(body), 'alice', '[]', 'bob', real.created_at,
    );
    const applied = await runCli(['--config', config, 'apply', '--plan', 'plan_forged00001'], env);
    assert.equal(applied.code, 2, applied.stdout + applied.stderr);
    assert.match(applied.stderr, /plan plan_forged00001 carries no signature: it was written before Seatkeeper signed its records, or not by Seatkeeper; Seatkeeper does not act on it: plan again/);
    assert.equal(count(dir, 'select count(*) as n from runs'), 0);

    // The forged plan's run, left `running` as if a process had died: serve would pick it up.
    sql(dir, 'insert into runs (id, plan_id, instance, started_at, status) values (?, ?, ?, ?, ?)', 'run_forged000001', 'plan_forged00001', 'wiki', new Date().toISOString(), 'running');
    const served = await runCli(['--config', config, 'serve', '--once'], env);
    assert.equal(served.code, 0, served.stdout + served.stderr);
    assert.match(served.stdout, /run run_forged000001: resume failed: run run_forged000001 carries no signature/);
    const resumed = await runCli(['--config', config, 'resume', 'run_forged000001'], env);
    assert.equal(resumed.code, 2);
    assert.match(resumed.stderr, /run run_forged000001 carries no signature/);
    assert.equal(count(dir, "select count(*) as n from runs where id = 'run_forged000001' and status = 'running'"), 1, 'the run is left as it was');
    assert.equal(emulator.state.changes.length, 0);
    for (const admin of admins) assert.equal(emulator.state.findUser(admin)?.active, true, `${admin} is still active`);
  } finally {
    await emulator.close();
  }
});

test('an approval rewritten in the database is refused at apply; the key is made 0600 beside the config on first use', async () => {
  const { dir, emulator, env } = await setup({ users: 300, seed: 32, ldapShare: 0 });
  try {
    const config = writeConfig({ dir, emulator, safety: '{ maxActions: 5, maxPercent: 20 }' });
    const planned = await runCli(['--config', config, '--json', '--as', 'alice', 'plan'], env);
    const { planId } = JSON.parse(planned.stdout) as { planId: string };
    const key = join(dir, 'seatkeeper.key');
    assert.equal(statSync(key).mode & 0o777, 0o600);
    assert.equal(statSync(key).size, 32);
    const approved = await runCli(['--config', config, 'approve', planId, '--as', 'bob'], env);
    assert.equal(approved.code, 0, approved.stderr);
    // bob's approval is credited to someone else: the signature named bob.
    sql(dir, 'update plans set approved_by = ? where id = ?', 'carol', planId);
    const applied = await runCli(['--config', config, 'apply', '--plan', planId], env);
    assert.equal(applied.code, 2, applied.stdout + applied.stderr);
    assert.match(applied.stderr, new RegExp(`approval of plan ${planId} \\(by carol at .*\\) has a signature that does not verify: it was not written by Seatkeeper with this key`));
    assert.equal(emulator.state.changes.length, 0);
  } finally {
    await emulator.close();
  }
});

test('a key file others can read is refused by commands that act, with chmod 600; reading commands work without it', async () => {
  const { dir, emulator, env } = await setup({ users: 120, seed: 33, ldapShare: 0 });
  try {
    const config = writeConfig({ dir, emulator });
    const key = join(dir, 'elsewhere.key');
    const withKey = { ...env, SEATKEEPER_KEY_FILE: key };
    const planned = await runCli(['--config', config, '--json', 'plan'], withKey);
    assert.equal(planned.code, 0, planned.stderr);
    assert.ok(existsSync(key) && !existsSync(join(dir, 'seatkeeper.key')), 'SEATKEEPER_KEY_FILE names the key file');
    chmodSync(key, 0o644);
    const { planId } = JSON.parse(planned.stdout) as { planId: string };
    const applied = await runCli(['--config', config, 'apply', '--plan', planId], withKey);
    assert.equal(applied.code, 2, applied.stdout + applied.stderr);
    assert.match(applied.stderr, new RegExp(`the key file ${key} can be read or written by others \\(mode 0644\\):\\n  - make it private: chmod 600 ${key}`));
    assert.equal(emulator.state.changes.length, 0);
    const runs = await runCli(['--config', config, 'runs'], withKey);
    assert.equal(runs.code, 0, runs.stderr);
    chmodSync(key, 0o600);
    const retried = await runCli(['--config', config, 'apply', '--plan', planId], withKey);
    assert.equal(retried.code, 0, retried.stderr);
  } finally {
    await emulator.close();
  }
});

test('a plan is applied once: after its run and an undo, `apply` again is refused naming the run; two applies at once start one run', async () => {
  const { dir, emulator, env } = await setup({ users: 300, seed: 11, ldapShare: 0 });
  try {
    const config = writeConfig({ dir, emulator });
    const planned = await runCli(['--config', config, '--json', 'plan'], env);
    const { planId } = JSON.parse(planned.stdout) as { planId: string };
    const applied = await runCli(['--config', config, '--json', 'apply', '--plan', planId], env);
    assert.equal(applied.code, 0, applied.stderr);
    const { runId } = JSON.parse(applied.stdout) as { runId: string };
    const undone = await runCli(['--config', config, 'undo', '--run', runId], env);
    assert.equal(undone.code, 0, undone.stdout + undone.stderr);
    const changes = emulator.state.changes.length;
    const again = await runCli(['--config', config, 'apply', '--plan', planId], env);
    assert.equal(again.code, 2, again.stdout + again.stderr);
    assert.match(again.stderr, new RegExp(`plan ${planId} was applied already, by run ${runId} \\(done\\); a plan is applied once: plan again for anything left to do`));
    assert.equal(emulator.state.changes.length, changes, 'the re-apply changed nothing');

    const next = await runCli(['--config', config, '--json', 'plan'], env);
    const { planId: racedPlan } = JSON.parse(next.stdout) as { planId: string };
    const both = await Promise.all([0, 1].map(() => runCli(['--config', config, '--json', 'apply', '--plan', racedPlan], env)));
    const codes = both.map((r) => r.code).sort();
    assert.ok(codes[0] === 0 && (codes[1] === 2 || codes[1] === 3), `one apply runs, the other is refused: ${codes.join(', ')}\n${both.map((r) => r.stderr).join('\n')}`);
    assert.equal(count(dir, 'select count(*) as n from runs where plan_id = ?', racedPlan), 1, 'one run of the plan');
    const loser = both.find((r) => r.code !== 0);
    // Refused either by the run lease (the winner still runs) or by the plan's run (it finished first).
    assert.match(loser?.stderr ?? '', /stopped by run\.lease: instance wiki is being changed by another run|was applied already, by run run_\w+/);
  } finally {
    await emulator.close();
  }
});
