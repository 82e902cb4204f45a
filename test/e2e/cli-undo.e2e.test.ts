import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { NOW, runCli, setup, writeConfig } from './cli-harness.ts';
import type { RunningConfluenceEmulator } from '../../src/emulators/confluence-dc/confluence-emulator.ts';
import type { Plan } from '../../src/domain/plan.ts';

interface PlanJson {
  planId: string;
  plan: Plan;
}
interface ReportJson {
  runId: string;
  status: string;
  counts: { done: number; 'already-done': number; failed: number; skipped: number };
}
interface UndoJson {
  planId: string | null;
  plan: Plan | null;
  drifted: { username: string; changes: string[] }[];
  held: { username: string; text: string }[];
  report: ReportJson | null;
}

// Deactivation too, so the undo puts back the active flag as well as groups and grants.
const POLICY = `    select: { inactiveDays: 180, neverLoggedInDays: 30 }
    exclude: { users: [svc-backup], groups: [] }
    actions: { removeGroups: license, addGroups: [confluence-inactive-users], deactivate: true }`;

/** Every user as the emulator holds it: active flag, display name, direct groups, direct "can use" grant. */
function dump(emulator: RunningConfluenceEmulator): Map<string, string> {
  const { state } = emulator;
  return new Map(
    state.allUsers().map((u) => {
      const groups = state.groupsOf(u.username).map((g) => g.name).join(',');
      const grant = state.userPermissions(u.username).includes('application/use');
      return [u.username, `active=${u.active} name=${u.displayName} groups=${groups} grant=${grant}`];
    }),
  );
}

function changeKeys(emulator: RunningConfluenceEmulator, from: number, to?: number): string[] {
  return emulator.state.changes.slice(from, to).map((c) => `${c.kind} ${c.username}${c.group ? ` ${c.group}` : ''}`).sort();
}

interface Applied {
  dir: string;
  emulator: RunningConfluenceEmulator;
  env: NodeJS.ProcessEnv;
  config: string;
  plan: Plan;
  before: Map<string, string>;
  after: Map<string, string>;
  seatsBefore: number;
  applyRun: string;
  /** The apply's changes are `emulator.state.changes[applyFrom, applyChanges)`. */
  applyFrom: number;
  applyChanges: number;
}

/** A fresh organisation planned and applied, the emulator's state before and after the apply; always closes the emulator. */
async function withApplied(check: (ctx: Applied) => Promise<void>): Promise<void> {
  const { dir, emulator, env } = await setup({ users: 300, seed: 11, ldapShare: 0 });
  try {
    const config = writeConfig({ dir, emulator, policy: POLICY });
    // Individual "can use" grants for a few long-inactive seat holders, so the run revokes (and the undo restores) them.
    const longAgo = NOW.getTime() - 400 * 86_400_000;
    const inactive = emulator.state
      .allUsers()
      .filter((u) => u.active && u.lastLogin !== null && u.lastLogin.getTime() < longAgo && emulator.state.holdsSeat(u.username) && !emulator.state.isAdministrator(u.username));
    for (const u of inactive.slice(0, 3)) assert.equal(emulator.state.grantPermission(u.username, 'application/use').result, 'changed');
    const before = dump(emulator);
    const applyFrom = emulator.state.changes.length;
    const seatsBefore = emulator.state.licensedCount();
    const planned = await runCli(['--config', config, '--json', 'plan'], env);
    assert.equal(planned.code, 0, planned.stderr);
    const { planId, plan } = JSON.parse(planned.stdout) as PlanJson;
    const kinds = new Set<string>(plan.rows.flatMap((r) => r.steps.map((s) => s.kind)));
    for (const kind of ['remove-group', 'revoke-application', 'add-group', 'disable']) assert.ok(kinds.has(kind), `the plan has no ${kind} step`);
    const apply = await runCli(['--config', config, '--json', 'apply', '--plan', planId], env);
    assert.equal(apply.code, 0, apply.stdout.slice(-2000) + apply.stderr);
    const report = JSON.parse(apply.stdout) as ReportJson;
    assert.ok(report.counts.done > 20);
    assert.ok(emulator.state.licensedCount() < seatsBefore);
    const applyChanges = emulator.state.changes.length;
    await check({ dir, emulator, env, config, plan, before, seatsBefore, after: dump(emulator), applyRun: report.runId, applyFrom, applyChanges });
  } finally {
    await emulator.close();
  }
}

function runsInJournal(dir: string): { id: string; kind: string; undoOf: string[] }[] {
  const db = new Database(join(dir, 'seatkeeper.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('select runs.id as id, plans.plan_json as plan from runs join plans on plans.id = runs.plan_id order by runs.seq').all() as { id: string; plan: string }[];
    return rows.map((r) => {
      const plan = JSON.parse(r.plan) as Plan;
      return { id: r.id, kind: plan.kind, undoOf: [...plan.undoOf] };
    });
  } finally {
    db.close();
  }
}

test('undo --run restores users, groups, grants, active flags and the licence count exactly; undoing the undo re-applies', async () => {
  await withApplied(async (ctx) => {
    const { emulator, env, config } = ctx;
    const undo = await runCli(['--config', config, '--json', 'undo', '--run', ctx.applyRun], env);
    assert.equal(undo.code, 0, undo.stdout.slice(-2000) + undo.stderr);
    const out = JSON.parse(undo.stdout) as UndoJson;
    assert.deepEqual(dump(emulator), ctx.before);
    assert.equal(emulator.state.licensedCount(), ctx.seatsBefore);
    assert.equal(out.plan?.kind, 'undo');
    assert.deepEqual(out.plan?.undoOf, [ctx.applyRun]);
    assert.equal(out.report?.status, 'done');
    assert.equal(out.report?.counts.done, ctx.applyChanges - ctx.applyFrom, 'one undo step per change the apply made');
    const undoRun = out.report?.runId ?? '';
    assert.deepEqual(runsInJournal(ctx.dir), [
      { id: ctx.applyRun, kind: 'policy', undoOf: [] },
      { id: undoRun, kind: 'undo', undoOf: [ctx.applyRun] },
    ]);

    const from = emulator.state.changes.length;
    const redo = await runCli(['--config', config, 'undo', '--run', undoRun], env);
    assert.equal(redo.code, 0, redo.stdout.slice(-2000) + redo.stderr);
    assert.match(redo.stdout, new RegExp(`Undo plan plan_\\w+ for wiki: puts back run ${undoRun}`));
    assert.match(redo.stdout, /Run run_\w+ of plan plan_\w+: done/);
    assert.deepEqual(dump(emulator), ctx.after);
    assert.deepEqual(changeKeys(emulator, from), changeKeys(emulator, ctx.applyFrom, ctx.applyChanges), 'the same changes as the apply');
  });
});

test('undo --user restores that user only; a second undo --user finds nothing to undo', async () => {
  await withApplied(async (ctx) => {
    const { emulator, env, config } = ctx;
    const name = ctx.plan.rows.find((r) => r.steps.some((s) => s.kind === 'revoke-application'))?.username ?? '';
    assert.notEqual(name, '');
    const undo = await runCli(['--config', config, 'undo', '--user', name], env);
    assert.equal(undo.code, 0, undo.stdout + undo.stderr);
    assert.match(undo.stdout, new RegExp(`${name} +undo of run ${ctx.applyRun} \\(remove from `));
    // The name is the account the newest scan lists under it: its changes are found by that account's key.
    const userKey = ctx.plan.rows.find((r) => r.username === name)?.userKey ?? '';
    assert.match(undo.stdout, new RegExp(`User ${name} is account ${userKey} \\(the newest scan lists it under that name\\)`));
    const now = dump(emulator);
    for (const [username, line] of now) assert.equal(line, username === name ? ctx.before.get(username) : ctx.after.get(username), username);
    assert.deepEqual(new Set(emulator.state.changes.slice(ctx.applyChanges).map((c) => c.username)), new Set([name]));

    const again = await runCli(['--config', config, 'undo', '--user', name], env);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, new RegExp(`Nothing to undo for user ${name} on wiki`));
    assert.deepEqual(dump(emulator), now);
  });
});

test('drift: a user changed by hand since the run is left out and named (exit 3), the others are undone; a hand change to the undo target is no drift; --force includes the rest', async () => {
  await withApplied(async (ctx) => {
    const { emulator, env, config } = ctx;
    const drifter = ctx.plan.rows.find((r) => r.steps.some((s) => s.kind === 'revoke-application'));
    const handBack = ctx.plan.rows.find((r) => r.username !== drifter?.username && r.steps.some((s) => s.kind === 'disable') && r.steps.some((s) => s.kind === 'remove-group'));
    assert.ok(drifter && handBack);
    const group = handBack.steps.find((s) => s.kind === 'remove-group');
    assert.ok(group && group.kind === 'remove-group');
    // Put back by hand exactly as the undo would: not drift.
    assert.equal(emulator.state.addMembership(handBack.username, group.group).result, 'changed');
    assert.equal(emulator.state.setActive(handBack.username, true).result, 'changed');
    // Neither what Seatkeeper left nor what the undo puts back: drift.
    assert.equal(emulator.state.grantPermission(drifter.username, 'space/create').result, 'changed');
    const drifterState = dump(emulator).get(drifter.username);

    const partial = await runCli(['--config', config, 'undo', '--run', ctx.applyRun], env);
    assert.equal(partial.code, 3, partial.stdout.slice(-2000) + partial.stderr);
    assert.match(partial.stdout, /1 user was changed by hand since Seatkeeper's change and left out \(nothing of theirs is undone\):/);
    assert.match(partial.stdout, new RegExp(`^  ${drifter.username}: individual "can use": now not granted with space/create by hand since run ${ctx.applyRun}$`, 'm'));
    assert.match(partial.stdout, new RegExp(`! ${group.group}: already put back by hand since run ${ctx.applyRun}`));
    assert.match(partial.stdout, /undo again with --force to include them/);
    const now = dump(emulator);
    for (const [username, line] of ctx.before) {
      if (username === drifter.username) assert.equal(now.get(username), drifterState, 'the drifted user was changed');
      else assert.equal(now.get(username), line, `${username} was not put back`);
    }

    const forced = await runCli(['--config', config, 'undo', '--run', ctx.applyRun, '--force', '--json'], env);
    assert.equal(forced.code, 0, forced.stdout.slice(-2000) + forced.stderr);
    const out = JSON.parse(forced.stdout) as UndoJson;
    assert.deepEqual(out.drifted, [{ username: drifter.username, changes: [`individual "can use": now not granted with space/create by hand since run ${ctx.applyRun}`] }]);
    assert.ok(out.plan?.rows.some((r) => r.username === drifter.username), 'the drifted user is undone when forced');
    assert.deepEqual(dump(emulator), ctx.before);
    assert.equal(emulator.state.licensedCount(), ctx.seatsBefore);
  });
});

test('a forged journal row (no signature) stops the undo before anything is read or changed, naming the entry; nobody becomes administrator', async () => {
  await withApplied(async (ctx) => {
    const { emulator, env, config } = ctx;
    const victim = ctx.plan.rows[0];
    assert.ok(victim);
    assert.equal(emulator.state.isAdministrator(victim.username), false);
    // A row the apply never wrote: "removed from confluence-administrators", with a prior state that had it.
    const db = new Database(join(ctx.dir, 'seatkeeper.db'), { fileMustExist: true });
    try {
      const prior = { username: victim.username, status: 'active', displayName: victim.displayName, groups: ['confluence-administrators'], useGrant: false, otherPermissions: [] };
      db.prepare(
        `insert into journal_entries (run_id, username, step_seq, step_json, outcome, prior_json, error, claimed_at, settled_at)
         values (?, ?, 999, ?, 'done', ?, null, ?, ?)`,
      ).run(ctx.applyRun, victim.username, JSON.stringify({ kind: 'remove-group', group: 'confluence-administrators' }), JSON.stringify(prior), NOW.toISOString(), NOW.toISOString());
    } finally {
      db.close();
    }

    const changes = emulator.state.changes.length;
    const undo = await runCli(['--config', config, 'undo', '--run', ctx.applyRun], env);
    assert.equal(undo.code, 2, undo.stdout.slice(-2000) + undo.stderr);
    assert.match(undo.stderr, new RegExp(`journal entry \\d+ of run ${ctx.applyRun} carries no signature: it was written before Seatkeeper signed its records, or not by Seatkeeper`));
    assert.equal(emulator.state.changes.length, changes, 'nothing was changed');
    assert.equal(emulator.state.isAdministrator(victim.username), false, 'undo made the user an administrator');
    // Without signatures (defence in depth), the undo planner still holds such a step back: undo-planner.test.ts.
  });
});

test('undo --user of a username Seatkeeper never changed says so (exit 2)', async () => {
  const { dir, emulator, env } = await setup({ users: 50, seed: 3, ldapShare: 0 });
  try {
    const config = writeConfig({ dir, emulator, policy: POLICY });
    const result = await runCli(['--config', config, 'undo', '--user', 'nobody'], env);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, /Seatkeeper never changed nobody on instance wiki/);
    assert.equal(emulator.state.changes.length, 0);
  } finally {
    await emulator.close();
  }
});
