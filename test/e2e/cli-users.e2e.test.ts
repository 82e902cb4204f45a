import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, setup, writeConfig } from './cli-harness.ts';
import type { RunningConfluenceEmulator } from '../../src/emulators/confluence-dc/confluence-emulator.ts';
import type { EmulatedUser } from '../../src/emulators/confluence-dc/emulator-model.ts';
import { INTERNAL_DIRECTORY } from '../../src/emulators/confluence-dc/org-generator.ts';
import { USER_COLUMNS, type UserRow } from '../../src/app/list-users.ts';

const DAY_MS = 86_400_000;
const FORMULA = '=HYPERLINK("x")';

interface UsersJson {
  scanId: string;
  count: number;
  users: UserRow[];
}

/** Parses RFC 4180 text (quoted fields, doubled quotes, CRLF records) into records of fields. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 1;
    } else {
      field += c;
    }
  }
  assert.equal(field + record.join(''), '', 'the last record ends with CRLF');
  return records;
}

/**
 * What `--inactive-days N --licensed` must return over REST, computed from the emulator itself: seat holders whose
 * last login is more than N whole days before `now`, or who never logged in (REST lists every seat holder's login,
 * so their "never" is known).
 */
function inactiveSeatHolders(emulator: RunningConfluenceEmulator, days: number, now: Date): Set<string> {
  const inactive = (u: EmulatedUser): boolean => u.lastLogin === null || Math.floor((now.getTime() - u.lastLogin.getTime()) / DAY_MS) > days;
  return new Set(emulator.state.allUsers().filter((u) => emulator.state.holdsSeat(u.username) && inactive(u)).map((u) => u.username));
}

/** Members of `group` directly or through any group nested inside it. */
function membersOf(emulator: RunningConfluenceEmulator, group: string): Set<string> {
  const groups = new Set<string>();
  for (const queue = [group]; queue.length > 0; ) {
    const next = queue.pop() ?? '';
    if (groups.has(next)) continue;
    groups.add(next);
    queue.push(...emulator.state.childGroupsOf(next).map((g) => g.name));
  }
  return new Set([...groups].flatMap((g) => emulator.state.membersOf(g).map((u) => u.username)));
}

function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

test('scan, then users --inactive-days 180 --licensed --csv: RFC 4180, exactly the inactive seat holders, formulas neutralised', async () => {
  const { dir, emulator, env } = await setup({ users: 300, seed: 5 });
  try {
    const config = writeConfig({ dir, emulator });
    // A display name that a spreadsheet would run as a formula, on an inactive seat holder whose profile Confluence can change.
    const target = emulator.state.allUsers().find(
      (u) => u.directory === INTERNAL_DIRECTORY && emulator.state.holdsSeat(u.username) && u.lastLogin !== null && Date.now() - u.lastLogin.getTime() > 200 * DAY_MS,
    );
    assert.ok(target, 'the organisation has an inactive internal seat holder');
    assert.equal(emulator.state.updateProfile(target.username, { fullName: FORMULA }).result, 'changed');
    const changesBefore = emulator.state.changes.length;

    const scan = await runCli(['--config', config, 'scan'], env);
    assert.equal(scan.code, 0, scan.stdout + scan.stderr);
    assert.match(scan.stdout, /^Scan scan_\w+ of wiki: complete$/m);

    const csvFile = join(dir, 'inactive.csv');
    const before = new Date();
    const listed = await runCli(['--config', config, 'users', '--inactive-days', '180', '--licensed', '--csv', csvFile], env);
    const after = new Date();
    assert.equal(listed.code, 0, listed.stderr);
    const text = readFileSync(csvFile, 'utf8');
    assert.equal(text.replace(/\r\n/g, '').includes('\n'), false, 'every line ends with CRLF');
    assert.equal(text.replace(/\r\n/g, '').includes('\r'), false, 'no bare CR');
    const [header, ...records] = parseCsv(text);
    assert.deepEqual(header, [...USER_COLUMNS]);
    assert.match(listed.stdout, new RegExp(`^${records.length} users from scan scan_\\w+ written to ${csvFile.replaceAll('.', '\\.')}$`, 'm'));
    for (const record of records) assert.equal(record.length, USER_COLUMNS.length, `a record has ${record.length} fields`);

    const rows = records.map((r) => Object.fromEntries(USER_COLUMNS.map((c, i) => [c, r[i] ?? ''])));
    // Users whose 180-day mark fell between the two clock readings could go either way; none usually do.
    const early = inactiveSeatHolders(emulator, 180, before);
    const late = inactiveSeatHolders(emulator, 180, after);
    const undecided = new Set([...early].filter((u) => !late.has(u)).concat([...late].filter((u) => !early.has(u))));
    const got = rows.map((r) => r['username'] ?? '').filter((u) => !undecided.has(u));
    assert.ok(late.size > 20, `the organisation should have inactive seat holders, got ${late.size}`);
    assert.ok([...late].some((u) => emulator.state.findUser(u)?.lastLogin === null), 'a seat holder who never logged in is listed');
    assert.deepEqual(got, sorted([...late].filter((u) => !undecided.has(u))), 'rows are exactly the inactive seat holders, by username');

    for (const row of rows) {
      const user = emulator.state.findUser(row['username'] ?? '');
      assert.ok(user);
      assert.equal(row['licensed'], 'true');
      assert.equal(row['lastLogin'], user.lastLogin?.toISOString() ?? '', `lastLogin of ${user.username}`);
      const days = (now: Date): string => (user.lastLogin === null ? '' : String(Math.floor((now.getTime() - user.lastLogin.getTime()) / DAY_MS)));
      assert.ok([days(before), days(after)].includes(row['daysSinceLogin'] ?? 'missing'), `daysSinceLogin of ${user.username}`);
      assert.equal(row['admin'], String(emulator.state.isAdministrator(user.username)));
    }

    const formulaRow = rows.find((r) => r['username'] === target.username);
    assert.ok(formulaRow, `${target.username} is inactive and licensed, so listed`);
    assert.equal(formulaRow['displayName'], `'${FORMULA}`);
    assert.ok(text.includes(`${target.username},"'=HYPERLINK(""x"")",`), 'the neutralised cell is quoted with doubled quotes');
    assert.equal(emulator.state.changes.length, changesBefore, 'scan and users changed nothing in Confluence');
  } finally {
    await emulator.close();
  }
});

test('users --group returns only members of the group, nested membership included; --directory matches nobody over REST', async () => {
  const { dir, emulator, env } = await setup({ users: 250, seed: 9 });
  try {
    const config = writeConfig({ dir, emulator });
    const scan = await runCli(['--config', config, 'scan'], env);
    assert.equal(scan.code, 0, scan.stdout + scan.stderr);

    const users = async (...args: string[]): Promise<UsersJson> => {
      const result = await runCli(['--config', config, '--json', 'users', ...args], env);
      assert.equal(result.code, 0, result.stderr);
      const parsed = JSON.parse(result.stdout) as UsersJson;
      assert.equal(parsed.count, parsed.users.length);
      return parsed;
    };

    const engineering = await users('--group', 'engineering');
    const expected = membersOf(emulator, 'engineering');
    assert.ok(expected.size > 10, `engineering has ${expected.size} members`);
    assert.deepEqual(engineering.users.map((u) => u.username), sorted(expected));

    // The departments sit inside staff: its members are almost all nested ones.
    const staff = await users('--group', 'staff');
    const staffExpected = membersOf(emulator, 'staff');
    assert.equal(emulator.state.membersOf('staff').length, 0, 'staff has no direct members in the generated organisation');
    assert.ok(staffExpected.size > expected.size);
    assert.deepEqual(staff.users.map((u) => u.username), sorted(staffExpected));
    assert.ok(engineering.users.every((u) => staffExpected.has(u.username)));

    // REST does not say which directory a user is in, so every user's directory is unknown and nobody matches.
    const all = await users();
    assert.equal(all.count, emulator.state.allUsers().length);
    assert.equal(all.users.filter((u) => u.directory !== null).length, 0, 'a directory came over REST');
    assert.ok(emulator.state.allUsers().some((u) => u.directory === INTERNAL_DIRECTORY));
    const internal = await users('--directory', INTERNAL_DIRECTORY);
    assert.equal(internal.count, 0);
    assert.equal(internal.users.length, 0);
  } finally {
    await emulator.close();
  }
});
