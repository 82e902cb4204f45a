import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import { runCli, setup, writeConfig } from './cli-harness.ts';

test('admin create reads the password from stdin, token create prints a token once, writes and apply land in the audit log, and audit verify finds an edited row', async () => {
  const { dir, emulator, env } = await setup({ users: 60, seed: 3 });
  try {
    const config = writeConfig({ dir, emulator, policy: `    select: { inactiveDays: 180 }\n    actions: { removeGroups: license }` });
    const cli = (args: string[], stdin?: string) => runCli(['--config', config, ...args], env, stdin);

    const created = await cli(['admin', 'create', 'ops.ann', '--role', 'operator'], 'a long enough passphrase\n');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Admin account ops\.ann created with role operator/);
    const noPassword = await cli(['admin', 'create', 'ops.bob', '--role', 'viewer'], '');
    assert.equal(noPassword.code, 2);
    assert.match(noPassword.stderr, /no password on standard input/);
    const badRole = await cli(['admin', 'create', 'ops.bob', '--role', 'root'], 'a long enough passphrase\n');
    assert.equal(badRole.code, 2);

    const token = await cli(['--json', 'token', 'create', '--admin', 'ops.ann', '--scope', 'operate', '--expires-days', '7']);
    assert.equal(token.code, 0, token.stderr);
    const issued: { token: string; id: string } = JSON.parse(token.stdout);
    assert.match(issued.token, /^skt_[0-9a-f]{16}_/);

    const applied = await cli(['apply', '--yes']);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal((await cli(['admin', 'disable', 'ops.ann'])).code, 0);

    const exported = await cli(['audit', 'export']);
    assert.equal(exported.code, 0, exported.stderr);
    const rows: { seq: number; action: string; outcome: string; actor: string; detail: Record<string, unknown> }[] = exported.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(rows.map((r) => [r.seq, r.action, r.outcome]), [
      // The refused ones stopped before any write was tried (no password, no such role): nothing to record.
      [1, 'admin.create', 'ok'],
      [2, 'token.create', 'ok'],
      [3, 'instance.apply', 'ok'],
      [4, 'admin.disable', 'ok'],
    ]);
    assert.ok(rows.every((r) => r.actor.startsWith('cli:')));
    assert.equal(rows[1]?.detail.tokenId, issued.id);
    assert.ok(!exported.stdout.includes(issued.token), 'the token secret is not in the log');
    assert.ok(!exported.stdout.includes('passphrase'), 'nor the password');

    const verified = await cli(['audit', 'verify']);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /4 rows, chained; head is row 4/);

    const db = new SqliteDatabase(join(dir, 'seatkeeper.db'));
    db.exec('drop trigger audit_log_no_update');
    db.prepare(`update audit_log set outcome = 'refused' where seq = 3`).run();
    db.close();
    const broken = await cli(['audit', 'verify']);
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /row 3 was changed after it was written/);
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
