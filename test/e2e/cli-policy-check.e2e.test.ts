import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli, setup, writeConfig } from './cli-harness.ts';

function storedPlans(dir: string): number {
  const db = new Database(join(dir, 'seatkeeper.db'), { readonly: true, fileMustExist: true });
  try {
    const row: unknown = db.prepare('select count(*) as n from plans').get();
    return typeof row === 'object' && row !== null && 'n' in row && typeof row.n === 'number' ? row.n : -1;
  } finally {
    db.close();
  }
}

test('policy check shows whom each policy selects and why, and stores nothing', async () => {
  const { dir, emulator, env } = await setup({ users: 300, seed: 11 });
  try {
    const config = writeConfig({
      dir,
      emulator,
      policy: `    select: { inactiveDays: 180, neverLoggedInDays: 30 }
    exclude: { users: [svc-backup], groups: [newsletter] }
    actions: { removeGroups: license, addGroups: [confluence-inactive-users], rename: "{username}_inactive_{yyyyMMdd}" }`,
    });
    const scan = await runCli(['--config', config, 'scan'], env);
    assert.equal(scan.code, 0, scan.stderr);
    const checked = await runCli(['--config', config, 'policy', 'check', '--rows', '3'], env);
    assert.equal(checked.code, 0, checked.stderr);
    const selected = Number(/policy inactive-users: selects (\d+)/.exec(checked.stdout)?.[1]);
    assert.ok(selected > 0, checked.stdout);
    assert.match(checked.stdout, /excluded by group/);
    assert.match(checked.stdout, /rename to "[a-z0-9._-]+_inactive_\d{8}" not possible: Confluence's API cannot rename users/);
    assert.match(checked.stdout, /Policy check only: nothing was stored or changed\.$/m);
    assert.equal(storedPlans(dir), 0, 'policy check stored a plan');
    assert.equal(emulator.state.changes.length, 0);

    const json = await runCli(['--config', config, '--json', 'policy', 'check'], env);
    const body = JSON.parse(json.stdout) as { summaries: { policy: string; selected: number }[] };
    assert.equal(body.summaries[0]?.selected, selected);
  } finally {
    await emulator.close();
  }
});
