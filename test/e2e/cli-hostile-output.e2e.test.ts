// What the CLI prints when Confluence's data, the config or the store is hostile or broken: names that would steer
// the terminal, an e-mail field holding two addresses, passwords inside URLs, and a store file that is no database.
// The real CLI against the Confluence emulator and a real SMTP server on 127.0.0.1; judged on the raw bytes printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from './cli-harness.ts';
import { startConfluenceEmulator, type RunningConfluenceEmulator } from '../../src/emulators/confluence-dc/confluence-emulator.ts';
import type { OrgSeed, UserSeed } from '../../src/emulators/confluence-dc/org-generator.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';

const NOW = new Date('2026-03-01T03:00:00.000Z');
const DAY = 86_400_000;
const INTERNAL = 'Confluence Internal Directory';
const TOKEN = 'AdminToken0000000000000000000000000000000000';

// ESC (and with it every ANSI sequence), CR, and the bidi controls that reorder a line.
// eslint-disable-next-line no-control-regex
const STEERING = /[\u001b\r\u0085\u009b\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** A name that would erase the line it is on and write a harmless-looking one instead. */
const ERASER = 'mallory\u001b[2K\rkeeps-licence';
/** A name that reads backwards from the override on. */
const REVERSER = 'eve\u202enimda';
/** A display name with a bare carriage return. */
const CARRIAGE = 'Carl\rAdministrator';

function person(id: number, username: string, displayName: string, lastLoginDaysAgo: number, email = `user${id}@example.com`): UserSeed {
  return {
    id,
    username,
    userKey: `key-${id}`,
    firstName: displayName.split(' ')[0] ?? '',
    lastName: displayName.split(' ')[1] ?? '',
    displayName,
    email,
    directory: INTERNAL,
    active: true,
    createdAt: new Date(NOW.getTime() - 1000 * DAY),
    lastLogin: new Date(NOW.getTime() - lastLoginDaysAgo * DAY),
    role: username.includes('admin') ? 'administrator' : 'person',
  };
}

/** Two administrators who keep working, and four inactive people: three with hostile names, one with two addresses. */
function organisation(): OrgSeed {
  const users = [
    person(1, 'admin', 'Site Admin', 1),
    person(2, 'backup-admin', 'Backup Admin', 1),
    person(3, ERASER, 'Mallory M', 200),
    person(4, REVERSER, 'Eve E', 200),
    person(5, 'carl', CARRIAGE, 200),
    person(6, 'dora', 'Dora D', 80, 'a@x.example, b@y.example'),
    person(7, 'finn', 'Finn F', 80),
  ];
  return {
    seed: 1,
    generatedAt: NOW,
    directories: [{ id: 1, name: INTERNAL, order: 0, active: true, writable: true, type: 'INTERNAL' }],
    users,
    groups: [
      { id: 1, name: 'confluence-users', directory: INTERNAL, local: false, description: 'seats' },
      { id: 2, name: 'confluence-administrators', directory: INTERNAL, local: false, description: 'admins' },
    ],
    memberships: [
      ...users.map((u) => ({ group: 'confluence-users', username: u.username })),
      { group: 'confluence-administrators', username: 'admin' },
      { group: 'confluence-administrators', username: 'backup-admin' },
    ],
    nesting: [],
    grants: [
      { subject: { type: 'group', name: 'confluence-users' }, permission: 'application/use' },
      { subject: { type: 'group', name: 'confluence-administrators' }, permission: 'system/administer' },
    ],
    maxUsers: 20,
    credentials: {
      admin: { username: 'admin', password: 'admin-pw', token: TOKEN },
      user: { username: 'finn', password: 'finn-pw', token: `${TOKEN.slice(0, -1)}F` },
    },
  };
}

function writeYaml(dir: string, body: string): string {
  const file = join(dir, 'seatkeeper.yaml');
  writeFileSync(file, body);
  return file;
}

function instanceYaml(emulator: RunningConfluenceEmulator): string {
  return `instances:
  wiki:
    product: confluence-dc
    url: ${emulator.url}
    auth: { token: ${TOKEN} }
`;
}

function assertNothingSteers(result: CliResult, what: string): void {
  assert.doesNotMatch(result.stdout, STEERING, `${what}: stdout carries a raw control or bidi character`);
  assert.doesNotMatch(result.stderr, STEERING, `${what}: stderr carries a raw control or bidi character`);
}

test('names with ESC, CR and bidi controls reach plan and users output only as visible escapes; JSON keeps them exactly', async () => {
  const emulator = await startConfluenceEmulator({ org: organisation(), version: '10.2' });
  const dir = mkdtempSync(join(tmpdir(), 'sk-hostile-'));
  const config = writeYaml(
    dir,
    `store: sqlite:${join(dir, 'seatkeeper.db')}
${instanceYaml(emulator)}policies:
  inactive-users:
    instance: wiki
    select: { inactiveDays: 90 }
safety: { maxActions: 50, maxPercent: 100 }
`,
  );
  const cli = (...args: string[]) => runCli(['--config', config, '--now', NOW.toISOString(), ...args], { SEATKEEPER_REHEARSAL: '1' });
  try {
    const plan = await cli('plan');
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    assertNothingSteers(plan, 'plan');
    for (const shown of ['mallory\\u001b[2K\\u000dkeeps-licence', 'eve\\u202enimda']) {
      assert.ok(plan.stdout.includes(shown), `plan shows ${shown}:\n${plan.stdout}`);
    }

    const users = await cli('users');
    assert.equal(users.code, 0, users.stdout + users.stderr);
    assertNothingSteers(users, 'users');
    assert.ok(users.stdout.includes('mallory\\u001b[2K\\u000dkeeps-licence'), users.stdout);
    // One line per user, a header and a count: a name cannot add or swallow a line.
    assert.equal(users.stdout.trimEnd().split('\n').length, 2 + 7, users.stdout);

    const json = await cli('--json', 'users');
    assert.equal(json.code, 0, json.stderr);
    assertNothingSteers(json, 'users --json');
    const parsed: { users: { username: string; displayName?: string }[] } = JSON.parse(json.stdout);
    const names = parsed.users.map((u) => u.username);
    assert.ok(names.includes(ERASER) && names.includes(REVERSER), 'the JSON value is the name exactly');
  } finally {
    await emulator.close();
  }
});

test('a notice goes to exactly one address: "a@x.example, b@y.example" reaches neither, a plain address gets its notice', async () => {
  const emulator = await startConfluenceEmulator({ org: organisation(), version: '10.2' });
  const sink = await startSmtpSink();
  const dir = mkdtempSync(join(tmpdir(), 'sk-hostile-mail-'));
  const config = writeYaml(
    dir,
    `store: sqlite:${join(dir, 'seatkeeper.db')}
${instanceYaml(emulator)}policies:
  staged:
    instance: wiki
    select: { inactiveDays: 90 }
    lifecycle:
      notice: { daysBefore: 14 }
notices:
  smtp: { host: 127.0.0.1, port: ${sink.port}, timeoutMs: 5000 }
  from: "Seatkeeper <seatkeeper@example.com>"
  keepAccessUrl: "https://seatkeeper.example.com/keep-access?token={token}"
safety: { maxActions: 50, maxPercent: 100 }
`,
  );
  try {
    const run = await runCli(['--config', config, '--json', '--now', NOW.toISOString(), 'apply', '--yes'], { SEATKEEPER_REHEARSAL: '1' });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const recipients = sink.received.flatMap((m) => m.rcptTo);
    assert.equal(recipients.includes('a@x.example') || recipients.includes('b@y.example'), false, `RCPT TO: ${recipients.join(', ')}`);
    // Everyone inactive with one address is warned (the first stage of the lifecycle); dora, with the list, is not,
    // and keeps the licence.
    assert.deepEqual([...recipients].sort(), ['user3@example.com', 'user4@example.com', 'user5@example.com', 'user7@example.com']);
    assert.equal(emulator.state.holdsSeat('dora'), true);
  } finally {
    await emulator.close();
    await sink.close();
  }
});

test('config show and error lines never print a password: empty-user store URL, ?password=, a pg connection error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sk-hostile-secrets-'));
  const config = writeYaml(
    dir,
    `store: postgres://:store-secret@127.0.0.1:1/seatkeeper
instances:
  wiki:
    product: confluence-dc
    url: https://wiki.example.com
    auth: { token: token-secret }
    lastLogin: database
    database: mysql://confluence@db.example.com/confluence?password=db-secret
policies:
  p: { instance: wiki, select: { inactiveDays: 90 } }
`,
  );
  const shown = await runCli(['--config', config, 'config', 'show']);
  assert.equal(shown.code, 0, shown.stderr);
  for (const secret of ['store-secret', 'token-secret', 'db-secret']) assert.equal(shown.stdout.includes(secret), false, `${secret} in ${shown.stdout}`);
  assert.match(shown.stdout, /"store": "postgres:\/\/:\*\*\*@127\.0\.0\.1:1\/seatkeeper"/);
  assert.match(shown.stdout, /"database": "mysql:\/\/confluence@db\.example\.com\/confluence\?password=\*\*\*"/);

  // Nothing listens on port 1: the driver's error comes back through the CLI's error lines.
  const users = await runCli(['--config', config, 'users']);
  assert.equal(users.code, 1, users.stderr);
  assert.match(users.stderr, /Could not open the store \(PostgreSQL at 127\.0\.0\.1:1\/seatkeeper\)/);
  assert.equal(users.stderr.includes('store-secret'), false, users.stderr);
  assertNothingSteers(users, 'users on an unreachable store');
});

test('a store file that is no database: one line that says what to do, exit 2, no stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sk-hostile-store-'));
  const store = join(dir, 'seatkeeper.db');
  writeFileSync(store, 'these bytes were never a SQLite database '.repeat(100));
  const config = writeYaml(
    dir,
    `store: sqlite:${store}
instances:
  wiki: { product: confluence-dc, url: "https://wiki.example.com", auth: { token: t } }
`,
  );
  const result = await runCli(['--config', config, 'users']);
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stderr, `the store at ${store} cannot be read: file is not a database; restore it from a backup or point store: at another file\n`);
  assert.equal(result.stdout, '');
});
