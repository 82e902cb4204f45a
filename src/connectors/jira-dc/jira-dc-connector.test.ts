import { after, before, beforeEach, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError, NotDirectMember, UnaddressableName, WriteRefused } from '../../app/connector-error.ts';
import { startJiraEmulator, type RunningJiraEmulator } from '../../emulators/jira-dc/jira-emulator.ts';
import { writeJiraDatabase } from '../../emulators/jira-dc/jira-database.ts';
import { generateJiraOrganisation, JIRA_INTERNAL_DIRECTORY, JIRA_LDAP_DIRECTORY, type JiraOrgSeed } from '../../emulators/jira-dc/jira-org-generator.ts';
import { JiraState } from '../../emulators/jira-dc/jira-state.ts';
import type { JiraReadings } from '../../emulators/jira-dc/jira-readings.ts';
import type { JiraUser as EmulatedUser } from '../../emulators/jira-dc/jira-model.ts';
import { createScratchDatabase, testDatabaseUrl, type ScratchDatabase, type TestDatabaseKind } from '../../../test/support/test-databases.ts';
import { jiraDcConfigSchema, type JiraDcConfigInput } from './jira-dc-config.ts';
import { createJiraDcConnector, type JiraDcConnector, type JiraDcConnectorDeps } from './jira-dc-connector.ts';

const NOW = new Date('2026-01-15T12:00:00Z');
const ORG: JiraOrgSeed = generateJiraOrganisation({ seed: 11, users: 260, now: NOW });

/** Sleeps are recorded, not waited for: Retry-After and backoff must not slow the suite. */
function noWait(): { sleeps: number[]; deps: JiraDcConnectorDeps } {
  const sleeps: number[] = [];
  return { sleeps, deps: { random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) } };
}

function connectorFor(jira: RunningJiraEmulator, overrides: Partial<JiraDcConfigInput> = {}, deps: JiraDcConnectorDeps = noWait().deps): JiraDcConnector {
  const config = jiraDcConfigSchema.parse({ product: 'jira-dc', url: jira.url, auth: { token: jira.credentials.admin.token }, timeoutMs: 5000, pageSize: 37, ...overrides });
  return createJiraDcConnector('jira', config, deps);
}

async function start(readings: Partial<JiraReadings> = {}, org: JiraOrgSeed = ORG): Promise<RunningJiraEmulator> {
  return startJiraEmulator({ org, readings, pageCaps: { userList: 50, groupMembers: 20 }, clock: () => NOW });
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

const sortedText = (values: Iterable<string>): string[] => [...values].sort();
const ref = (user: EmulatedUser) => ({ accountId: user.key, username: user.username });

/** An active person of the writable internal directory without a Jira Software seat. */
function internalPerson(jira: RunningJiraEmulator, skip: readonly string[] = []): EmulatedUser {
  const found = jira.state.allUsers().find((u) => u.directory === JIRA_INTERNAL_DIRECTORY && u.active && u.username.includes('.') && !skip.includes(u.username));
  assert.ok(found);
  return found;
}

describe('Jira DC connector over REST', () => {
  let jira: RunningJiraEmulator;
  let connector: JiraDcConnector;
  before(async () => {
    jira = await start();
    connector = connectorFor(jira);
  });
  after(async () => {
    await connector.close();
    await jira.close();
  });
  beforeEach(() => jira.resetFaults());

  it('probe: the version from serverInfo, the admin by key, and capabilities for REST (last logins one read per user)', async () => {
    const probe = await connector.probe();
    assert.equal(probe.version, '10.3.24');
    assert.equal(probe.versionSource, 'serverInfo');
    const admin = jira.state.findUser('admin');
    assert.deepEqual(probe.connectedAs, { accountId: admin?.key, username: 'admin' });
    assert.deepEqual(probe.capabilities, {
      productName: 'Jira', lastLogin: 'rest-per-user', memberLists: 'maybe-flattened', directGrants: false, revokeTakesOtherPermissions: false,
      disable: true, rename: true, updateDisplayName: true, updateEmail: true,
    });
  });

  it('probe refuses an account without ADMINISTER or SYSTEM_ADMIN, as a fixable problem', async () => {
    const user = connectorFor(jira, { auth: { token: jira.credentials.user.token } });
    const error = await rejection(user.probe());
    assert.equal(error.fixable, true);
    assert.match(error.message, /not a Jira administrator/);
  });

  it('listAccounts streams /user/list: every account once, keyed by user key, inactive ones included, no lastLogin (the listing has none)', async () => {
    const before = jira.stats.byRoute.get('GET /rest/api/2/user/search') ?? 0;
    const listed = await collect(connector.listAccounts());
    assert.deepEqual(sortedText(listed.map((a) => a.accountId)), sortedText(ORG.users.map((u) => u.key)));
    const inactive = ORG.users.find((u) => !u.active);
    assert.ok(inactive);
    const shown = listed.find((a) => a.accountId === inactive.key);
    assert.deepEqual([shown?.status, shown?.statusWord, shown?.username], ['disabled', 'false', inactive.username]);
    assert.ok(listed.every((a) => a.lastLogin === undefined));
    assert.equal(jira.stats.byRoute.get('GET /rest/api/2/user/search') ?? 0, before, 'user/search is not used where user/list exists');
  });

  it('lastLogins: one GET /user per listed account (the cost), instants as the emulator holds them to the second', async () => {
    await collect(connector.listAccounts());
    const reads = jira.stats.byRoute.get('GET /rest/api/2/user') ?? 0;
    const facts = await collect(connector.lastLogins());
    assert.equal((jira.stats.byRoute.get('GET /rest/api/2/user') ?? 0) - reads, ORG.users.length, 'one read per account, none more');
    assert.equal(facts.length, ORG.users.length);
    for (const user of ORG.users) {
      const fact = facts.find((f) => f.accountId === user.key);
      const seconds = (d: Date | null | undefined) => (d === null || d === undefined ? null : Math.floor(d.getTime() / 1000));
      assert.equal(seconds(fact?.lastLogin), seconds(user.lastLogin), user.username);
    }
  });

  it('readAccess: one application per role with its granting and default groups and seats; admin groups as configured or conventional', async () => {
    const access = await connector.readAccess();
    assert.equal(access.source, 'application-roles+conventional-admin-groups');
    assert.ok(access.adminGroups.includes('jira-administrators'));
    const software = access.applications.find((a) => a.key === 'jira-software');
    const role = jira.state.applicationRole('jira-software');
    assert.deepEqual(software, {
      key: 'jira-software', name: 'Jira Software', groups: role?.groups, users: [], defaultGroups: ['jira-software-users'],
      seatsUsed: role?.userCount, seatsMax: role?.numberOfSeats, unlimited: false,
    });
    jira.state.setSeats('jira-servicedesk', -1);
    try {
      const unlimited = (await connector.readAccess()).applications.find((a) => a.key === 'jira-servicedesk');
      assert.deepEqual([unlimited?.unlimited, unlimited?.seatsMax], [true, null], 'unlimited is read from hasUnlimitedSeats, never -1 as a limit');
    } finally {
      jira.state.setSeats('jira-servicedesk', ORG.applications[1]?.numberOfSeats ?? 0);
    }
    const configured = connectorFor(jira, { adminGroups: ['ops-admins'] });
    const read = await configured.readAccess();
    assert.deepEqual([read.adminGroups, read.source], [['ops-admins'], 'application-roles+config']);
  });

  it('group members are the flattened list Jira sends; REST shows no child groups; no memberships or directories without the database', async () => {
    const staff = await collect(connector.listGroupMembers('staff'));
    assert.deepEqual(sortedText(staff.map((m) => m.accountId)), sortedText(jira.state.flattenedMembersOf('staff').map((u) => u.key)));
    assert.deepEqual(await collect(connector.listChildGroups('staff')), []);
    assert.equal(await connector.readMemberships?.(), null);
    assert.equal(await connector.readDirectories?.(), null);
    const groups = await collect(connector.listGroups());
    assert.deepEqual(sortedText(groups), sortedText(jira.state.allGroups().map((g) => g.name)));
  });

  it('readAccountState by key: profile, status and the groups expand=groups gives; a gone key is null', async () => {
    const person = internalPerson(jira);
    const state = await connector.readAccountState(ref(person));
    assert.ok(state);
    assert.deepEqual(
      { ...state, groups: [...state.groups] },
      {
        accountId: person.key, username: person.username, status: 'active', displayName: person.displayName, email: person.email,
        groups: jira.state.effectiveGroupsOf(person.username).map((g) => g.name), directApplications: [], otherPermissions: [],
      },
    );
    assert.equal(connector.accountStateGroups, 'maybe-effective');
    assert.equal(await connector.readAccountState({ accountId: 'JIRAUSER999999', username: null }), null);
  });

  it('writes by key: membership, disable/enable, rename, profile — each judged by the emulator and idempotent', async () => {
    // A copy: the emulator's record changes with the writes.
    const person = { ...internalPerson(jira) };
    const account = ref(person);
    const changes = () => jira.state.changes.length;

    await connector.addToGroup(account, 'release managers');
    assert.ok(jira.state.groupsOf(person.username).some((g) => g.name === 'release managers'));
    const afterAdd = changes();
    await connector.addToGroup(account, 'release managers');
    assert.equal(changes(), afterAdd, 'adding again is a no-op (Jira answers 400 "already a member")');
    await connector.removeFromGroup(account, 'release managers');
    await connector.removeFromGroup(account, 'release managers');
    assert.ok(!jira.state.groupsOf(person.username).some((g) => g.name === 'release managers'));

    await connector.disable(account);
    await connector.disable(account);
    assert.equal(jira.state.findUserByKey(person.key)?.active, false);
    await connector.enable(account);
    assert.equal(jira.state.findUserByKey(person.key)?.active, true);

    await connector.rename(account, `${person.username}_inactive_20260115`);
    await connector.rename(account, `${person.username}_inactive_20260115`);
    assert.equal(jira.state.findUserByKey(person.key)?.username, `${person.username}_inactive_20260115`);
    // The stale username in the ref does not matter: every write goes by key.
    await connector.updateProfile(account, { displayName: 'Renamed Person', email: 'renamed@example.com' });
    const now = jira.state.findUserByKey(person.key);
    assert.deepEqual([now?.displayName, now?.email], ['Renamed Person', 'renamed@example.com']);
    const before = changes();
    await connector.updateProfile(account, {});
    assert.equal(changes(), before, 'an empty change sends nothing');
    await connector.rename(account, person.username);
    await connector.updateProfile(account, { displayName: person.displayName, email: person.email });
    assert.deepEqual(
      jira.state.changes.filter((c) => c.key !== person.key),
      [],
      'no other account was touched',
    );
  });

  it('refusals Jira understood become WriteRefused and change nothing: read-only group, taken name, full licence, nested-only membership', async () => {
    const person = internalPerson(jira);
    const other = internalPerson(jira, [person.username]);
    const changes = jira.state.changes.length;
    const readOnly = await rejection(connector.addToGroup(ref(person), 'all-employees'));
    assert.ok(readOnly instanceof WriteRefused);
    assert.equal(readOnly.status, 403);
    const taken = await rejection(connector.rename(ref(person), other.username));
    assert.ok(taken instanceof WriteRefused);
    assert.equal(taken.status, 400);
    const ldapUser = jira.state.allUsers().find((u) => u.directory === JIRA_LDAP_DIRECTORY && u.active);
    assert.ok(ldapUser);
    const ldap = await rejection(connector.disable(ref(ldapUser)));
    assert.ok(ldap instanceof WriteRefused, 'a user of a read-only directory cannot be deactivated');
    assert.equal(jira.state.findUserByKey(ldapUser.key)?.active, true);
    assert.equal(jira.state.changes.length, changes);

    const role = jira.state.applicationRole('jira-servicedesk');
    assert.ok(role);
    jira.state.setSeats('jira-servicedesk', role.userCount);
    try {
      const newcomer = jira.state.allUsers().find((u) => u.active && u.directory === JIRA_INTERNAL_DIRECTORY && !jira.state.applicationsOf(u.username).includes('jira-servicedesk'));
      assert.ok(newcomer);
      const full = await rejection(connector.addToGroup(ref(newcomer), 'jira-servicedesk-users'));
      assert.ok(full instanceof WriteRefused);
      assert.match(full.message, /exceeded the number of users/);
    } finally {
      jira.state.setSeats('jira-servicedesk', role.numberOfSeats);
    }

    // A member of `engineering` only is in `staff` through nesting: Jira cannot remove that membership.
    const nested = jira.state.membersOf('engineering').find((u) => !jira.state.groupsOf(u.username).some((g) => g.name === 'staff'));
    assert.ok(nested);
    const throughNesting = await rejection(connector.removeFromGroup(ref(nested), 'staff'));
    assert.ok(throughNesting instanceof NotDirectMember, 'told apart from a refused group');
    assert.equal(throughNesting.group, 'staff');
    assert.ok(!(readOnly instanceof NotDirectMember), 'a read-only group is a refusal of the group');
    assert.equal(jira.state.changes.length, changes);
  });

  it('application grants are refused: Jira DC has no individual grant, and /user/application is a group write in disguise', async () => {
    const person = internalPerson(jira);
    const writes = jira.stats.writes;
    const revoke = await rejection(connector.revokeApplication(ref(person), 'jira-software'));
    assert.ok(revoke instanceof WriteRefused);
    assert.match(revoke.message, /only through groups/);
    await rejection(connector.grantApplication(ref(person), 'jira-software'));
    assert.equal(jira.stats.writes, writes, 'nothing was sent');
  });

  it('hostile names are UnaddressableName before any request; awkward but safe ones (spaces, &, =) work', async () => {
    const person = internalPerson(jira);
    const requests = jira.stats.requests;
    await assert.rejects(collect(connector.listGroupMembers('bad\u0000group')), UnaddressableName);
    await assert.rejects(collect(connector.listGroupMembers('\uD800lone')), UnaddressableName);
    assert.equal(jira.stats.requests, requests, 'nothing was sent for a name that cannot be sent');
    await assert.rejects(connector.rename(ref(person), 'evil\nname'), UnaddressableName);
    await assert.rejects(connector.addToGroup(ref(person), 'x\u001by'), UnaddressableName);
    const members = await collect(connector.listGroupMembers('release managers'));
    assert.deepEqual(sortedText(members.map((m) => m.accountId)), sortedText(jira.state.flattenedMembersOf('release managers').map((u) => u.key)));
    await assert.rejects(collect(connector.listGroupMembers('a&groupname=staff')), (e: unknown) => e instanceof ConnectorError && e.status === 404, 'the name is one parameter, not two');
  });
});

describe('Jira DC connector: readings and faults', () => {
  it('without user/list it pages user search with inactive users; a search cut at 100 is refused as possibly incomplete', async () => {
    const jira = await start({ userListRoute: 'absent' });
    try {
      const connector = connectorFor(jira);
      const listed = await collect(connector.listAccounts());
      assert.deepEqual(sortedText(listed.map((a) => a.accountId)), sortedText(ORG.users.map((u) => u.key)));
      // Forcing user/list where the route is missing fails loudly instead of listing nobody.
      await rejection(collect(connectorFor(jira, { userListing: 'list' }).listAccounts()));
    } finally {
      await jira.close();
    }
    const capped = await start({ userListRoute: 'absent', userSearchLimit: 'first-100' });
    try {
      const error = await rejection(collect(connectorFor(capped).listAccounts()));
      assert.match(error.message, /may be incomplete/);
    } finally {
      await capped.close();
    }
  });

  it('a version without lastLoginTime: per-user reads find none, and last logins are refused rather than read as "never"', async () => {
    const jira = await start({ lastLoginTimeField: 'absent' });
    try {
      const error = await rejection(collect(connectorFor(jira).lastLogins()));
      assert.equal(error.fixable, true);
      assert.match(error.message, /lastLogin: database/);
    } finally {
      await jira.close();
    }
  });

  it('expand=groups with direct groups: the state is exact; removing a nested-only membership is already done', async () => {
    const jira = await start({ userGroupsExpand: 'direct' });
    try {
      const connector = connectorFor(jira);
      const nested = jira.state.membersOf('engineering').find((u) => !jira.state.groupsOf(u.username).some((g) => g.name === 'staff'));
      assert.ok(nested);
      const state = await connector.readAccountState(ref(nested));
      assert.deepEqual(state?.groups, jira.state.groupsOf(nested.username).map((g) => g.name));
      const changes = jira.state.changes.length;
      await connector.removeFromGroup(ref(nested), 'staff');
      assert.equal(jira.state.changes.length, changes);
    } finally {
      await jira.close();
    }
  });

  it('429 with Retry-After is waited out and the listing completes; a stream that repeats its cursor is refused', async () => {
    const jira = await start();
    try {
      const { sleeps, deps } = noWait();
      jira.faults.rateLimitEvery = 3;
      jira.faults.retryAfterSeconds = 2;
      const listed = await collect(connectorFor(jira, {}, deps).listAccounts());
      assert.equal(listed.length, ORG.users.length);
      assert.ok(sleeps.includes(2000), 'Retry-After was honoured');
      jira.resetFaults();
      jira.faults.selfNext = { route: 'GET /rest/api/2/user/list' };
      const error = await rejection(collect(connectorFor(jira).listAccounts()));
      assert.match(error.message, /twice/);
    } finally {
      await jira.close();
    }
  });

  it('a member listing failing half-way throws instead of passing a partial list; a write that keeps failing changes nothing', async () => {
    const jira = await start();
    try {
      const connector = connectorFor(jira);
      jira.faults.failPagingAfter = { route: 'GET /rest/api/2/group/member', start: 20 };
      await rejection(collect(connector.listGroupMembers('staff')));
      jira.resetFaults();
      jira.faults.writeErrorEvery = 1;
      const person = internalPerson(jira);
      const error = await rejection(connector.addToGroup(ref(person), 'release managers'));
      assert.equal(error instanceof WriteRefused, false, 'a 503 is a failure to retry, not a refusal');
      assert.equal(jira.state.changes.length, 0);
    } finally {
      await jira.close();
    }
  });
});

const KINDS: readonly TestDatabaseKind[] = ['postgres', 'mariadb'];

for (const kind of KINDS) {
  describe(`Jira DC connector with the ${kind} database`, () => {
    const setUp = async (t: TestContext): Promise<{ jira: RunningJiraEmulator; connector: JiraDcConnector; scratch: ScratchDatabase } | null> => {
      const serverUrl = testDatabaseUrl(kind, t);
      if (serverUrl === null) return null;
      const scratch = await createScratchDatabase(kind, serverUrl);
      const state = new JiraState(ORG, { clock: () => NOW });
      await writeJiraDatabase(scratch.url, state);
      const jira = await startJiraEmulator({ org: ORG, state, clock: () => NOW });
      return { jira, scratch, connector: connectorFor(jira, { lastLogin: 'database', database: scratch.url }) };
    };

    it('probe, last logins, direct memberships with keys, directories, read-only groups and admin groups from the database', async (t) => {
      const set = await setUp(t);
      if (set === null) return;
      const { jira, connector, scratch } = set;
      try {
        const probe = await connector.probe();
        assert.deepEqual([probe.capabilities.lastLogin, probe.capabilities.memberLists], ['database', 'direct']);

        const facts = await collect(connector.lastLogins());
        assert.equal(facts.length, ORG.users.length);
        for (const user of ORG.users) {
          const fact = facts.find((f) => f.accountId === user.key);
          assert.equal(fact?.lastLogin?.getTime() ?? null, user.lastLogin?.getTime() ?? null, user.username);
        }

        const memberships = await connector.readMemberships?.();
        assert.ok(memberships);
        const expected = jira.state.allGroups().flatMap((g) => jira.state.membersOf(g.name).map((u) => `${g.name} ${u.key}`));
        assert.deepEqual(sortedText(memberships.memberships.map((m) => `${m.group} ${m.accountId}`)), sortedText(expected));
        assert.deepEqual(sortedText(memberships.nesting.map((n) => `${n.parent} ${n.child}`)), sortedText(ORG.nesting.map((n) => `${n.parent} ${n.child}`)));
        assert.deepEqual(sortedText((await collect(connector.listChildGroups('staff'))).map((n) => n.child)), sortedText(jira.state.childGroupsOf('staff').map((g) => g.name)));
        // Member lists come from cwd_membership too: direct members, as capabilities.memberLists says.
        const staff = await collect(connector.listGroupMembers('staff'));
        assert.deepEqual(sortedText(staff.map((m) => m.accountId)), sortedText(jira.state.membersOf('staff').map((u) => u.key)));
        assert.notDeepEqual(staff.length, jira.state.flattenedMembersOf('staff').length, 'not the flattened list');
        await assert.rejects(collect(connector.listGroupMembers('bad\u0000group')), UnaddressableName);

        const directories = await connector.readDirectories?.();
        assert.deepEqual(directories?.directories, [
          { name: JIRA_INTERNAL_DIRECTORY, order: 0, active: true, writable: true },
          { name: JIRA_LDAP_DIRECTORY, order: 1, active: true, writable: false },
        ]);
        assert.deepEqual(sortedText(directories?.readOnlyGroups ?? []), sortedText(jira.state.allGroups().filter((g) => !g.writable).map((g) => g.name)));

        const access = await connector.readAccess();
        assert.deepEqual([access.adminGroups, access.source], [['jira-administrators'], 'application-roles+globalpermissionentry']);
        assert.deepEqual(sortedText(await collect(connector.listGroups())), sortedText(jira.state.allGroups().map((g) => g.name)));
      } finally {
        await connector.close();
        await jira.close();
        await scratch.drop();
      }
    });
  });
}
