// `seatkeeper user change` end to end: the real CLI as a child process against an emulated Confluence and a SQLite
// store. Planning changes nothing in Confluence; `apply --plan` changes exactly what was asked; `undo --run` puts it
// back; a refused row refuses the whole file unless --valid-only. Judged by the emulator's state and change record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOW, runCli, setup, writeConfig } from './cli-harness.ts';
import { startJiraEmulator } from '../../src/emulators/jira-dc/jira-emulator.ts';
import { generateJiraOrganisation } from '../../src/emulators/jira-dc/jira-org-generator.ts';
import type { RunningConfluenceEmulator } from '../../src/emulators/confluence-dc/confluence-emulator.ts';

const groupNames = (emulator: RunningConfluenceEmulator, username: string): string[] => emulator.state.groupsOf(username).map((g) => g.name).sort();

/** Plain seated people (no administrators) with a writable group besides confluence-users, sorted. */
function plainPeople(emulator: RunningConfluenceEmulator): string[] {
  return emulator.state
    .activeLicensedUsers()
    .filter((u) => !emulator.state.isAdministrator(u.username) && u.username !== 'admin' && u.username !== 'svc-backup')
    .filter((u) => emulator.state.groupsOf(u.username).some((g) => g.writable && g.name !== 'confluence-users'))
    .map((u) => u.username)
    .sort();
}

interface PlannedJson {
  refused: number;
  verdicts: { username: string; status: string; reasons: string[] }[];
  planned: { planId: string; status: string } | null;
  notPlanned: string | null;
}

test('user change: planned and shown, nothing sent; apply --plan sends exactly it; undo --run puts it back; users --deactivated lists it', async () => {
  const { dir, emulator, env } = await setup({ users: 60, ldapShare: 0 });
  try {
    const config = writeConfig({ dir, emulator, safety: '{ maxActions: 500, maxPercent: 100 }' });
    assert.equal((await runCli(['--config', config, 'scan'], env)).code, 0);
    const [alice = ''] = plainPeople(emulator);
    const before = groupNames(emulator, alice);
    const group = emulator.state.groupsOf(alice).find((g) => g.writable && g.name !== 'confluence-users')?.name ?? '';

    const shown = await runCli(['--config', config, 'user', 'change', '--user', alice, '--remove-group', group, '--deactivate', '--dry-run'], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`ok +#1 +${alice} +remove from ${group}; deactivate`));
    assert.match(shown.stdout, /Nothing has changed yet\. Apply with: .* apply --plan plan_\w+/);
    assert.equal(emulator.state.changes.length, 0, 'planning sent nothing');
    const planId = /apply --plan (plan_\w+)/.exec(shown.stdout)?.[1] ?? '';

    const applied = await runCli(['--config', config, '--json', 'apply', '--plan', planId], env);
    assert.equal(applied.code, 0, applied.stderr);
    const report = JSON.parse(applied.stdout) as { runId: string; status: string };
    assert.equal(report.status, 'done');
    assert.deepEqual(groupNames(emulator, alice), before.filter((g) => g !== group));
    assert.equal(emulator.state.findUser(alice)?.active, false);
    assert.deepEqual(emulator.state.changes.map((c) => `${c.kind} ${c.username}`), [`remove-group ${alice}`, `disable ${alice}`]);

    const listed = await runCli(['--config', config, '--json', 'users', '--deactivated'], env);
    assert.equal(listed.code, 0, listed.stderr);
    const names = (JSON.parse(listed.stdout) as { users: { username: string }[] }).users.map((u) => u.username);
    assert.ok(names.includes(alice), 'the journal shows the deactivation since the scan');

    const undone = await runCli(['--config', config, 'undo', '--run', report.runId], env);
    assert.equal(undone.code, 0, undone.stdout + undone.stderr);
    assert.deepEqual(groupNames(emulator, alice), before);
    assert.equal(emulator.state.findUser(alice)?.active, true);
  } finally {
    await emulator.close();
  }
});

test('user change --file: one refused row plans nothing and says why per row; --valid-only plans the rest; --yes applies', async () => {
  const { dir, emulator, env } = await setup({ users: 60, ldapShare: 0 });
  try {
    const config = writeConfig({ dir, emulator, safety: '{ maxActions: 500, maxPercent: 100 }' });
    assert.equal((await runCli(['--config', config, 'scan'], env)).code, 0);
    const [alice = '', bob = ''] = plainPeople(emulator);
    const file = join(dir, 'changes.csv');
    writeFileSync(file, `username,deactivate,renameTo,addGroups\r\n${alice},true,,\r\n${bob},,${bob}_old,\r\nadmin,true,,\r\n${alice}x,,,nope\r\n`);

    const refused = await runCli(['--config', config, '--json', 'user', 'change', '--file', file], env);
    assert.equal(refused.code, 2, refused.stderr);
    const outcome = JSON.parse(refused.stdout) as PlannedJson;
    assert.equal(outcome.planned, null);
    assert.deepEqual(outcome.verdicts.map((v) => [v.username, v.status, v.reasons]), [
      [alice, 'ok', []],
      [bob, 'refused', [`rename to "${bob}_old" not possible: Confluence's API cannot rename users`]],
      ['admin', 'refused', ['it is the account Seatkeeper connects as, which is never changed']],
      [`${alice}x`, 'refused', [`no user ${alice}x in scan ${/scan_\w+/.exec(refused.stdout)?.[0] ?? ''}`]],
    ]);
    const text = await runCli(['--config', config, 'user', 'change', '--file', file], env);
    assert.match(text.stdout, /Nothing planned: 3 requests were refused, so nothing was planned/);
    assert.equal(emulator.state.changes.length, 0);

    const applied = await runCli(['--config', config, 'user', 'change', '--file', file, '--valid-only', '--yes'], env);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /Run run_\w+ of plan plan_\w+: done/);
    assert.deepEqual(emulator.state.changes.map((c) => `${c.kind} ${c.username}`), [`disable ${alice}`]);
  } finally {
    await emulator.close();
  }
});

test('user change --email-domain on Jira: refused whole for the administrator; --valid-only --yes moves the rest; undo --run moves them back', async () => {
  const jira = await startJiraEmulator({ org: generateJiraOrganisation({ seed: 3, users: 30, now: NOW }) });
  const dir = mkdtempSync(join(tmpdir(), 'sk-e2e-user-jira-'));
  const env = { JIRA_TOKEN: jira.credentials.admin.token };
  try {
    const config = join(dir, 'seatkeeper.yaml');
    writeFileSync(
      config,
      `store: sqlite:${join(dir, 'seatkeeper.db')}\ninstances:\n  tracker:\n    product: jira-dc\n    url: ${jira.url}\n    auth: { token: \${JIRA_TOKEN} }\n` +
        // Only one account administers the generated Jira; the guard's default of two would refuse every plan.
        'policies: {}\nsafety: { maxActions: 500, maxPercent: 100, minAdmins: 1 }\n',
    );
    assert.equal((await runCli(['--config', config, 'scan'], env)).code, 0);
    const before = new Map(jira.state.allUsers().map((u) => [u.username, u.email]));
    const refused = await runCli(['--config', config, 'user', 'change', '--email-domain', 'example.com=new.example'], env);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stdout, /refused +#\d+ +admin +it is the account Seatkeeper connects as, which is never changed/);
    assert.equal(jira.state.changes.length, 0);

    const moved = await runCli(['--config', config, '--json', 'user', 'change', '--email-domain', 'example.com=new.example', '--valid-only', '--yes'], env);
    assert.equal(moved.code, 0, moved.stderr);
    const outcome = JSON.parse(moved.stdout) as PlannedJson & { report: { runId: string; status: string } };
    assert.equal(outcome.report.status, 'done');
    const planned = outcome.verdicts.filter((v) => v.status === 'ok').map((v) => v.username);
    assert.ok(planned.length > 0);
    for (const user of jira.state.allUsers()) {
      const old = before.get(user.username) ?? '';
      assert.equal(user.email, planned.includes(user.username) ? old.replace(/@example\.com$/, '@new.example') : old, user.username);
    }
    const undone = await runCli(['--config', config, 'undo', '--run', outcome.report.runId], env);
    assert.equal(undone.code, 0, undone.stdout + undone.stderr);
    assert.deepEqual(new Map(jira.state.allUsers().map((u) => [u.username, u.email])), before);
  } finally {
    await jira.close();
  }
});
