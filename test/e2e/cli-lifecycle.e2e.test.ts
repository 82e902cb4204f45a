// The staged lifecycle end to end: the real CLI (a rehearsal, with --now for simulated days) against the Confluence emulator 10.2
// and a real SMTP server on 127.0.0.1. Judged by the emulator's record of changes and the messages the server got.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli, type CliResult } from './cli-harness.ts';
import { startConfluenceEmulator, type RunningConfluenceEmulator } from '../../src/emulators/confluence-dc/confluence-emulator.ts';
import type { OrgSeed, UserSeed } from '../../src/emulators/confluence-dc/org-generator.ts';
import { startSmtpSink, type ReceivedMail } from '../support/smtp-sink.ts';
import type { Plan } from '../../src/domain/plan.ts';

const DAY0 = new Date('2026-03-01T03:00:00.000Z');
const DAY = 86_400_000;
const day = (n: number, hours = 0): Date => new Date(DAY0.getTime() + n * DAY + hours * 3_600_000);
const INTERNAL = 'Confluence Internal Directory';
const TOKEN = 'AdminToken0000000000000000000000000000000000';

function person(id: number, username: string, displayName: string, lastLogin: Date): UserSeed {
  const [firstName = '', lastName = ''] = displayName.split(' ');
  return {
    id,
    username,
    userKey: `key-${username}`,
    firstName,
    lastName,
    displayName,
    email: `${username}@example.com`,
    directory: INTERNAL,
    active: true,
    createdAt: day(-1000),
    lastLogin,
    role: username.includes('admin') ? 'administrator' : 'person',
  };
}

/**
 * A small organisation whose every date is known: two people going quiet, one who keeps working, the admin Seatkeeper
 * connects as and a second administrator (safety.minAdmins wants two).
 */
function organisation(): OrgSeed {
  const users = [
    person(1, 'admin', 'Site Admin', day(-200)),
    person(2, 'alice', 'Alice Smith', day(-80)),
    person(3, 'bob', 'Bob Jones', day(-80)),
    person(4, 'carol', 'Carol White', day(-1)),
    person(5, 'backup-admin', 'Backup Admin', day(-1)),
  ];
  return {
    seed: 1,
    generatedAt: DAY0,
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
    maxUsers: 10,
    credentials: { admin: { username: 'admin', password: 'admin-pw', token: TOKEN }, user: { username: 'carol', password: 'carol-pw', token: `${TOKEN.slice(0, -1)}C` } },
  };
}

function writeLifecycleConfig(dir: string, emulator: RunningConfluenceEmulator, smtpPort: number): string {
  const file = join(dir, 'seatkeeper.yaml');
  writeFileSync(
    file,
    `store: sqlite:${join(dir, 'seatkeeper.db')}
instances:
  wiki:
    product: confluence-dc
    url: ${emulator.url}
    auth: { token: ${TOKEN} }
policies:
  staged:
    instance: wiki
    select: { inactiveDays: 90 }
    actions: { removeGroups: license, addGroups: [] }
    lifecycle:
      notice: { daysBefore: 14 }
      deactivateAfterDays: 30
      rename: { displayNameSuffix: " (inactive)" }
notices:
  smtp: { host: 127.0.0.1, port: ${smtpPort}, secure: false, timeoutMs: 5000 }
  from: "Seatkeeper <seatkeeper@example.com>"
  keepAccessUrl: "https://seatkeeper.example.com/keep-access?token={token}"
safety: { maxActions: 50, maxPercent: 100 }
`,
  );
  return file;
}

interface RunJson {
  runId: string;
  status: string;
  counts: { done: number; 'already-done': number; failed: number };
  lifecycle?: { notices: { counts: Record<string, number> }; entered: number; cancelled: number };
}

function json<T>(result: CliResult): T {
  assert.ok(result.code === 0, `exit ${result.code}: ${result.stdout.slice(-2000)}${result.stderr.slice(-2000)}`);
  return JSON.parse(result.stdout) as T;
}

const LINK = /https:\/\/seatkeeper\.example\.com\/keep-access\?token=([A-Za-z0-9_-]{32})/;

/** The keep-access token of a notice, checked to be the same in the text and the HTML part. */
function tokenOf(mail: ReceivedMail): string {
  const token = LINK.exec(mail.text)?.[1];
  assert.ok(token, `no keep-access link in:\n${mail.text}`);
  assert.equal(LINK.exec(mail.html)?.[1], token, 'the HTML part carries the same link');
  return token;
}

function changes(emulator: RunningConfluenceEmulator, from = 0): string[] {
  return emulator.state.changes.slice(from).map((c) => `${c.kind} ${c.username}${c.group ? ` ${c.group}` : ''}`);
}

test('lifecycle over simulated days: one notice per user and stage, stages advance, a login cancels the rest', async () => {
  const emulator = await startConfluenceEmulator({ org: organisation(), version: '10.2' });
  const sink = await startSmtpSink();
  const dir = mkdtempSync(join(tmpdir(), 'sk-lifecycle-'));
  const config = writeLifecycleConfig(dir, emulator, sink.port);
  const at = (when: Date, ...args: string[]) => runCli(['--config', config, '--json', '--now', when.toISOString(), ...args], { SEATKEEPER_REHEARSAL: '1' });
  const oneGo = (when: Date) => at(when, 'apply', '--yes');
  try {
    // Day 0: alice and bob are 80 days inactive (> 90 − 14): each gets a notice; nothing changes in Confluence.
    const planned = json<{ planId: string; plan: Plan }>(await at(day(0), 'plan'));
    assert.deepEqual(
      planned.plan.lifecycle?.notices.map((n) => [n.username, n.email, n.dueDate, n.reason]),
      [
        ['alice', 'alice@example.com', '2026-03-15', 'notice: licence goes on 2026-03-15, last login 2025-12-11, 80 days ago > 76'],
        ['bob', 'bob@example.com', '2026-03-15', 'notice: licence goes on 2026-03-15, last login 2025-12-11, 80 days ago > 76'],
      ],
    );
    assert.equal(planned.plan.rows.length, 0);
    const first = json<RunJson>(await at(day(0, 1), 'apply', '--plan', planned.planId));
    assert.deepEqual(first.lifecycle?.notices.counts, { sent: 2, 'already-sent': 0, unconfirmed: 0, failed: 0, 'not-sent': 0 });
    assert.deepEqual(sink.received.map((m) => m.rcptTo), [['alice@example.com'], ['bob@example.com']]);
    for (const mail of sink.received) {
      assert.equal(mail.mailFrom, 'seatkeeper@example.com');
      assert.match(mail.headers.get('subject') ?? '', /licence goes on 2026-03-15/);
      assert.match(mail.text, /your Confluence licence will be removed on 2026-03-15/);
    }
    const tokens = sink.received.map(tokenOf);
    assert.notEqual(tokens[0], tokens[1]);
    assert.deepEqual(changes(emulator), [], 'a notice changes nothing in Confluence');

    // The same plan applied again is refused (a plan is applied once), and a fresh plan the same day: no second e-mail.
    const again = await at(day(0, 2), 'apply', '--plan', planned.planId);
    assert.equal(again.code, 2, again.stdout + again.stderr);
    assert.match(again.stderr, new RegExp(`plan ${planned.planId} was applied already, by run ${first.runId} \\(done\\)`));
    json<RunJson>(await oneGo(day(0, 3)));
    assert.equal(sink.received.length, 2, 'no notice is sent twice');

    // Day 5: bob logs in. The next run cancels the rest of his lifecycle.
    emulator.state.recordLogin('bob', day(5));
    const day5 = json<RunJson>(await oneGo(day(5, 1)));
    assert.equal(day5.lifecycle?.cancelled, 1);

    // Day 13: alice is still within her notice period. Day 14: her licence goes; bob keeps his.
    json<RunJson>(await oneGo(day(13)));
    assert.deepEqual(changes(emulator), []);
    const day14 = json<RunJson>(await oneGo(day(14)));
    assert.equal(day14.counts.done, 1);
    assert.deepEqual(changes(emulator), ['remove-group alice confluence-users']);
    assert.equal(emulator.state.holdsSeat('alice'), false);
    assert.equal(emulator.state.holdsSeat('bob'), true);

    // Deactivation 30 days after the unlicense (day 44, not 43), the display-name rename on the run after it.
    json<RunJson>(await oneGo(day(43)));
    assert.equal(emulator.state.changes.length, 1);
    json<RunJson>(await oneGo(day(44)));
    assert.deepEqual(changes(emulator, 1), ['disable alice']);
    json<RunJson>(await oneGo(day(44, 1)));
    assert.deepEqual(changes(emulator, 2), ['update-profile alice']);
    assert.equal(emulator.state.findUser('alice')?.displayName, 'Alice Smith (inactive)');
    json<RunJson>(await oneGo(day(45)));
    assert.equal(emulator.state.changes.length, 3, 'the lifecycle is finished for alice');

    // Carol keeps working; bob started over on day 5: 77 days later he gets a new notice (a new period of inactivity), once.
    emulator.state.recordLogin('carol', day(60));
    json<RunJson>(await oneGo(day(82)));
    json<RunJson>(await oneGo(day(83)));
    assert.deepEqual(sink.received.map((m) => m.rcptTo[0]), ['alice@example.com', 'bob@example.com', 'bob@example.com']);
    const bobAgain = sink.received[2];
    assert.ok(bobAgain);
    assert.match(bobAgain.text, /removed on 2026-06-06/);
    tokens.push(tokenOf(bobAgain));
    assert.equal(new Set(tokens).size, 3);
    assert.deepEqual(changes(emulator, 3), [], 'carol, active throughout, and the admin were never touched');

    // Every link's token is the one journaled (as its hash), next to the user it was sent to.
    const db = new Database(join(dir, 'seatkeeper.db'), { readonly: true });
    try {
      const rows = db.prepare('select username, recipient, token_hash, sent_at, message_id from notice_journal order by id').all() as {
        username: string;
        recipient: string;
        token_hash: string;
        sent_at: string | null;
        message_id: string | null;
      }[];
      assert.deepEqual(rows.map((r) => [r.username, r.recipient, r.sent_at?.slice(0, 10)]), [
        ['alice', 'alice@example.com', '2026-03-01'],
        ['bob', 'bob@example.com', '2026-03-01'],
        ['bob', 'bob@example.com', '2026-05-22'],
      ]);
      assert.deepEqual(rows.map((r) => r.token_hash), tokens.map((t) => createHash('sha256').update(t).digest('hex')));
      assert.deepEqual(rows.map((r) => r.message_id), sink.received.map((m) => m.headers.get('message-id')));
    } finally {
      db.close();
    }
  } finally {
    await emulator.close();
    await sink.close();
  }
});

test('--now must be an ISO-8601 instant', async () => {
  const result = await runCli(['--config', 'nowhere.yaml', '--now', '2026-03-01', 'plan'], { SEATKEEPER_REHEARSAL: '1' });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--now "2026-03-01" is not an ISO-8601 instant/);
});
