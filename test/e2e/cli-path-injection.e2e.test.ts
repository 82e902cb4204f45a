/**
 * `apply` for users whose names would address another account in a REST path (`a/../ops-admin` and its encodings),
 * with Seatkeeper behind a reverse proxy that decodes %2F/%2E (test/support/decoding-proxy.ts) and without one: the
 * administrator ops-admin is never touched, and each such row is reported as not possible.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOW, runCli, writeConfig } from './cli-harness.ts';
import { startConfluenceEmulator } from '../../src/emulators/confluence-dc/confluence-emulator.ts';
import { generateOrganisation, INTERNAL_DIRECTORY, type OrgSeed, type UserSeed } from '../../src/emulators/confluence-dc/org-generator.ts';
import { startDecodingProxy } from '../support/decoding-proxy.ts';

const VICTIM = 'ops-admin';
const HOSTILE = ['a/../ops-admin', '..', '%2e%2e', 'a%2F..%2Fops-admin', 'a\\..\\ops-admin'];
const LONG_AGO = new Date(NOW.getTime() - 400 * 86_400_000);

/** A small organisation plus ops-admin (an administrator) and a long-inactive, licensed account per hostile name. */
function organisation(): OrgSeed {
  const org = generateOrganisation({ seed: 31, users: 60, now: NOW, ldapShare: 0 });
  let id = Math.max(...org.users.map((u) => u.id));
  const account = (username: string): UserSeed => {
    id += 1;
    return {
      id, username, userKey: id.toString(16).padStart(32, 'e'), firstName: username, lastName: '', displayName: `Account ${username}`,
      email: `user${id}@example.com`, directory: INTERNAL_DIRECTORY, active: true, createdAt: LONG_AGO, lastLogin: LONG_AGO, role: 'person',
    };
  };
  const extra = [account(VICTIM), ...HOSTILE.map(account)];
  return {
    ...org,
    users: [...org.users, ...extra],
    memberships: [
      ...org.memberships,
      { group: 'confluence-administrators', username: VICTIM },
      ...extra.map((u) => ({ group: 'confluence-users', username: u.username })),
    ],
  };
}

for (const through of ['a reverse proxy that decodes %2F and %2E', 'no proxy'] as const) {
  test(`apply through ${through}: ops-admin is untouched and every hostile name's row is not possible`, async () => {
    const emulator = await startConfluenceEmulator({ org: organisation() });
    const proxy = through === 'no proxy' ? null : await startDecodingProxy(emulator.url);
    try {
      const dir = mkdtempSync(join(tmpdir(), 'sk-e2e-path-'));
      const config = writeConfig({
        dir,
        emulator,
        url: proxy?.url ?? emulator.url,
        policy: `    select: { inactiveDays: 180, neverLoggedInDays: 30 }
    exclude: { users: [svc-backup], groups: [] }
    actions: { removeGroups: license, addGroups: [confluence-inactive-users], deactivate: true }`,
        safety: '{ maxActions: 500, maxPercent: 100 }',
      });
      const env = { WIKI_TOKEN: emulator.credentials.admin.token };
      const planned = await runCli(['--config', config, '--json', 'plan'], env);
      assert.equal(planned.code, 0, planned.stderr);
      const { planId, plan } = JSON.parse(planned.stdout) as { planId: string; plan: { rows: { username: string }[] } };
      const plannedNames = new Set(plan.rows.map((r) => r.username));
      for (const name of HOSTILE) assert.ok(plannedNames.has(name), `${JSON.stringify(name)} is planned`);
      assert.ok(!plannedNames.has(VICTIM), 'an administrator is never planned');

      const applied = await runCli(['--config', config, '--json', 'apply', '--plan', planId], env);
      assert.equal(applied.code, 0, applied.stdout.slice(-2000) + applied.stderr);
      const report = JSON.parse(applied.stdout) as { notPossible: { username: string; step: string; reason: string }[] };
      for (const name of HOSTILE) {
        const entry = report.notPossible.find((p) => p.username === name);
        assert.ok(entry, `${JSON.stringify(name)} is not possible`);
        assert.match(entry.reason, /cannot be addressed safely over REST/);
        assert.equal(emulator.state.findUser(name)?.active, true, `${JSON.stringify(name)} is left as it was`);
      }
      const victim = emulator.state.findUser(VICTIM);
      assert.equal(victim?.active, true);
      assert.deepEqual(emulator.state.groupsOf(VICTIM).map((g) => g.name).sort(), ['confluence-administrators', 'confluence-users']);
      assert.deepEqual(emulator.state.changes.filter((c) => c.username.toLowerCase() === VICTIM), []);
      assert.ok(emulator.state.changes.length > 0, 'the other rows went through');
    } finally {
      await proxy?.close();
      await emulator.close();
    }
  });
}
