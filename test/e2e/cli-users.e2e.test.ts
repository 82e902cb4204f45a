import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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

test('users --group returns only members of the group, nested membership included, case-insensitively; --directory over REST says why it cannot match (exit 2)', async () => {
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

    // Group names are compared case-insensitively, as Confluence does.
    assert.deepEqual((await users('--group', 'ENGINEERING')).users.map((u) => u.username), sorted(expected));

    // Groups are a list in JSON: names may hold spaces.
    const all = await users();
    for (const u of all.users.slice(0, 50)) assert.deepEqual(u.groups, sorted(emulator.state.groupsOf(u.username).map((g) => g.name)), `groups of ${u.username}`);

    // REST does not say which directory a user is in, so a directory filter cannot match anyone: said, exit 2.
    assert.equal(all.count, emulator.state.allUsers().length);
    assert.equal(all.users.filter((u) => u.directory !== null).length, 0, 'a directory came over REST');
    assert.ok(emulator.state.allUsers().some((u) => u.directory === INTERNAL_DIRECTORY));
    const internal = await runCli(['--config', config, 'users', '--directory', INTERNAL_DIRECTORY], env);
    assert.equal(internal.code, 2, internal.stdout + internal.stderr);
    assert.match(internal.stderr, /knows no user's directory, so no user can match one/);
    assert.match(internal.stderr, /REST API does not say which directory a user is in/);
  } finally {
    await emulator.close();
  }
});

test('filters that cannot match say why and contradictory flags exit 2; the CSV is private and lists groups one cell each', async () => {
  const { dir, emulator, env } = await setup({ users: 120, seed: 9 });
  try {
    const config = writeConfig({ dir, emulator });
    const scan = await runCli(['--config', config, 'scan'], env);
    assert.equal(scan.code, 0, scan.stdout + scan.stderr);
    const cli = (...args: string[]) => runCli(['--config', config, 'users', ...args], env);

    const nosuch = await cli('--group', 'nosuch');
    assert.equal(nosuch.code, 2);
    assert.match(nosuch.stderr, /^no group nosuch in scan scan_\w+ of instance wiki:$/m);
    assert.match(nosuch.stderr, /groups are compared case-insensitively/);
    const typo = await cli('--group', 'enginering');
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /did you mean engineering\?/);

    const both = await cli('--licensed', '--unlicensed');
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--licensed and --unlicensed together match nobody/);
    const never = await cli('--never-logged-in', '--inactive-days', '30');
    assert.equal(never.code, 2);
    assert.match(never.stderr, /--never-logged-in and --inactive-days N ask two things/);

    // A file that was there before, readable by everyone: the export makes it the operator's only.
    const csvFile = join(dir, 'users.csv');
    writeFileSync(csvFile, 'old', { mode: 0o644 });
    chmodSync(csvFile, 0o644);
    const listed = await cli('--csv', csvFile);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(statSync(csvFile).mode & 0o777, 0o600);
    const fresh = join(dir, 'fresh.csv');
    assert.equal((await cli('--csv', fresh)).code, 0);
    assert.equal(statSync(fresh).mode & 0o777, 0o600);

    const [header, ...records] = parseCsv(readFileSync(csvFile, 'utf8'));
    const groupsAt = header?.indexOf('groups') ?? -1;
    assert.ok(groupsAt >= 0);
    for (const record of records.slice(0, 40)) {
      const username = record[0] ?? '';
      const groups = sorted(emulator.state.groupsOf(username).map((g) => g.name));
      assert.equal(record[groupsAt], groups.map((g) => g.replace(/[\\;]/g, (c) => `\\${c}`)).join(';'), `groups of ${username}`);
    }
  } finally {
    await emulator.close();
  }
});

test('right after an apply, users shows its effects, marked, and says the scan predates the run', async () => {
  const { dir, emulator, env } = await setup({ users: 200, seed: 13, ldapShare: 0 });
  try {
    const config = writeConfig({ dir, emulator });
    const planned = await runCli(['--config', config, '--json', 'plan'], env);
    assert.equal(planned.code, 0, planned.stderr);
    const { planId, plan } = JSON.parse(planned.stdout) as { planId: string; plan: { rows: { username: string }[] } };
    assert.ok(plan.rows.length > 5, `the plan has ${plan.rows.length} rows`);
    const before = await runCli(['--config', config, '--json', 'users', '--licensed'], env);
    const licensedBefore = (JSON.parse(before.stdout) as UsersJson).users.map((u) => u.username);
    const apply = await runCli(['--config', config, '--json', 'apply', '--plan', planId], env);
    assert.equal(apply.code, 0, apply.stdout.slice(-1500) + apply.stderr);
    const { runId } = JSON.parse(apply.stdout) as { runId: string };

    const after = await runCli(['--config', config, '--json', 'users', '--licensed'], env);
    assert.equal(after.code, 0, after.stderr);
    const listing = JSON.parse(after.stdout) as UsersJson & { runsSinceScan: string[] };
    assert.deepEqual(listing.runsSinceScan, [runId]);
    const reclaimed = new Set(plan.rows.map((r) => r.username));
    const expected = licensedBefore.filter((u) => !reclaimed.has(u));
    assert.deepEqual(listing.users.map((u) => u.username), expected, 'the reclaimed seats are gone from --licensed without a rescan');
    assert.deepEqual(sorted(listing.users.map((u) => u.username)), sorted([...emulator.state.allUsers()].filter((u) => emulator.state.holdsSeat(u.username)).map((u) => u.username)));

    const all = JSON.parse((await runCli(['--config', config, '--json', 'users'], env)).stdout) as UsersJson;
    for (const u of all.users) {
      assert.equal(u.changesSinceScan.length > 0, reclaimed.has(u.username), `${u.username} marked`);
      if (reclaimed.has(u.username)) assert.deepEqual(u.groups, sorted(emulator.state.groupsOf(u.username).map((g) => g.name)));
    }
    const table = await runCli(['--config', config, 'users', '--limit', '500'], env);
    assert.match(table.stdout, new RegExp(`predates run ${runId}: ${reclaimed.size} rows show their steps as the journal records them \\(marked \\*\\)`));
    const first = [...reclaimed].sort()[0] ?? '';
    assert.match(table.stdout, new RegExp(`^\\*${first.replaceAll('.', '\\.')} `, 'm'));

    // After a rescan the scan speaks for itself again.
    assert.equal((await runCli(['--config', config, 'scan'], env)).code, 0);
    const rescanned = JSON.parse((await runCli(['--config', config, '--json', 'users', '--licensed'], env)).stdout) as UsersJson & { runsSinceScan: string[] };
    assert.deepEqual(rescanned.runsSinceScan, []);
    assert.deepEqual(rescanned.users.map((u) => u.username), expected);
  } finally {
    await emulator.close();
  }
});
