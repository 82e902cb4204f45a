import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { runCli, setup, writeConfig } from './cli-harness.ts';

const BIN = fileURLToPath(new URL('../../bin/seatkeeper.mjs', import.meta.url));

test('serve with server.listen hosts the API on loopback beside the scheduler: a token from the CLI reads plans, no token gets 401, SIGTERM stops both', async () => {
  const { dir, emulator, env } = await setup({ users: 40, seed: 9 });
  try {
    const config = writeConfig({ dir, emulator });
    writeFileSync(config, `${readFileSync(config, 'utf8')}server: { listen: { port: 0 } }\n`);
    assert.equal((await runCli(['--config', config, 'admin', 'create', 'ops', '--role', 'viewer'], env, 'a long enough passphrase\n')).code, 0);
    const issued = await runCli(['--config', config, '--json', 'token', 'create', '--admin', 'ops', '--scope', 'read', '--expires-days', '1'], env);
    const token: string = JSON.parse(issued.stdout).token;

    const child = spawn(process.execPath, [BIN, '--config', config, 'serve'], { env: { ...process.env, SEATKEEPER_FROM_SOURCE: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Until serve says where it listens (bounded for a hang).
    const until = Date.now() + 60_000;
    while (!/API listening on (http:\/\/127\.0\.0\.1:\d+)/.test(out) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
    const address = /API listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    assert.ok(address !== undefined, out);

    assert.equal((await fetch(`${address}/healthz`)).status, 200);
    assert.equal((await fetch(`${address}/api/v1/plans`)).status, 401);
    const plans = await fetch(`${address}/api/v1/plans`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(plans.status, 200);
    assert.deepEqual(await plans.json(), []);

    child.kill('SIGTERM');
    assert.equal(await closed, 0, out);
    assert.match(out, /API and scheduler stopped/);
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
