/**
 * A username such as `a/../ops-admin` must never reach an account other than its own: not behind a reverse proxy that
 * decodes `%2F`/`%2E` and resolves dot segments (test/support/decoding-proxy.ts, a misconfigured nginx), and not
 * without one, where URL parsing itself turns `%2e%2e` into `..`. Writes whose routes put the username in the path are
 * refused (UnaddressableName, which a run reports as "not possible"); reads and grant changes go by query parameter
 * or user key, and reach the named account only.
 */

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UnaddressableName } from '../../app/connector-error.ts';
import type { AccountRef } from '../../domain/account.ts';
import { startConfluenceEmulator, type RunningConfluenceEmulator } from '../../emulators/confluence-dc/confluence-emulator.ts';
import { generateOrganisation, INTERNAL_DIRECTORY, type OrgSeed, type UserSeed } from '../../emulators/confluence-dc/org-generator.ts';
import { startDecodingProxy, type DecodingProxy } from '../../../test/support/decoding-proxy.ts';
import { confluenceDcConfigSchema } from './confluence-dc-config.ts';
import { createConfluenceDcConnector, type ConfluenceDcConnector } from './confluence-dc-connector.ts';

const NOW = new Date('2025-11-26T08:00:00Z');
const VICTIM = 'ops-admin';
const HOSTILE = ['a/../ops-admin', '..', '%2e%2e', 'a%2F..%2Fops-admin', 'a\\..\\ops-admin', '%2E%2E%2Fops-admin', '.'];

/** The generated organisation plus the administrator `ops-admin` and one licensed account per hostile name. */
function organisation(): OrgSeed {
  const org = generateOrganisation({ seed: 909, users: 60, now: NOW });
  let id = Math.max(...org.users.map((u) => u.id));
  const account = (username: string): UserSeed => {
    id += 1;
    return {
      id, username, userKey: id.toString(16).padStart(32, 'f'), firstName: username, lastName: '', displayName: `Account ${username}`,
      email: `user${id}@example.com`, directory: INTERNAL_DIRECTORY, active: true, createdAt: NOW, lastLogin: NOW, role: 'person',
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
    grants: [...org.grants, ...extra.map((u) => ({ subject: { type: 'user' as const, username: u.username }, permission: 'application/use' as const }))],
  };
}

function connectorAt(url: string, emulator: RunningConfluenceEmulator): ConfluenceDcConnector {
  const config = confluenceDcConfigSchema.parse({ product: 'confluence-dc', url, auth: { token: emulator.credentials.admin.token }, timeoutMs: 5000 });
  return createConfluenceDcConnector('wiki', config, { random: () => 0.5, sleep: async () => undefined });
}

async function unaddressable(promise: Promise<unknown>, name: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof UnaddressableName && error.value === name && /^not possible: /.test(error.message), name);
}

function victimUntouched(emulator: RunningConfluenceEmulator): void {
  const victim = emulator.state.findUser(VICTIM);
  assert.equal(victim?.active, true, `${VICTIM} stays active`);
  assert.deepEqual(emulator.state.groupsOf(VICTIM).map((g) => g.name).sort(), ['confluence-administrators', 'confluence-users']);
  assert.deepEqual(emulator.state.userPermissions(VICTIM), ['application/use']);
  assert.deepEqual(emulator.state.changes.filter((c) => c.username.toLowerCase() === VICTIM), []);
}

for (const through of ['a reverse proxy that decodes %2F and %2E', 'no proxy'] as const) {
  describe(`hostile usernames, through ${through}`, () => {
    let emulator: RunningConfluenceEmulator;
    let proxy: DecodingProxy | null = null;
    let connector: ConfluenceDcConnector;
    before(async () => {
      emulator = await startConfluenceEmulator({ org: organisation() });
      if (through !== 'no proxy') proxy = await startDecodingProxy(emulator.url);
      connector = connectorAt(proxy?.url ?? emulator.url, emulator);
      await connector.probe();
    });
    after(async () => {
      await proxy?.close();
      await emulator.close();
    });

    it('disable, enable, group changes and renames are not possible, and nothing is sent for them', async () => {
      const writesBefore = emulator.stats.writes;
      for (const name of HOSTILE) {
        const account = accountOf(emulator, name);
        await unaddressable(connector.disable(account), name);
        await unaddressable(connector.enable(account), name);
        await unaddressable(connector.removeFromGroup(account, 'confluence-users'), name);
        await unaddressable(connector.addToGroup(account, 'confluence-inactive-users'), name);
        await unaddressable(connector.updateProfile(account, { displayName: 'Renamed' }), name);
      }
      assert.equal(emulator.stats.writes, writesBefore, 'no write reached Confluence');
      victimUntouched(emulator);
    });

    it('reads and "can use" revocations go by query parameter and user key, and reach the named account only', async () => {
      for (const name of HOSTILE) {
        const state = await connector.readAccountState(accountOf(emulator, name));
        assert.equal(state?.username, name);
        assert.equal(state?.accountId, emulator.state.findUser(name)?.userKey);
        assert.notEqual(state?.accountId, emulator.state.findUser(VICTIM)?.userKey);
        await connector.revokeApplication(accountOf(emulator, name), 'confluence');
        assert.deepEqual(emulator.state.userPermissions(name), [], name);
      }
      victimUntouched(emulator);
    });
  });
}

/** The account as a plan names it: its user key and username. */
function accountOf(emulator: RunningConfluenceEmulator, username: string): AccountRef {
  return { accountId: emulator.state.findUser(username)?.userKey ?? '', username };
}

describe('the attack the refusal prevents (controls: the proxy and URL parsing really do redirect a path)', () => {
  let emulator: RunningConfluenceEmulator;
  let proxy: DecodingProxy;
  before(async () => {
    emulator = await startConfluenceEmulator({ org: organisation() });
    proxy = await startDecodingProxy(emulator.url);
  });
  after(async () => {
    await proxy.close();
    await emulator.close();
  });
  const put = (url: string) => fetch(url, { method: 'PUT', headers: { authorization: `Bearer ${emulator.credentials.admin.token}`, 'x-atlassian-token': 'no-check' } });

  it('an encoded name sent through the decoding proxy disables ops-admin', async () => {
    const response = await put(`${proxy.url}/rest/api/admin/user/${encodeURIComponent('a/../ops-admin')}/disable`);
    assert.equal(response.status, 204);
    assert.equal(emulator.state.findUser(VICTIM)?.active, false);
    assert.ok(proxy.forwarded.some((f) => f.sent.endsWith('/rest/api/admin/user/ops-admin/disable')));
  });

  it('without a proxy, %2e%2e in a path becomes .. in URL parsing', async () => {
    assert.equal(new URL(`${emulator.url}/rest/api/admin/user/x/%2e%2e/ops-admin/enable`).pathname, '/confluence/rest/api/admin/user/ops-admin/enable');
    assert.equal((await put(`${emulator.url}/rest/api/admin/user/x/%2e%2e/ops-admin/enable`)).status, 204);
    assert.equal(emulator.state.findUser(VICTIM)?.active, true);
  });
});
