// The record key's file: where it is, created private on first use, the same key for racing creators, and refused
// (with what to do) when others can read it or it is not a key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { keyFilePath, loadRecordKey } from './key-file.ts';
import { InvalidInput } from '../domain/errors.ts';
import { signRun } from '../domain/record-signature.ts';

const run = promisify(execFile);
const dir = (): string => mkdtempSync(join(tmpdir(), 'sk-key-'));

test('the key file is SEATKEEPER_KEY_FILE when set, else seatkeeper.key beside the config file', () => {
  assert.equal(keyFilePath('.demo/seatkeeper.yaml', {}), resolve('.demo/seatkeeper.key'));
  assert.equal(keyFilePath('/etc/seatkeeper/seatkeeper.yaml', { SEATKEEPER_KEY_FILE: '' }), '/etc/seatkeeper/seatkeeper.key');
  assert.equal(keyFilePath('/etc/seatkeeper/seatkeeper.yaml', { SEATKEEPER_KEY_FILE: '/run/secrets/sk.key' }), '/run/secrets/sk.key');
  assert.equal(keyFilePath('seatkeeper.yaml', { SEATKEEPER_KEY_FILE: 'keys/sk.key' }), resolve('keys/sk.key'));
});

test('on first use the key file is created with 32 random bytes and mode 0600, and read back as the same key', () => {
  const path = join(dir(), 'seatkeeper.key');
  const first = loadRecordKey(path);
  const stat = statSync(path);
  assert.equal(stat.mode & 0o777, 0o600);
  assert.equal(stat.size, 32);
  const fields = { id: 'run_1', planId: 'plan_1', instance: 'wiki' };
  assert.equal(signRun(loadRecordKey(path), fields), signRun(first, fields));
  // No temporary file is left beside it, and the key never prints.
  assert.deepEqual(readdirSync(join(path, '..')), ['seatkeeper.key']);
  assert.equal(JSON.stringify({ first }), '{"first":"[record key]"}');
  assert.equal(String(first), '[record key]');
});

test('processes creating the key at once agree on one key', async () => {
  const path = join(dir(), 'seatkeeper.key');
  const script = [
    `import { loadRecordKey } from ${JSON.stringify(pathToFileURL(resolve('src/config/key-file.ts')).href)};`,
    `import { signRun } from ${JSON.stringify(pathToFileURL(resolve('src/domain/record-signature.ts')).href)};`,
    `process.stdout.write(signRun(loadRecordKey(process.argv[1]), { id: 'run_1', planId: 'plan_1', instance: 'wiki' }));`,
  ].join('\n');
  const signatures = await Promise.all(
    Array.from({ length: 6 }, async () => (await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, path])).stdout),
  );
  assert.equal(signatures.length, 6);
  assert.equal(new Set(signatures).size, 1, 'every creator signs with the one key that was written');
  assert.equal(signatures[0], signRun(loadRecordKey(path), { id: 'run_1', planId: 'plan_1', instance: 'wiki' }));
  assert.deepEqual(readdirSync(join(path, '..')), ['seatkeeper.key']);
});

test('a key file others can read is refused with chmod 600; one of the wrong size is refused with restore it', () => {
  const path = join(dir(), 'seatkeeper.key');
  loadRecordKey(path);
  chmodSync(path, 0o644);
  assert.throws(() => loadRecordKey(path), (error: unknown) => {
    assert.ok(error instanceof InvalidInput);
    assert.equal(error.message, `the key file ${path} can be read or written by others (mode 0644)`);
    assert.equal(error.problems[0], `make it private: chmod 600 ${path}`);
    return true;
  });
  chmodSync(path, 0o640);
  assert.throws(() => loadRecordKey(path), /can be read or written by others \(mode 0640\)/);
  chmodSync(path, 0o600);
  const bytes = readFileSync(path);
  writeFileSync(path, bytes.subarray(0, 16));
  assert.throws(() => loadRecordKey(path), (error: unknown) => {
    assert.ok(error instanceof InvalidInput);
    assert.equal(error.message, `the key file ${path} holds 16 bytes, not 32`);
    assert.match(error.problems[0] ?? '', /^restore the file from a backup/);
    return true;
  });
  // The refused file is left as it was: Seatkeeper never replaces a key it cannot read.
  assert.equal(readFileSync(path).length, 16);
});

test('a key file that cannot be created says where and what to do', () => {
  const path = join(dir(), 'missing', 'seatkeeper.key');
  assert.throws(() => loadRecordKey(path), (error: unknown) => {
    assert.ok(error instanceof InvalidInput);
    assert.equal(error.message, `the key file ${path} cannot be read or created`);
    assert.match(error.problems[1] ?? '', /set SEATKEEPER_KEY_FILE/);
    return true;
  });
});
