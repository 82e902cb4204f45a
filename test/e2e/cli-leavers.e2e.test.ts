import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, setup } from './cli-harness.ts';
import type { Plan } from '../../src/domain/plan.ts';
import type { RunningConfluenceEmulator } from '../../src/emulators/confluence-dc/confluence-emulator.ts';

/** A stand-in for an HR system: `GET /people` lists people as JSON, in two pages. */
async function hrDirectory(people: { login: string; status: string }[]): Promise<{ url: string; server: Server }> {
  const half = Math.ceil(people.length / 2);
  const server = createServer((req, res) => {
    const second = req.url?.includes('page=2') ?? false;
    const body = second ? { results: people.slice(half) } : { results: people.slice(0, half), next: '/people?page=2' };
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}/people`, server };
}

function leaversConfig(dir: string, emulator: RunningConfluenceEmulator, directoryUrl: string): string {
  const file = join(dir, 'seatkeeper.yaml');
  writeFileSync(
    file,
    `store: sqlite:${join(dir, 'seatkeeper.db')}
instances:
  wiki:
    product: confluence-dc
    url: ${emulator.url}
    auth: { token: \${WIKI_TOKEN} }
directories:
  hr:
    kind: http
    url: ${directoryUrl}
    match: { user: username, directory: login }
    status: { field: status, activeValues: [employed] }
policies:
  leavers:
    instance: wiki
    select: { orgStatus: [not-found, disabled], via: hr }
    actions:
      removeGroups: all
      addGroups: [confluence-inactive-users]
      deactivate: true
      rename: "{username}_inactive_{yyyyMMdd}"
safety: { maxActions: 500, maxPercent: 20 }
`,
  );
  return file;
}

test('leavers: users the directory no longer lists or lists as disabled are stripped and deactivated, nobody else', async () => {
  // No read-only LDAP directory here: over REST its users cannot be told apart, and Confluence refuses to disable them.
  const { dir, emulator, env } = await setup({ users: 300, seed: 21, ldapShare: 0 });
  const users = emulator.state.allUsers();
  // Every 15th person has left (not listed), every 20th is disabled in HR; everyone else is employed.
  const gone = new Set(users.filter((_, i) => i % 15 === 7).map((u) => u.username));
  const disabled = new Set(users.filter((_, i) => i % 20 === 3 && !gone.has(users[i]!.username)).map((u) => u.username));
  const people = users.filter((u) => !gone.has(u.username)).map((u) => ({ login: u.username.toUpperCase(), status: disabled.has(u.username) ? 'terminated' : 'employed' }));
  const hr = await hrDirectory(people);
  try {
    const config = leaversConfig(dir, emulator, hr.url);
    const planned = await runCli(['--config', config, '--json', 'plan'], env);
    assert.equal(planned.code, 0, planned.stderr + planned.stdout.slice(0, 1000));
    const { planId, plan } = JSON.parse(planned.stdout) as { planId: string; plan: Plan };

    const expected = users
      .filter((u) => (gone.has(u.username) || disabled.has(u.username)) && !emulator.state.isAdministrator(u.username) && u.username !== 'admin')
      // A leaver already deactivated with no groups left has nothing to change.
      .filter((u) => u.active || emulator.state.groupsOf(u.username).length > 0)
      .map((u) => u.username)
      .sort();
    assert.ok(expected.length > 10, `leavers in the organisation: ${expected.length}`);
    assert.deepEqual(plan.rows.map((r) => r.username), expected);
    for (const row of plan.rows) {
      assert.equal(row.reason.text, gone.has(row.username) ? 'not found in directory hr' : 'disabled in directory hr');
      assert.ok(row.notes.some((n) => n.startsWith(`rename to "${row.username}_inactive_`) && n.includes('cannot rename')), row.notes.join('; '));
    }

    const applied = await runCli(['--config', config, '--json', 'apply', '--plan', planId], env);
    assert.equal(applied.code, 0, applied.stdout.slice(-1500) + applied.stderr);
    const planned2 = plan.rows.flatMap((r) => r.steps.map((s) => `${s.kind} ${r.username}${'group' in s ? ` ${s.group}` : ''}`)).sort();
    const made = emulator.state.changes.map((c) => `${c.kind} ${c.username}${c.group ? ` ${c.group}` : ''}`).sort();
    assert.deepEqual(made, planned2, 'exactly the planned changes, each once');
    for (const username of expected) {
      const user = emulator.state.findUser(username);
      assert.equal(user?.active, false, `${username} is still active`);
      assert.deepEqual(emulator.state.groupsOf(username).map((g) => g.name), ['confluence-inactive-users']);
    }
    const touched = new Set(emulator.state.changes.map((c) => c.username));
    for (const u of users) {
      if (!gone.has(u.username) && !disabled.has(u.username)) assert.equal(touched.has(u.username), false, `${u.username} is employed but was changed`);
      if (emulator.state.isAdministrator(u.username)) assert.equal(touched.has(u.username), false, `administrator ${u.username} was changed`);
    }

    // The next run finds the leavers already handled: `removeGroups: all` leaves the tracking group it adds alone.
    const rescanned = await runCli(['--config', config, 'scan'], env);
    assert.equal(rescanned.code, 0, rescanned.stderr);
    const again = await runCli(['--config', config, '--json', 'plan'], env);
    assert.equal(again.code, 0, again.stderr + again.stdout.slice(0, 1000));
    const second = JSON.parse(again.stdout) as { plan: Plan };
    assert.deepEqual(second.plan.rows.map((r) => [r.username, r.steps]), [], 'a second run changes nobody');
  } finally {
    hr.server.close();
    await emulator.close();
  }
});

test('leavers: a directory that lists nobody is never taken to mean that everybody left', async () => {
  const { dir, emulator, env } = await setup({ users: 100, seed: 21, ldapShare: 0 });
  const hr = await hrDirectory([]);
  try {
    const config = leaversConfig(dir, emulator, hr.url);
    const planned = await runCli(['--config', config, 'plan'], env);
    assert.notEqual(planned.code, 0);
    assert.match(planned.stderr, /listed nobody; refusing to treat every user as not found/);
    const oneGo = await runCli(['--config', config, 'apply', '--yes'], env);
    assert.notEqual(oneGo.code, 0);
    assert.equal(emulator.state.changes.length, 0);
  } finally {
    hr.server.close();
    await emulator.close();
  }
});
