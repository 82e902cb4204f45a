import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, setup, writeConfig } from './cli-harness.ts';
import { createScratchDatabase, testDatabaseUrl, type TestDatabaseKind } from '../support/test-databases.ts';
import { writeConfluenceDatabase } from '../../src/emulators/confluence-dc/emulator-database.ts';
import type { Plan } from '../../src/domain/plan.ts';

/**
 * Last logins and directories from Confluence's own database (read-only), as on Confluence before 10.2: the plan
 * knows which directory each user is in and which groups only the directory can change, so nothing fails at apply.
 */
for (const kind of ['postgres', 'mariadb'] satisfies TestDatabaseKind[]) {
  test(`database mode on ${kind}: directory-aware plan, read-only groups left to the directory, a clean apply`, async (t) => {
    const server = testDatabaseUrl(kind, t);
    if (server === null) return;
    const { dir, emulator, env } = await setup({ users: 300, seed: 11, version: '9.3' });
    const database = await createScratchDatabase(kind, server);
    try {
      await writeConfluenceDatabase(database.url, emulator.state);
      const config = writeConfig({
        dir,
        emulator,
        database: database.url,
        // The database knows creation dates, so never-logged-in users count from creation: more rows than over REST.
        safety: '{ maxActions: 500, maxPercent: 40 }',
        policy: `    select: { inactiveDays: 180, neverLoggedInDays: 30, directories: [Corporate LDAP, Confluence Internal Directory] }
    exclude: { users: [svc-backup], groups: [] }
    actions: { removeGroups: license, addGroups: [confluence-inactive-users] }`,
      });
      const planned = await runCli(['--config', config, '--json', 'plan'], env);
      assert.equal(planned.code, 0, planned.stderr + planned.stdout.slice(0, 1500));
      const { planId, plan } = JSON.parse(planned.stdout) as { planId: string; plan: Plan };
      assert.ok(plan.rows.length > 10);
      for (const row of plan.rows) {
        assert.equal(row.directory, emulator.state.findUser(row.username)?.directory, `${row.username}'s directory`);
        assert.equal(row.steps.some((s) => s.kind === 'remove-group' && (s.group === 'wiki-access' || s.group === 'all-employees')), false);
      }
      const seatedThroughLdap = emulator.state
        .allUsers()
        .filter((u) => emulator.state.holdsSeat(u.username) && emulator.state.groupsOf(u.username).some((g) => g.name === 'wiki-access'));
      assert.ok(seatedThroughLdap.length > 0, 'the organisation has users seated through the read-only wiki-access group');
      assert.ok((plan.summaries[0]?.skipped['seat-in-read-only-group'] ?? 0) > 0, 'they are counted, not planned');

      const applied = await runCli(['--config', config, '--json', 'apply', '--plan', planId], env);
      assert.equal(applied.code, 0, applied.stdout.slice(-2000) + applied.stderr);
      const report = JSON.parse(applied.stdout) as { counts: { failed: number } };
      assert.equal(report.counts.failed, 0);
      for (const row of plan.rows) assert.equal(emulator.state.holdsSeat(row.username), false, `${row.username} still holds a seat`);
    } finally {
      await emulator.close();
      await database.drop();
    }
  });
}
