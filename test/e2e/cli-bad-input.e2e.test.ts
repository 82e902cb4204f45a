import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { runCli, scanRowCount, setup, unusedPort, writeConfig, type CliResult } from './cli-harness.ts';
import type { RunningConfluenceEmulator } from '../../src/emulators/confluence-dc/confluence-emulator.ts';

/**
 * A probe failure is the admin's to fix: one message naming the instance and the fix, exit 2, and nothing written
 * to Confluence or to the store (the probe runs before a scan row exists).
 */
function assertOneClearMessage(result: CliResult, fix: RegExp): void {
  assert.equal(result.code, 2, `exit code\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  assert.match(result.stderr, /^wiki GET \/rest\/api\/[\w/-]+: /m, 'the message names the instance and the request');
  assert.match(result.stderr, fix);
  assert.match(result.stderr, /^Nothing was written\.$/m);
  assert.doesNotMatch(result.stderr, /unexpected error|\n\s+at /, 'no stack trace');
  assert.equal(result.stdout, '', 'nothing on stdout');
}

async function assertNothingWritten(dir: string, config: string, env: NodeJS.ProcessEnv, emulator?: RunningConfluenceEmulator): Promise<void> {
  if (emulator !== undefined) assert.equal(emulator.state.changes.length, 0, 'Confluence was changed');
  assert.equal(scanRowCount(dir), 0, 'a scan row was written');
  const users = await runCli(['--config', config, '--json', 'users'], env);
  assert.equal(users.code, 2, users.stdout + users.stderr);
  assert.match(users.stderr, /instance wiki has no complete scan yet/);
}

test('a URL nothing listens on: exit 2, "cannot reach" the URL, nothing written', async () => {
  const { dir, emulator, env } = await setup({ users: 200 });
  try {
    const port = await unusedPort();
    const url = `http://127.0.0.1:${port}/confluence`;
    const config = writeConfig({ dir, emulator, url });
    const scan = await runCli(['--config', config, 'scan'], env);
    assertOneClearMessage(scan, new RegExp(`cannot reach ${url.replaceAll('.', '\\.')}: connection refused \\(ECONNREFUSED\\); check the URL`));
    await assertNothingWritten(dir, config, env, emulator);
  } finally {
    await emulator.close();
  }
});

test('a wrong token: exit 2, "check the token", nothing written', async () => {
  const { dir, emulator, env } = await setup({ users: 200 });
  try {
    const config = writeConfig({ dir, emulator });
    const wrong = { ...env, WIKI_TOKEN: 'not-the-token-of-anyone-0000000000000000000' };
    const scan = await runCli(['--config', config, 'scan'], wrong);
    assertOneClearMessage(scan, /Confluence refused the credentials \(401\): check the token/);
    await assertNothingWritten(dir, config, wrong, emulator);
  } finally {
    await emulator.close();
  }
});

test('Confluence 8.3: exit 2, "8.4 or later is needed", nothing written', async () => {
  const requests: string[] = [];
  // The emulator starts at 8.4, so a tiny server answers the one request the probe makes before giving up.
  const server = createServer((req, res) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.headers.authorization === undefined) return reply(401, { statusCode: 401, message: 'Client must be authenticated' });
    if (req.method === 'GET' && req.url === '/confluence/rest/api/server-information') {
      // Fields of the ServerInformation schema in shared/specs/confluence-dc-10.0.3-openapi.json.
      return reply(200, {
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/confluence`,
        version: '8.3.2',
        buildNumber: 8803,
        marketplaceBuildNumber: 8803,
        buildDate: '2023-05-16T00:00:00.000Z',
      });
    }
    return reply(404, { statusCode: 404, message: 'null for uri' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { dir, emulator, env } = await setup({ users: 200 });
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/confluence`;
    const config = writeConfig({ dir, emulator, url });
    const scan = await runCli(['--config', config, 'scan'], env);
    assertOneClearMessage(scan, /Confluence 8\.4 or later is needed for \/rest\/api\/user\/list; this is 8\.3\.2/);
    assert.deepEqual(requests, ['GET /confluence/rest/api/server-information'], 'the probe stops at the version');
    await assertNothingWritten(dir, config, env, emulator);
  } finally {
    await emulator.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('an account that is not an administrator: exit 2, "must be a Confluence administrator", nothing written', async () => {
  const { dir, emulator } = await setup({ users: 200 });
  try {
    const config = writeConfig({ dir, emulator });
    const nonAdmin = { WIKI_TOKEN: emulator.credentials.user.token };
    assert.equal(emulator.state.isAdministrator(emulator.credentials.user.username), false);
    const scan = await runCli(['--config', config, 'scan'], nonAdmin);
    assertOneClearMessage(scan, /Confluence refused the request \(403\): the account must be a Confluence administrator/);
    await assertNothingWritten(dir, config, nonAdmin, emulator);
  } finally {
    await emulator.close();
  }
});

test('Confluence 9.3 with lastLogin: rest: exit 2, "set lastLogin: database", nothing written', async () => {
  const { dir, emulator, env } = await setup({ users: 200, version: '9.3' });
  try {
    const config = writeConfig({ dir, emulator });
    const scan = await runCli(['--config', config, 'scan'], env);
    assertOneClearMessage(
      scan,
      /Confluence 9\.3\.1 has no last-login REST field \(10\.2 or later is needed\): set lastLogin: database with a database: URL/,
    );
    // `plan` and `apply --yes` scan first, so they stop at the same probe.
    for (const args of [['plan'], ['apply', '--yes']]) {
      const result = await runCli(['--config', config, ...args], env);
      assertOneClearMessage(result, /set lastLogin: database/);
    }
    await assertNothingWritten(dir, config, env, emulator);
  } finally {
    await emulator.close();
  }
});

/** A config with four independent mistakes; the token variable is deliberately unset. */
function malformedConfig(dir: string): string {
  const file = join(dir, 'seatkeeper.yaml');
  writeFileSync(
    file,
    `store: sqlite:${join(dir, 'seatkeeper.db')}
instances:
  wiki:
    product: confluence-dc
    url: confluence.example.com
    auth: { token: \${SEATKEEPER_E2E_UNSET_TOKEN} }
policies:
  inactive-users:
    instance: wikki
    select: { inactiveDays: 180 }
    actions: { removeGroups: everything }
`,
  );
  return file;
}

test('a malformed config: exit 2, every problem listed with its path, nothing written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sk-e2e-'));
  const config = malformedConfig(dir);
  const env = { SEATKEEPER_E2E_UNSET_TOKEN: undefined };
  for (const args of [['scan'], ['plan'], ['config', 'check']]) {
    const result = await runCli(['--config', config, ...args], env);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stdout, '');
    const [header, ...problems] = result.stderr.trimEnd().split('\n');
    const count = Number(/ has (\d+) problems:$/.exec(header ?? '')?.[1]);
    assert.ok(header?.startsWith(config), `the header names the file: ${header}`);
    assert.equal(problems.length, count, 'the header counts the listed problems');
    for (const problem of problems) assert.match(problem, /^ {2}- [\w.-]+: \S/, 'each problem starts with its path');
    const listed = problems.join('\n');
    assert.match(listed, /- instances\.wiki\.url: url must be an http:\/\/ or https:\/\/ URL/);
    assert.match(listed, /- instances\.wiki\.auth\.token: environment variable SEATKEEPER_E2E_UNSET_TOKEN is not set/);
    assert.match(listed, /- policies\.inactive-users\.instance: no instance "wikki" under instances \(known: wiki\)/);
    assert.match(listed, /- policies\.inactive-users\.actions\.removeGroups: /);
  }
  assert.equal(existsSync(join(dir, 'seatkeeper.db')), false, 'the store was created from an invalid config');
});

test(
  'a malformed config names each mistake once, in words that say what to write',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sk-e2e-'));
    const config = malformedConfig(dir);
    const result = await runCli(['--config', config, 'config', 'check'], { SEATKEEPER_E2E_UNSET_TOKEN: undefined });
    assert.equal(result.code, 2);
    assert.doesNotMatch(result.stderr, /Invalid input/);
    assert.match(result.stderr, /removeGroups: .*license.*all.*none/);
    assert.equal(result.stderr.match(/instances\.wiki\.auth\.token:/g)?.length, 1, 'the unset variable is one problem, not two');
  },
);
