import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOW, runCli, unusedPort } from './cli-harness.ts';
import { generateOrganisation, type OrgSeed } from '../../src/emulators/confluence-dc/org-generator.ts';
import { startConfluenceEmulator, type ConfluenceEmulatorOptions, type RunningConfluenceEmulator } from '../../src/emulators/confluence-dc/confluence-emulator.ts';
import { EMULATED_VERSIONS } from '../../src/emulators/confluence-dc/emulator-versions.ts';
import type { CheckId, InstanceCheckReport } from '../../src/app/instance-check.ts';
import { CONFLUENCE_ROUTE_WORDS as ROUTE_WORDS } from '../../src/connectors/confluence-dc/confluence-dc-check-vocabulary.ts';

/**
 * `seatkeeper instance check` against every emulated version and every undocumented reading the emulator offers:
 * each row a reading affects says which reading it saw, nothing is written, and `--capture` leaves no name behind.
 */

const BASE = generateOrganisation({ seed: 7, users: 200, now: NOW });
/** A person granted "can use" individually, so the permissions API has a user subject to show. */
const GRANTED = BASE.users.find((user) => user.role === 'person')?.username ?? 'admin';
const WITH_USER_GRANT: OrgSeed = { ...BASE, grants: [...BASE.grants, { subject: { type: 'user', username: GRANTED }, permission: 'application/use' }] };
const SLASHED = generateOrganisation({ seed: 7, users: 200, now: NOW, slashGroups: 3 });
const SLASH_GROUP = SLASHED.groups.find((group) => group.name.includes('/'))?.name ?? 'eng/platform';
const SLASH_GRANTS_USE: OrgSeed = { ...SLASHED, grants: [...SLASHED.grants, { subject: { type: 'group', name: SLASH_GROUP }, permission: 'application/use' }] };

type Variant = Omit<ConfluenceEmulatorOptions, 'org'> & { readonly org: OrgSeed };

/** Instances of the config that passes: every version, and the readings that change a row without failing it. */
const PASSING: Readonly<Record<string, Variant>> = {
  ...Object.fromEntries(EMULATED_VERSIONS.map((version) => [`v${version.replace('.', '-')}`, { org: WITH_USER_GRANT, version }])),
  'status-lower': { org: WITH_USER_GRANT, version: '10.2', statusCase: 'lower' },
  'status-upper': { org: WITH_USER_GRANT, version: '10.2', statusCase: 'upper' },
  'members-direct': { org: WITH_USER_GRANT, version: '9.5', memberLists: 'direct' },
  'members-flattened': { org: WITH_USER_GRANT, version: '9.5', memberLists: 'flattened' },
  'subjects-names-only': { org: WITH_USER_GRANT, version: '10.2', permissionSubjects: 'display-name-only' },
  'email-on-list': { org: WITH_USER_GRANT, version: '10.2', emailOnUserList: true },
  'slash-groups': { org: SLASHED, version: '10.2' },
};
const FAILING: Readonly<Record<string, Variant>> = {
  'no-last-login': { org: WITH_USER_GRANT, version: '10.2', lastLoginField: 'absent' },
  'slash-grants-use': { org: SLASH_GRANTS_USE, version: '10.2' },
};

const emulators = new Map<string, RunningConfluenceEmulator>();
const dir = mkdtempSync(join(tmpdir(), 'sk-e2e-check-'));
const env: NodeJS.ProcessEnv = {};

function writeConfigFor(name: string, ids: readonly string[], extra = ''): string {
  const file = join(dir, `${name}.yaml`);
  const instances = ids
    .map((id) => {
      const emulator = emulators.get(id);
      if (emulator === undefined) throw new Error(`no emulator ${id}`);
      const variable = `TOKEN_${id.replace(/\W/g, '_').toUpperCase()}`;
      env[variable] = emulator.credentials.admin.token;
      // Before 9.3 the licence groups come from the config.
      const groups = ['8.4', '8.5', '9.2'].includes(emulator.version) ? '    licenseGroups: [confluence-users, staff, wiki-access]\n' : '';
      return `  ${id}:\n    product: confluence-dc\n    url: ${emulator.url}\n    auth: { token: \${${variable}} }\n${groups}`;
    })
    .join('');
  writeFileSync(file, `store: sqlite:${join(dir, `${name}.db`)}\ninstances:\n${instances}${extra}`);
  return file;
}

function rowOf(report: InstanceCheckReport | undefined, id: CheckId): { verdict: string; saw: string } {
  const row = report?.rows.find((r) => r.id === id);
  assert.ok(row, `${report?.instance ?? '?'} has a row ${id}`);
  return row;
}

async function checkJson(config: string, args: readonly string[] = []): Promise<{ code: number; reports: Map<string, InstanceCheckReport>; stderr: string }> {
  const result = await runCli(['--config', config, '--json', 'instance', 'check', ...args], env);
  let parsed: { instances: InstanceCheckReport[] };
  try {
    parsed = JSON.parse(result.stdout) as { instances: InstanceCheckReport[] };
  } catch {
    assert.fail(`not JSON (exit ${result.code}): ${result.stdout.slice(0, 500)} ${result.stderr.slice(0, 1000)}`);
  }
  return { code: result.code, reports: new Map(parsed.instances.map((report) => [report.instance, report])), stderr: result.stderr };
}

/** Values the redaction keeps as vocabulary (status words, operation keys, login times, versions), never names. */
const VOCABULARY = new Set(['type', 'status', 'operation', 'lastLogin', 'version', 'buildDate', 'typeId']);

/** Every string of a capture but its vocabulary, URLs cut into their decoded path segments and query values. */
function components(value: unknown, out: { text: string; segment: boolean }[] = []): { text: string; segment: boolean }[] {
  if (typeof value === 'string') {
    const url = /^(?:https?:\/\/[^/?#]*)?(\/[^?#]*)(?:\?([^#]*))?/.exec(value);
    if (url === null) out.push({ text: value, segment: false });
    else {
      for (const segment of (url[1] ?? '').split('/')) out.push({ text: decodeURIComponent(segment), segment: true });
      for (const [key, v] of new URLSearchParams(url[2] ?? '')) out.push({ text: key, segment: false }, { text: v, segment: false });
    }
  } else if (Array.isArray(value)) for (const item of value) components(item, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) if (!VOCABULARY.has(key)) components(item, out);
  }
  return out;
}

describe('seatkeeper instance check', { concurrency: true }, () => {
  before(async () => {
    for (const [id, { org, ...options }] of Object.entries({ ...PASSING, ...FAILING })) {
      emulators.set(id, await startConfluenceEmulator({ ...options, org }));
    }
  });
  after(async () => {
    for (const emulator of emulators.values()) await emulator.close();
  });

  it('every version and every non-failing reading: the row each one affects, exit 0, GET requests only, and a capture without a name in it', async () => {
    const capture = join(dir, 'capture');
    const { code, reports, stderr } = await checkJson(writeConfigFor('passing', Object.keys(PASSING)), ['--capture', capture]);
    assert.equal(code, 0, stderr);
    assert.deepEqual([...reports.keys()], Object.keys(PASSING));

    for (const version of EMULATED_VERSIONS) {
      const report = reports.get(`v${version.replace('.', '-')}`);
      const at = (since: number): boolean => Number(version) >= since;
      assert.equal(report?.version?.startsWith(`${version}.`), true, `${version}: ${report?.version ?? 'no version'}`);
      const source = rowOf(report, 'version-route');
      assert.equal(source.verdict, 'pass');
      assert.match(source.saw, at(9.1) ? / from server-information / : / from applinks-manifest \(server-information \(9\.1\+\): 404;/);
      assert.equal(rowOf(report, 'admin-rights').verdict, 'pass', rowOf(report, 'admin-rights').saw);
      assert.match(rowOf(report, 'status-values').saw, /\(lower case\) over 200 users$/);
      assert.equal(rowOf(report, 'last-login').verdict, version === '10.2' ? 'pass' : 'skip');
      if (version !== '10.2') assert.match(rowOf(report, 'last-login').saw, /lastLogin: database is needed/);
      assert.equal(rowOf(report, 'permission-subjects').verdict, at(9.3) ? 'pass' : 'skip', rowOf(report, 'permission-subjects').saw);
      assert.equal(rowOf(report, 'email-presence').verdict, 'pass');
      assert.match(rowOf(report, 'member-lists').saw, /^flattened: /);
      assert.equal(rowOf(report, 'slash-groups').verdict, 'pass');
      assert.equal(rowOf(report, 'licence-counts').verdict, 'pass');
      assert.equal(rowOf(report, 'writes').verdict, 'skip');
      assert.equal(rowOf(report, 'writes').saw.includes('/rest/api/permissions/user/{key}/grant|revoke'), at(9.3));
      assert.equal(report?.verdict, 'pass');
    }
    assert.match(rowOf(reports.get('status-lower'), 'status-values').saw, /^current × \d+, unlicensed × \d+, deactivated × \d+ \(lower case\)/);
    assert.match(rowOf(reports.get('status-upper'), 'status-values').saw, /^CURRENT × \d+, UNLICENSED × \d+, DEACTIVATED × \d+ \(upper case\)/);
    assert.equal(rowOf(reports.get('status-upper'), 'status-values').verdict, 'pass');
    assert.deepEqual(
      [rowOf(reports.get('members-direct'), 'member-lists').verdict, rowOf(reports.get('members-direct'), 'member-lists').saw.split(':')[0]],
      ['pass', 'direct'],
    );
    assert.deepEqual(
      [rowOf(reports.get('members-flattened'), 'member-lists').verdict, rowOf(reports.get('members-flattened'), 'member-lists').saw.split(':')[0]],
      ['pass', 'flattened'],
    );
    const namesOnly = rowOf(reports.get('subjects-names-only'), 'permission-subjects');
    assert.equal(namesOnly.verdict, 'warn');
    assert.match(namesOnly.saw, /^1 of 1 user subjects carry only a displayName/);
    assert.equal(reports.get('subjects-names-only')?.verdict, 'warn');
    assert.match(rowOf(reports.get('email-on-list'), 'email-presence').saw, /^\/rest\/api\/user\/list: e-mail on 200 of 200 users;/);
    assert.match(rowOf(reports.get('v10-2'), 'email-presence').saw, /^\/rest\/api\/user\/list: e-mail on 0 of 200 users/);
    const slash = rowOf(reports.get('slash-groups'), 'slash-groups');
    assert.equal(slash.verdict, 'warn');
    assert.match(slash.saw, /^3 of \d+ groups have a "\/": /);

    for (const [id, emulator] of emulators) {
      if (!(id in PASSING)) continue;
      assert.equal(emulator.stats.writes, 0, `${id} was written to`);
      assert.deepEqual([...emulator.stats.byRoute.keys()].filter((route) => !route.startsWith('GET ')), [], id);
    }

    // The capture: one file per response, for every instance, and no name, key, e-mail or host of the organisations.
    const identities = new Set<string>();
    for (const org of [WITH_USER_GRANT, SLASHED]) {
      for (const user of org.users) for (const value of [user.username, user.userKey, user.displayName, user.email]) identities.add(value.toLowerCase());
      for (const group of org.groups) identities.add(group.name.toLowerCase());
    }
    // Distinct strings only (the same placeholders repeat across files and instances), each with where it was first seen.
    const seen = new Map<string, { text: string; segment: boolean; where: string }>();
    for (const id of Object.keys(PASSING)) {
      const files = readdirSync(join(capture, id));
      assert.ok(files.length >= 15, `${id}: ${files.length} files`);
      assert.ok(files.includes('rest-api-user-list-expand-status-start-0-limit-1000.json'), id);
      for (const file of files) {
        const text = readFileSync(join(capture, id, file), 'utf8');
        assert.equal(text.includes('127.0.0.1'), false, `${id}/${file} names the host`);
        const { route, status, body } = JSON.parse(text) as { route: string; status: number; body: unknown };
        assert.equal(typeof status, 'number');
        for (const part of components([route, body])) {
          const key = `${part.segment ? 's' : 'v'}${part.text.toLowerCase()}`;
          if (!seen.has(key)) seen.set(key, { ...part, where: `${id}/${file}` });
        }
      }
    }
    for (const { text: part, segment, where } of seen.values()) {
      const lowered = part.toLowerCase();
      for (const identity of identities) {
        // A username that is also a route word (the org's `admin`) cannot be told from `/rest/api/admin/…`.
        if (segment && lowered === identity && ROUTE_WORDS.has(lowered)) continue;
        // Names under three characters (a group `hr`) are replaced where they are a whole value only.
        const leaked = identity.length < 3 ? lowered === identity : lowered.includes(identity);
        assert.equal(leaked, false, `${where}: ${JSON.stringify(identity)} survives in ${JSON.stringify(part)}`);
      }
    }
    const users = JSON.parse(readFileSync(join(capture, 'status-upper', 'rest-api-user-list-expand-status-start-0-limit-1000.json'), 'utf8')) as {
      body: { results: { username: string; status: string }[]; totalCount: number };
    };
    assert.equal(users.body.results.length, 200);
    assert.equal(users.body.totalCount, 200);
    assert.ok(users.body.results.every((user) => /^user-\d{4}$/.test(user.username) && /^[A-Z_]+$/.test(user.status)));
  });

  it('10.2 without lastLogin on the admin list: row 5 fails and the exit code is 1', async () => {
    const { code, reports } = await checkJson(writeConfigFor('no-last-login', Object.keys(FAILING)), ['no-last-login']);
    assert.equal(code, 1);
    assert.deepEqual([...reports.keys()], ['no-last-login']);
    const row = rowOf(reports.get('no-last-login'), 'last-login');
    assert.equal(row.verdict, 'fail');
    assert.match(row.saw, /^no lastLogin on any of the \d+ entries of the first page .*set lastLogin: database$/);
  });

  it('a group with "/" that grants "can use": row 10 fails for REST mode and suggests lastLogin: database', async () => {
    const { code, reports } = await checkJson(writeConfigFor('slash-grants-use', Object.keys(FAILING)), ['slash-grants-use']);
    assert.equal(code, 1);
    const row = rowOf(reports.get('slash-grants-use'), 'slash-groups');
    assert.equal(row.verdict, 'fail');
    assert.ok(row.saw.includes(`"${SLASH_GROUP}" grants "can use", so a REST scan would be incomplete: set lastLogin: database`), row.saw);
  });

  it('prints one line per assumption, and an unreachable instance exits 2 beside the reports of the others', async () => {
    const config = writeConfigFor('human', ['v8-5']);
    const printed = await runCli(['--config', config, 'instance', 'check', 'v8-5'], env);
    assert.equal(printed.code, 0, printed.stderr);
    const lines = printed.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'v8-5 (Confluence 8.5.16): PASS');
    assert.equal(lines.length, 13);
    assert.match(lines[1] ?? '', /^ {2}PASS {2}version route +8\.5\.16 from applinks-manifest/);
    assert.match(lines[5] ?? '', /^ {2}SKIP {2}lastLogin on the admin list \(10\.2\+\) +Confluence 8\.5\.16 sends no last login over REST/);

    const port = await unusedPort();
    const mixed = writeConfigFor('mixed', ['v10-2'], `  gone:\n    product: confluence-dc\n    url: http://127.0.0.1:${port}/confluence\n    auth: { token: t }\n`);
    const { code, reports } = await checkJson(mixed);
    assert.equal(code, 2);
    assert.equal(reports.get('v10-2')?.rows.length, 12);
    assert.equal(reports.get('gone')?.verdict, 'fail');
    assert.match(reports.get('gone')?.error ?? '', /ECONNREFUSED/);

    const unknown = await runCli(['--config', config, 'instance', 'check', 'nope'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no instance "nope" in the config/);
  });
});
