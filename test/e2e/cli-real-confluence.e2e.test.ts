/**
 * The demo's organisation over REST — read-only LDAP groups included — under each reading of what Confluence leaves
 * undocumented: status words in lower or upper case, member lists direct or flattened. The first apply ends with no
 * failed step, every seat it counts as freed is free in the emulator, and a second plan proposes nothing it could not do.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NOW, runCli, setup, writeConfig } from './cli-harness.ts';

interface Report {
  readonly status: string;
  readonly counts: { done: number; 'already-done': number; failed: number; skipped: number };
  readonly failures: readonly { username: string; step: string; error: string }[];
  readonly notPossible: readonly { username: string; step: string; reason: string }[];
}

interface PlanJson {
  readonly planId: string;
  readonly plan: { readonly rows: readonly { username: string; steps: readonly { kind: string; group?: string }[] }[] };
}

const POLICY = `    select: { inactiveDays: 180, neverLoggedInDays: 30 }
    exclude: { users: [svc-backup], groups: [] }
    actions: { removeGroups: license, addGroups: [confluence-inactive-users] }`;

// The first reading is the emulator's default, with the demo's own organisation (seed 42, 2,000 users).
for (const reading of [
  { statusCase: 'lower', memberLists: 'flattened', users: 2000 },
  { statusCase: 'upper', memberLists: 'direct', users: 600 },
] as const) {
  test(`REST, ${reading.statusCase}-case status words, ${reading.memberLists} member lists: the first apply fails no step and the next plan leaves refused groups alone`, async () => {
    const { dir, emulator, env } = await setup({ seed: 42, ldapShare: 0.7, version: '10.2', ...reading });
    try {
      const config = writeConfig({ dir, emulator, policy: POLICY, safety: '{ maxActions: 5000, maxPercent: 100 }' });
      // Make every licensed user of the demo look long gone: the test is about what Confluence lets Seatkeeper change.
      for (const user of emulator.state.allUsers()) if (user.lastLogin !== null) emulator.state.recordLogin(user.username, new Date(NOW.getTime() - 400 * 86_400_000));
      const licensedBefore = emulator.state.licensedCount();

      const applied = await runCli(['--config', config, '--json', 'apply', '--yes'], env);
      assert.equal(applied.code, 0, applied.stdout + applied.stderr);
      const report = JSON.parse(applied.stdout) as Report;
      assert.equal(report.status, 'done');
      assert.equal(report.counts.failed, 0, JSON.stringify(report.failures.slice(0, 5)));
      assert.ok(report.counts.done > 0, 'the run changed something');

      // Every row whose steps all went through freed its seat, as the emulator counts seats.
      const notPossibleUsers = new Set(report.notPossible.map((n) => n.username));
      const refusedGroups = new Set(report.notPossible.flatMap((n) => /group (\S+) is remembered/.exec(n.reason)?.[1] ?? []));
      for (const change of emulator.state.changes) {
        if (change.kind !== 'remove-group' || notPossibleUsers.has(change.username)) continue;
        assert.equal(emulator.state.holdsSeat(change.username), false, `${change.username} still holds a seat after its licence groups went`);
      }
      assert.ok(emulator.state.licensedCount() < licensedBefore);
      // Refusals are the read-only LDAP groups, reported with Confluence's words.
      assert.ok(report.notPossible.length > 0, 'the demo organisation has users seated through read-only LDAP groups');
      for (const n of report.notPossible) assert.match(n.reason, /Confluence refused it \(403\)/);

      // A second plan proposes nothing the first run could not do, and no refused group at all.
      const second = await runCli(['--config', config, '--json', 'plan'], env);
      assert.ok(second.code === 0 || second.code === 3, second.stderr);
      const plan = JSON.parse(second.stdout) as PlanJson;
      for (const row of plan.plan.rows) {
        for (const step of row.steps) {
          assert.ok(step.group === undefined || !refusedGroups.has(step.group), `${row.username}: ${JSON.stringify(step)} again`);
        }
      }
      const again = plan.plan.rows.filter((r) => notPossibleUsers.has(r.username) && r.steps.some((s) => s.kind === 'remove-group' && refusedGroups.has(s.group ?? '')));
      assert.deepEqual(again, []);
    } finally {
      await emulator.close();
    }
  });
}
