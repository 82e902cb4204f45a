import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError, UnaddressableName, WriteRefused } from '../../app/connector-error.ts';
import type { InstanceConnector } from '../../app/instance-port.ts';
import { unresolvedAccountId, type AccountRef } from '../../domain/account.ts';
import { startConfluenceEmulator, type RunningConfluenceEmulator } from '../../emulators/confluence-dc/confluence-emulator.ts';
import { generateOrganisation, INTERNAL_DIRECTORY, type OrgSeed } from '../../emulators/confluence-dc/org-generator.ts';
import { versionAtLeast, type EmulatedVersion } from '../../emulators/confluence-dc/emulator-versions.ts';
import { deriveDirectMemberships } from '../../domain/direct-memberships.ts';
import { ConfluenceDcClient } from './confluence-dc-client.ts';
import { readConfluenceVersion } from './confluence-dc-version.ts';
import { confluenceDcConfigSchema, type ConfluenceDcConfigInput } from './confluence-dc-config.ts';
import { createConfluenceDcConnector, type ConfluenceDcConnector, type ConfluenceDcConnectorDeps } from './confluence-dc-connector.ts';

const NOW = new Date('2025-11-26T08:00:00Z');
const ORG: OrgSeed = generateOrganisation({ seed: 4242, users: 180, now: NOW });
/** Small server-side caps so every listing takes several pages. */
const PAGE_CAPS = { users: 40, groups: 15 };

/** Sleeps are recorded, not waited for: Retry-After and backoff must not slow the suite. */
function noWait(): { sleeps: number[]; deps: ConfluenceDcConnectorDeps } {
  const sleeps: number[] = [];
  return { sleeps, deps: { random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) } };
}

function connectorFor(
  emulator: RunningConfluenceEmulator,
  overrides: Partial<ConfluenceDcConfigInput> = {},
  deps: ConfluenceDcConnectorDeps = noWait().deps,
): ConfluenceDcConnector {
  const config = confluenceDcConfigSchema.parse({
    product: 'confluence-dc',
    url: emulator.url,
    auth: { token: emulator.credentials.admin.token },
    licenseGroups: versionAtLeast(emulator.version, '9.3') ? 'auto' : ['confluence-users', 'staff', 'wiki-access'],
    timeoutMs: 5000,
    ...overrides,
  });
  return createConfluenceDcConnector('wiki', config, deps);
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConnectorError, `expected a ConnectorError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** An account named by username only, as a store written before account ids names it: the connector reads it by name. */
const byName = (username: string): AccountRef => ({ accountId: unresolvedAccountId(username), username });

/** A licensed, active person in the writable internal directory, member of confluence-users. */
function writableLicensedPerson(emulator: RunningConfluenceEmulator, skip: readonly string[] = []): string {
  const user = ORG.users.find(
    (u) =>
      u.role === 'person' &&
      u.active &&
      u.directory === INTERNAL_DIRECTORY &&
      !skip.includes(u.username) &&
      emulator.state.groupsOf(u.username).some((g) => g.name === 'confluence-users'),
  );
  assert.ok(user, 'the generated organisation has a licensed internal user');
  return user.username;
}

/** The version each profile reports, and the route it is read from (server-information exists from 9.1). */
const VERSION_OF: Readonly<Record<EmulatedVersion, string>> = { '8.4': '8.4.0', '8.5': '8.5.16', '9.2': '9.2.2', '9.3': '9.3.1', '9.5': '9.5.0', '10.2': '10.2.0' };

for (const version of ['8.4', '8.5', '9.2', '9.3', '9.5', '10.2'] satisfies EmulatedVersion[]) {
  const permissionsApi = versionAtLeast(version, '9.3');
  describe(`Confluence DC ${version} over real HTTP`, () => {
    let emulator: RunningConfluenceEmulator;
    let connector: InstanceConnector;

    before(async () => {
      emulator = await startConfluenceEmulator({ org: ORG, version, pageCaps: PAGE_CAPS, clock: () => NOW });
      connector = connectorFor(emulator);
    });
    after(async () => {
      await connector.close();
      await emulator.close();
    });

    it('reads the version from the route this release has: server-information from 9.1, else the applinks manifest', async () => {
      const client = new ConfluenceDcClient({ instanceId: 'wiki', url: emulator.url, auth: { token: emulator.credentials.admin.token }, concurrency: 1, timeoutMs: 5000, pageSize: 100 });
      const read = await readConfluenceVersion(client);
      assert.equal(read.text, VERSION_OF[version]);
      assert.equal(read.source, versionAtLeast(version, '9.1') ? 'server-information' : 'applinks-manifest');
    });

    it('probes version, account and admin rights, naming every config problem at once', async () => {
      if (version === '10.2') {
        const capabilities = {
          productName: 'Confluence', lastLogin: 'rest', memberLists: 'maybe-flattened', directGrants: true, revokeTakesOtherPermissions: true,
          disable: true, rename: false, updateDisplayName: true, updateEmail: false,
        };
        const connectedAs = { accountId: emulator.state.findUser('admin')?.userKey, username: 'admin' };
        assert.deepEqual(await connector.probe(), { version: '10.2.0', versionSource: 'server-information', connectedAs, baseUrl: emulator.url, capabilities });
        assert.deepEqual(connector.capabilities, capabilities);
        return;
      }
      // The 404 of server-information before 9.1 is no reason to call the URL wrong: the problems named are the config's.
      const error = await rejection(connectorFor(emulator, { licenseGroups: 'auto' }).probe());
      assert.equal(error.fixable, true);
      assert.doesNotMatch(error.message, /check the URL/);
      assert.match(error.message, new RegExp(`Confluence ${VERSION_OF[version].replaceAll('.', '\\.')} has no last-login REST field`));
      if (!permissionsApi) assert.match(error.message, /9\.3 or later is needed\): list the groups that grant "can use" under licenseGroups:/);
      else assert.doesNotMatch(error.message, /licenseGroups/);
    });

    it('lists every user with its status, across pages', async () => {
      const users = await collect(connector.listAccounts());
      const expected = emulator.state.allUsers();
      assert.equal(users.length, ORG.users.length);
      // Atlassian's status words: CURRENT and UNLICENSED are active accounts, DEACTIVATED is not.
      const flag = (word: string): string => (word === 'CURRENT' || word === 'UNLICENSED' ? 'active' : 'disabled');
      assert.deepEqual(
        users.map((u) => [u.username, u.accountId, u.status, u.statusWord]),
        expected.map((u) => [u.username, u.userKey, flag(emulator.state.statusOf(u.username)), emulator.state.statusOf(u.username).toLowerCase()]),
      );
      assert.ok(users.some((u) => u.status === 'disabled'));
      assert.ok(users.some((u) => u.statusWord === 'unlicensed'), 'active accounts without a seat are UNLICENSED');
      // /rest/api/user/list gives no e-mail (public client code): none is made up.
      assert.ok(users.every((u) => u.email === null));
    });

    it('lists groups, their (flattened) member lists and child groups, from which the direct memberships are derived', async () => {
      const groups = await collect(connector.listGroups());
      assert.deepEqual(groups, emulator.state.allGroups().map((g) => g.name));
      const all = [];
      const nesting = [];
      for (const group of groups) {
        const members = await collect(connector.listGroupMembers(group));
        assert.deepEqual(
          members.map((m) => m.username ?? '').sort(byText),
          emulator.state.flattenedMembersOf(group).map((u) => u.username).sort(byText),
          `members of ${group}`,
        );
        assert.ok(members.every((m) => m.group === group));
        assert.deepEqual(
          members.map((m) => m.accountId).sort(byText),
          emulator.state.flattenedMembersOf(group).map((u) => u.userKey).sort(byText),
          `member keys of ${group}`,
        );
        all.push(...members.map((m) => ({ group: m.group, username: m.username ?? '' })));
        const children = await collect(connector.listChildGroups(group));
        assert.deepEqual(children, emulator.state.childGroupsOf(group).map((g) => ({ parent: group, child: g.name })));
        nesting.push(...children);
      }
      const direct = (list: readonly { group: string; username: string }[]) => list.map((m) => `${m.group} ${m.username}`).sort(byText);
      assert.deepEqual(
        direct(deriveDirectMemberships(all, nesting)),
        direct(groups.flatMap((group) => emulator.state.membersOf(group).map((u) => ({ group, username: u.username })))),
        'no generated user is a direct member of a group and of one of its descendants, so the derivation is exact here',
      );
      const staff = await collect(connector.listChildGroups('staff'));
      assert.ok(staff.some((n) => n.child === 'engineering'));
    });

    it('reads the "can use" and admin grants and the licence as the confluence application', async () => {
      const access = await connector.readAccess();
      const keyOf = (username: string): string => emulator.state.findUser(username)?.userKey ?? '';
      const directUse = ORG.grants
        .flatMap((g) => (g.subject.type === 'user' && g.permission === 'application/use' ? [keyOf(g.subject.username)] : []))
        .sort(byText);
      const seats = { defaultGroups: [], seatsUsed: emulator.state.licensedCount(), seatsMax: ORG.maxUsers, unlimited: false };
      if (!permissionsApi) {
        assert.deepEqual(access, {
          applications: [{ key: 'confluence', name: 'Confluence', groups: ['confluence-users', 'staff', 'wiki-access'], users: [], ...seats }],
          adminGroups: ['confluence-administrators', 'system-administrators'],
          adminUsers: [],
          source: 'config',
        });
        const error = await rejection(connectorFor(emulator, { licenseGroups: 'auto' }).readAccess());
        assert.equal(error.fixable, true);
        assert.match(error.message, /licenseGroups/);
      } else {
        assert.deepEqual(access, {
          applications: [
            { key: 'confluence', name: 'Confluence', groups: ['confluence-administrators', 'confluence-users', 'staff', 'wiki-access'], users: directUse, ...seats },
          ],
          adminGroups: ['confluence-administrators'],
          adminUsers: [],
          source: 'permissions-api',
        });
        const configured = await connectorFor(emulator, { licenseGroups: ['confluence-users'] }).readAccess();
        assert.deepEqual(configured.applications.map((a) => a.groups), [['confluence-users']]);
        assert.deepEqual(configured.adminGroups, ['confluence-administrators']);
        assert.equal(configured.source, 'config');
      }
    });

    it(version === '10.2' ? 'reads last logins of licensed users over REST' : 'says REST has no last logins before 10.2', async () => {
      if (version !== '10.2') {
        const error = await rejection(collect(connector.lastLogins()));
        assert.equal(error.fixable, true);
        assert.match(error.message, /set lastLogin: database/);
        return;
      }
      const facts = await collect(connector.lastLogins());
      const licensed = emulator.state.activeLicensedUsers();
      // The 10.2 admin list documents email: it is where REST gives the addresses.
      assert.deepEqual(
        facts.map((f) => [f.accountId, f.username, f.lastLogin?.getTime() ?? null, f.createdAt, f.directory, f.email]),
        licensed.map((u) => [u.userKey, u.username, u.lastLogin?.getTime() ?? null, null, null, u.email]),
      );
      assert.ok(facts.some((f) => f.lastLogin === null), 'licensed users who never logged in come back as null');
    });

    it('has no directory facts over REST', async () => {
      assert.equal(await connector.readDirectories?.(), null);
    });

    it('reads a user state and makes idempotent group, grant and account changes', async () => {
      const username = writableLicensedPerson(emulator);
      const before = await connector.readAccountState(byName(username));
      assert.ok(before);
      assert.equal(before.status, 'active');
      // The key Confluence answers, so a run can check after a write that it changed the planned account.
      assert.equal(before.accountId, emulator.state.findUser(username)?.userKey);
      assert.ok(before.accountId !== '');
      assert.deepEqual(before.groups, emulator.state.groupsOf(username).map((g) => g.name).sort(byText));
      assert.deepEqual(before.directApplications, []);
      assert.deepEqual(before.otherPermissions, []);
      const changesBefore = emulator.state.changes.length;

      await connector.removeFromGroup(byName(username), 'confluence-users');
      await connector.removeFromGroup(byName(username), 'confluence-users');
      await connector.addToGroup(byName(username), 'confluence-inactive-users');
      await connector.addToGroup(byName(username), 'confluence-inactive-users');
      await connector.disable(byName(username));
      await connector.disable(byName(username));
      const changed = await connector.readAccountState(byName(username));
      assert.ok(changed);
      assert.equal(changed.status, 'disabled');
      assert.ok(!changed.groups.includes('confluence-users'));
      assert.ok(changed.groups.includes('confluence-inactive-users'));

      await connector.enable(byName(username));
      await connector.removeFromGroup(byName(username), 'confluence-inactive-users');
      await connector.addToGroup(byName(username), 'confluence-users');
      assert.deepEqual(await connector.readAccountState(byName(username)), before);
      assert.deepEqual(
        emulator.state.changes.slice(changesBefore).map((c) => c.kind),
        ['remove-group', 'add-group', 'disable', 'enable', 'remove-group', 'add-group'],
        'repeated writes changed nothing on the Confluence side',
      );
      assert.equal(await connector.readAccountState(byName('no.such.user')), null);
    });

    it(!permissionsApi ? 'refuses individual grants before 9.3' : 'grants and revokes "can use" individually, idempotently', async () => {
      const username = writableLicensedPerson(emulator);
      if (!permissionsApi) {
        assert.match((await rejection(connector.grantApplication(byName(username), 'confluence'))).message, /9\.3 or later/);
        assert.match((await rejection(connector.revokeApplication(byName(username), 'confluence'))).message, /9\.3 or later/);
        return;
      }
      await connector.grantApplication(byName(username), 'confluence');
      await connector.grantApplication(byName(username), 'confluence');
      assert.deepEqual((await connector.readAccountState(byName(username)))?.directApplications, ['confluence']);
      await connector.revokeApplication(byName(username), 'confluence');
      await connector.revokeApplication(byName(username), 'confluence');
      assert.deepEqual((await connector.readAccountState(byName(username)))?.directApplications, []);
    });

    if (permissionsApi) {
      it('a revoke of "can use" takes the other individual permissions with it (documented); the journaled set is granted back', async () => {
        const username = writableLicensedPerson(emulator, ['admin']);
        await connector.grantApplication(byName(username), 'confluence', undefined, ['space/create', 'personal_space/create']);
        const held = await connector.readAccountState(byName(username));
        assert.deepEqual([held?.directApplications, held?.otherPermissions], [['confluence'], ['personal_space/create', 'space/create']]);
        await connector.revokeApplication(byName(username), 'confluence');
        const revoked = await connector.readAccountState(byName(username));
        assert.deepEqual([revoked?.directApplications, revoked?.otherPermissions], [[], []]);
        await connector.grantApplication(byName(username), 'confluence', undefined, held?.otherPermissions);
        assert.deepEqual(await connector.readAccountState(byName(username)), held);
        // grant-use sets the set exactly: a permission not asked for goes (with a revoke of "can use" first).
        await connector.grantApplication(byName(username), 'confluence', undefined, ['space/create']);
        assert.deepEqual((await connector.readAccountState(byName(username)))?.otherPermissions, ['space/create']);
        await connector.revokeApplication(byName(username), 'confluence');
      });
    }

    it('a write Confluence refuses is a WriteRefused quoting what it said, whatever the status (402 only as sent)', async () => {
      const unlicensed = ORG.users.find((u) => u.active && u.directory === INTERNAL_DIRECTORY && !emulator.state.holdsSeat(u.username));
      assert.ok(unlicensed);
      const maxUsers = emulator.state.maxUsers;
      emulator.state.maxUsers = emulator.state.licensedCount();
      emulator.state.licenceFull = 'refuse-402';
      try {
        const full = await rejection(connector.addToGroup(byName(unlicensed.username), 'confluence-users'));
        assert.ok(full instanceof WriteRefused);
        assert.equal(full.status, 402);
        assert.equal(full.retryable, false);
        assert.match(full.message, /Confluence refused it \(402\)/);
      } finally {
        emulator.state.maxUsers = maxUsers;
        emulator.state.licenceFull = 'allow';
      }
      const ldapMember = emulator.state.membersOf('all-employees')[0];
      assert.ok(ldapMember);
      const readOnly = await rejection(connector.removeFromGroup(byName(ldapMember.username), 'all-employees'));
      assert.ok(readOnly instanceof WriteRefused);
      assert.equal(readOnly.status, 403);
      assert.match(readOnly.message, /Confluence refused it \(403\).*read-only/);
    });
  });
}

describe('readings Atlassian does not document', () => {
  it('upper-case status words read as the lower-case ones', async () => {
    const emulator = await startConfluenceEmulator({ org: ORG, version: '10.2', statusCase: 'upper', clock: () => NOW });
    try {
      const users = await collect(connectorFor(emulator).listAccounts());
      assert.ok(users.every((u) => u.status !== 'unknown' && u.statusWord === emulator.state.statusOf(u.username ?? '')));
    } finally {
      await emulator.close();
    }
  });

  it('a 10.2 admin list without lastLogin stops the listing instead of reading "never logged in"', async () => {
    const emulator = await startConfluenceEmulator({ org: ORG, version: '10.2', lastLoginField: 'absent', clock: () => NOW });
    try {
      const error = await rejection(collect(connectorFor(emulator).lastLogins()));
      assert.match(error.message, /Confluence did not send lastLogin on the page at start=0/);
    } finally {
      await emulator.close();
    }
  });

  it('a group with "/" in its name is never put into a path', async () => {
    const org = generateOrganisation({ seed: 4242, users: 180, now: NOW, slashGroups: 2 });
    const emulator = await startConfluenceEmulator({ org, version: '10.2', clock: () => NOW });
    try {
      const connector = connectorFor(emulator);
      const slashed = (await collect(connector.listGroups())).filter((g) => g.includes('/'));
      assert.equal(slashed.length, 2);
      const requests = emulator.stats.requests;
      for (const group of slashed) {
        await assert.rejects(collect(connector.listGroupMembers(group)), (error: unknown) => error instanceof UnaddressableName && error.value === group);
        const member = emulator.state.membersOf(group)[0];
        assert.ok(member);
        await assert.rejects(connector.removeFromGroup(byName(member.username), group), UnaddressableName);
      }
      assert.equal(emulator.stats.requests, requests, 'nothing was sent for them');
    } finally {
      await emulator.close();
    }
  });
});

describe('probe failures name what to fix', () => {
  let emulator: RunningConfluenceEmulator;
  before(async () => {
    emulator = await startConfluenceEmulator({ org: ORG, version: '10.2', clock: () => NOW });
  });
  after(async () => emulator.close());

  it('a wrong token', async () => {
    const error = await rejection(connectorFor(emulator, { auth: { token: 'not-a-token' } }).probe());
    assert.equal(error.status, 401);
    assert.match(error.message, /check the token \/ username and password/);
  });

  it('Basic credentials of a non-administrator', async () => {
    const { username, password } = emulator.credentials.user;
    const error = await rejection(connectorFor(emulator, { auth: { username, password } }).probe());
    assert.equal(error.status, 403);
    assert.match(error.message, /the account must be a Confluence administrator/);
  });

  it('a URL without the context path: only when no route names a version is the URL called wrong', async () => {
    const error = await rejection(connectorFor(emulator, { url: emulator.url.replace(/\/confluence$/, '') }).probe());
    assert.equal(error.fixable, true);
    assert.match(error.message, /no Confluence version at .*server-information \(9\.1\+\).*manifest.*login\.action.*check the URL \(context path\?\)/);
  });

  it('Basic credentials of the administrator work', async () => {
    const { username, password } = emulator.credentials.admin;
    assert.equal((await connectorFor(emulator, { auth: { username, password } }).probe()).connectedAs.username, 'admin');
  });
});

describe('faults: the scan reads survive what a retry can fix and stop on what it cannot', () => {
  let emulator: RunningConfluenceEmulator;
  before(async () => {
    emulator = await startConfluenceEmulator({ org: ORG, version: '10.2', pageCaps: PAGE_CAPS, clock: () => NOW });
  });
  after(async () => emulator.close());

  it('rate limiting with Retry-After in seconds and as an HTTP date', async () => {
    for (const format of ['seconds', 'http-date'] as const) {
      emulator.resetFaults();
      Object.assign(emulator.faults, { rateLimitEvery: 2, retryAfterSeconds: 3, retryAfterFormat: format });
      const wait = noWait();
      const users = await collect(connectorFor(emulator, {}, wait.deps).listAccounts());
      assert.equal(users.length, ORG.users.length);
      assert.ok(wait.sleeps.length >= 2);
      assert.ok(wait.sleeps.every((ms) => ms > 0 && ms <= 3000), `waits ${wait.sleeps.join(',')} follow Retry-After`);
    }
  });

  it('server errors, dropped connections and failed writes', async () => {
    emulator.resetFaults();
    Object.assign(emulator.faults, { serverErrorRate: 0.15, dropConnectionEvery: 5 });
    const connector = connectorFor(emulator);
    assert.equal((await collect(connector.listAccounts())).length, ORG.users.length);
    assert.equal((await collect(connector.lastLogins())).length, emulator.state.activeLicensedUsers().length);
    assert.ok(connector.requestCount > Math.ceil(ORG.users.length / PAGE_CAPS.users), 'retries are counted');

    emulator.resetFaults();
    emulator.faults.writeErrorEvery = 2;
    const username = writableLicensedPerson(emulator);
    await connector.addToGroup(byName(username), 'newsletter');
    await connector.removeFromGroup(byName(username), 'newsletter');
    assert.ok(!(await connector.readAccountState(byName(username)))?.groups.includes('newsletter'));
  });

  it('paging that ends short of totalCount fails the listing', async () => {
    emulator.resetFaults();
    emulator.faults.shortPaging = { route: 'GET /rest/api/user/list', missing: 3 };
    const error = await rejection(collect(connectorFor(emulator).listAccounts()));
    assert.equal(error.message, `paging ended at ${ORG.users.length - 3} of ${ORG.users.length} promised`);
    assert.equal(error.retryable, false);
  });

  it('a page that keeps failing gives up after 5 attempts, retryable', async () => {
    emulator.resetFaults();
    emulator.faults.failPagingAfter = { route: 'GET /rest/api/group/{groupName}/member', start: 15 };
    const wait = noWait();
    // The request's own attempts are under test: the breaker, which would pause these 20 failures in a row, is set high.
    const error = await rejection(collect(connectorFor(emulator, { circuitBreaker: { failures: 1000 } }, wait.deps).listGroupMembers('confluence-users')));
    assert.equal(error.retryable, true);
    assert.equal(error.status, 500);
    assert.match(error.message, /gave up after 5 attempts/);
    // Pages past the first are fetched a few at a time, so each failing page in the window waits 4 times.
    assert.ok(wait.sleeps.length >= 4 && wait.sleeps.length % 4 === 0, `${wait.sleeps.length} waits`);
    emulator.resetFaults();
  });
});
