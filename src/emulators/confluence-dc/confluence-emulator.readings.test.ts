/**
 * Each undocumented behaviour the emulator offers as an option (emulator-readings.ts), over HTTP: the
 * default reading and every other one.
 */

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startConfluenceEmulator, type ConfluenceEmulatorOptions, type RunningConfluenceEmulator } from './confluence-emulator.ts';
import { generateOrganisation, INTERNAL_DIRECTORY, LDAP_DIRECTORY } from './org-generator.ts';
import { callEmulator } from '../../../test/support/emulator-test-client.ts';
import type { CredentialSeed } from './org-generator.ts';

const NOW = new Date('2026-01-15T12:00:00Z');
const org = generateOrganisation({ seed: 909, users: 400, now: NOW, slashGroups: 2 });
const USE = [{ targetType: 'application', operationKey: 'use' }];

interface Paged {
  results: Record<string, unknown>[];
  size: number;
  totalCount: number;
  _links: { next?: string };
}

async function start(t: { after: (fn: () => Promise<void>) => void }, options: Partial<ConfluenceEmulatorOptions> = {}): Promise<RunningConfluenceEmulator> {
  const emulator = await startConfluenceEmulator({ org, ...options });
  t.after(() => emulator.close());
  return emulator;
}

async function walk(emulator: RunningConfluenceEmulator, first: string, as?: CredentialSeed): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let path: string | undefined = first; path !== undefined; ) {
    const reply = await callEmulator(emulator, path, as === undefined ? {} : { as });
    assert.equal(reply.status, 200, path);
    const page = reply.body as Paged;
    items.push(...page.results);
    path = page._links.next;
  }
  return items;
}

function internalUser(emulator: RunningConfluenceEmulator, seat: boolean): string {
  const user = emulator.state.allUsers().find((u) => u.active && u.directory === INTERNAL_DIRECTORY && u.username !== 'admin'
    && emulator.state.holdsSeat(u.username) === seat && emulator.state.userPermissions(u.username).length === 0);
  assert.ok(user !== undefined);
  return user.username;
}

describe('status words', () => {
  let emulator: RunningConfluenceEmulator;
  before(async () => {
    emulator = await startConfluenceEmulator({ org });
  });
  after(() => emulator.close());

  test('default lower case: current, unlicensed, deactivated, externally_deleted, as the state computes seats', async () => {
    const gone = internalUser(emulator, true);
    emulator.state.markExternallyDeleted(gone);
    const items = await walk(emulator, '/rest/api/user/list?limit=500&expand=status');
    assert.equal(items.length, org.users.length, 'externally deleted accounts stay listed');
    const statusOf = new Map(items.map((u) => [String(u['username']), u['status']]));
    for (const user of emulator.state.allUsers()) {
      const expected = user.externallyDeleted ? 'externally_deleted' : !user.active ? 'deactivated'
        : emulator.state.holdsSeat(user.username) ? 'current' : 'unlicensed';
      assert.equal(statusOf.get(user.username), expected, user.username);
    }
    assert.equal(statusOf.get(gone), 'externally_deleted');
    assert.ok(items.some((u) => u['status'] === 'unlicensed') && items.some((u) => u['status'] === 'deactivated'));
    assert.ok(items.every((u) => !('_expandable' in u) || !('status' in (u['_expandable'] as object))), 'status is no longer expandable once expanded');
  });

  test('an externally deleted account holds no seat, leaves the admin list, cannot log in, and enabling it is refused', async () => {
    const username = internalUser(emulator, true);
    const credential = { username, password: 'pw', token: `token-${username}` };
    emulator.state.addCredential(credential);
    assert.equal((await callEmulator(emulator, '/rest/api/user/current', { as: credential })).status, 200);
    const seats = emulator.state.licensedCount();
    emulator.state.markExternallyDeleted(username);
    assert.equal(emulator.state.licensedCount(), seats - 1);
    assert.equal((await callEmulator(emulator, '/rest/api/user/current', { as: credential })).status, 401);
    const active = await walk(emulator, '/rest/api/admin/users/list/active?limit=500');
    assert.equal(active.some((u) => u['username'] === username), false);
    const enable = await callEmulator(emulator, `/rest/api/admin/user/${username}/enable`, { method: 'PUT' });
    assert.equal(enable.status, 403, 'the read-only refusal status');
    assert.match((enable.body as { message: string }).message, /deleted from the directory/);
    const status = (await callEmulator(emulator, `/rest/api/user?username=${username}&expand=status`)).body as Record<string, unknown>;
    assert.equal(status['status'], 'externally_deleted');
  });

  test('statusCase \'upper\' writes the enum names', async (t) => {
    const upper = await start(t, { statusCase: 'upper' });
    const disabled = org.users.find((u) => !u.active)!;
    const words = (await walk(upper, '/rest/api/user/list?limit=500&expand=status')).map((u) => u['status']);
    assert.deepEqual([...new Set(words)].sort(), ['CURRENT', 'DEACTIVATED', 'UNLICENSED']);
    assert.equal(((await callEmulator(upper, `/rest/api/user?username=${disabled.username}&expand=status`)).body as Record<string, unknown>)['status'], 'DEACTIVATED');
  });
});

describe('e-mail', () => {
  const paths = (group: string) => ['/rest/api/user/list?limit=50', `/rest/api/group/${group}/member?limit=50`];

  test('default: no email on the user routes, for administrators and for oneself; the 10.2 admin list carries it', async (t) => {
    const emulator = await start(t);
    const { user } = org.credentials;
    for (const path of paths('confluence-users')) assert.ok((await walk(emulator, path)).every((u) => !('email' in u)), path);
    for (const as of [org.credentials.admin, user]) {
      assert.equal('email' in ((await callEmulator(emulator, '/rest/api/user/current', { as })).body as object), false);
      assert.equal('email' in ((await callEmulator(emulator, `/rest/api/user?username=${user.username}`, { as })).body as object), false);
    }
    const admin = await walk(emulator, '/rest/api/admin/users/list/active?limit=500');
    assert.ok(admin.length > 0 && admin.every((u) => u['email'] === emulator.state.findUser(String(u['username']))?.email));
  });

  test('emailOnUserList: e-mail on the user routes for administrators, still none for other callers', async (t) => {
    const emulator = await start(t, { emailOnUserList: true });
    const { user } = org.credentials;
    for (const path of paths('confluence-users')) {
      const items = await walk(emulator, path);
      assert.ok(items.every((u) => u['email'] === emulator.state.findUser(String(u['username']))?.email), path);
    }
    assert.ok(String(((await callEmulator(emulator, '/rest/api/user/current')).body as Record<string, unknown>)['email']).includes('@'));
    assert.ok(String(((await callEmulator(emulator, `/rest/api/user?username=${user.username}`)).body as Record<string, unknown>)['email']).includes('@'));
    assert.ok((await walk(emulator, '/rest/api/user/list?limit=50', user)).every((u) => !('email' in u)), 'not for a non-administrator');
    assert.equal('email' in ((await callEmulator(emulator, '/rest/api/user/current', { as: user })).body as object), false);
  });

  test('9.3 admin list: no e-mail (documented in the 10.2 docs only)', async (t) => {
    const emulator = await start(t, { version: '9.3' });
    assert.ok((await walk(emulator, '/rest/api/admin/users/list/active?limit=500')).every((u) => !('email' in u)));
  });
});

describe('lastLogin presence', () => {
  test('\'absent\': no lastLogin key on any entry of the 10.2 admin list, even when expanded; the rest unchanged', async (t) => {
    const present = await start(t);
    const absent = await start(t, { lastLoginField: 'absent' });
    const path = '/rest/api/admin/users/list/active?limit=500&expand=lastLogin,status';
    const withField = await walk(present, path);
    const without = await walk(absent, path);
    assert.ok(withField.every((u) => 'lastLogin' in u));
    assert.ok(without.length > 0 && without.every((u) => !('lastLogin' in u)));
    assert.deepEqual(without.map((u) => [u['username'], u['status'], u['email']]), withField.map((u) => [u['username'], u['status'], u['email']]));
  });
});

describe('member lists', () => {
  test('flattened (default): members of the group and of every descendant, each once, sorted, paged; direct: as stored', async (t) => {
    const flattened = await start(t, { pageCaps: { groups: 50 } });
    const direct = await start(t, { memberLists: 'direct', pageCaps: { groups: 50 } });
    const departments = org.nesting.filter((n) => n.parent === 'staff').map((n) => n.child);
    const expected = [...new Set(org.memberships.filter((m) => m.group === 'staff' || departments.includes(m.group)).map((m) => m.username))].sort();
    const staff = (await walk(flattened, '/rest/api/group/staff/member?limit=50')).map((u) => String(u['username']));
    assert.ok(expected.length > 100);
    assert.deepEqual(staff, expected);
    const first = (await callEmulator(flattened, '/rest/api/group/staff/member?limit=50')).body as Paged;
    assert.deepEqual([first.size, first.totalCount], [50, expected.length]);
    assert.deepEqual(await walk(direct, '/rest/api/group/staff/member'), [], 'staff has no direct members');
    const engineering = org.memberships.filter((m) => m.group === 'engineering').map((m) => m.username).sort();
    assert.deepEqual((await walk(direct, '/rest/api/group/engineering/member')).map((u) => u['username']), engineering);
    assert.deepEqual((await walk(flattened, '/rest/api/group/engineering/member')).map((u) => u['username']), engineering, 'no children: the same');
    const someone = engineering[0]!;
    const memberof = (await walk(flattened, `/rest/api/user/memberof?username=${someone}`)).map((g) => g['name']);
    assert.equal(memberof.includes('staff'), org.memberships.some((m) => m.group === 'staff' && m.username === someone), 'memberof stays direct');
  });

  test('a membership write shows in the flattened list of every ancestor', async (t) => {
    const emulator = await start(t);
    const outsider = emulator.state.allUsers().find((u) => u.directory === LDAP_DIRECTORY && u.active
      && !emulator.state.flattenedMembersOf('staff').some((m) => m.username === u.username))!;
    assert.ok(outsider !== undefined);
    const members = async () => (await walk(emulator, '/rest/api/group/staff/member')).map((u) => u['username']);
    assert.equal((await members()).includes(outsider.username), false);
    assert.equal((await callEmulator(emulator, `/rest/api/user/${outsider.username}/group/research`, { method: 'PUT' })).status, 204);
    assert.equal((await members()).includes(outsider.username), true);
    assert.equal((await callEmulator(emulator, `/rest/api/user/${outsider.username}/group/research`, { method: 'DELETE' })).status, 204);
    assert.equal((await members()).includes(outsider.username), false);
  });
});

describe('revoking "can use" over REST', () => {
  test('removes every individually held global permission, one change record each; group grants stay', async (t) => {
    const emulator = await start(t);
    const username = internalUser(emulator, true);
    const ops = [{ targetType: 'space', operationKey: 'create' }, { targetType: 'personal_space', operationKey: 'create' }, ...USE];
    assert.equal((await callEmulator(emulator, `/rest/api/permissions/user/${username}/grant`, { method: 'PUT', body: ops })).status, 204);
    const groups = (await callEmulator(emulator, '/rest/api/permissions/group/confluence-users')).body;
    const before = emulator.state.changes.length;
    assert.equal((await callEmulator(emulator, `/rest/api/permissions/user/${username}/revoke`, { method: 'PUT', body: USE })).status, 204);
    assert.deepEqual((await callEmulator(emulator, `/rest/api/permissions/user/${username}`)).body, []);
    assert.deepEqual(emulator.state.changes.slice(before).map((c) => [c.kind, c.permission ?? null]), [
      ['revoke-use-grant', null], ['revoke-permission', 'personal_space/create'], ['revoke-permission', 'space/create'],
    ]);
    assert.deepEqual((await callEmulator(emulator, '/rest/api/permissions/group/confluence-users')).body, groups);
    assert.equal(emulator.state.holdsSeat(username), true, 'the seat through confluence-users stays');
  });
});

describe('permission subjects', () => {
  test('\'identified\' (default) names users and groups; \'display-name-only\' sends exactly {type, displayName} on all three routes', async (t) => {
    const identified = await start(t);
    const plain = await start(t, { permissionSubjects: 'display-name-only' });
    const username = internalUser(plain, true);
    for (const emulator of [identified, plain]) {
      await callEmulator(emulator, `/rest/api/permissions/user/${username}/grant`, { method: 'PUT', body: [{ targetType: 'space', operationKey: 'create' }] });
    }
    const paths = ['/rest/api/permissions', `/rest/api/permissions/user/${username}`, '/rest/api/permissions/group/confluence-users'];
    for (const path of paths) {
      const subjects = ((await callEmulator(plain, path)).body as { subject: Record<string, unknown> }[]).map((p) => p.subject);
      assert.ok(subjects.length > 0, path);
      assert.ok(subjects.every((s) => Object.keys(s).sort().join() === 'displayName,type'), path);
    }
    const all = ((await callEmulator(identified, '/rest/api/permissions')).body as { subject: Record<string, unknown> }[]).map((p) => p.subject);
    const user = plain.state.findUser(username)!;
    assert.ok(all.some((s) => s['type'] === 'user' && s['username'] === username && s['userKey'] === user.userKey && s['displayName'] === user.displayName));
    assert.ok(all.some((s) => s['type'] === 'group' && s['name'] === 'confluence-users' && s['displayName'] === 'confluence-users'));
  });
});

describe('group names with "/"', () => {
  test('the generator adds them only when asked, leaving the rest of the organisation as it was', () => {
    const plain = generateOrganisation({ seed: 909, users: 400, now: NOW });
    assert.equal(plain.groups.some((g) => g.name.includes('/')), false);
    const slash = org.groups.filter((g) => g.name.includes('/'));
    assert.deepEqual(slash.map((g) => [g.name, g.directory]), [['eng/platform', INTERNAL_DIRECTORY], ['eng/mobile', INTERNAL_DIRECTORY]]);
    for (const group of slash) {
      const members = org.memberships.filter((m) => m.group === group.name).length;
      assert.ok(members >= 2 && members <= 6, `${group.name}: ${members} members`);
    }
    const { groups, memberships, ...rest } = org;
    const { groups: plainGroups, memberships: plainMemberships, ...plainRest } = plain;
    assert.deepEqual(rest, plainRest);
    assert.deepEqual(groups.filter((g) => !g.name.includes('/')), plainGroups);
    assert.deepEqual(memberships.filter((m) => !m.group.includes('/')), plainMemberships);
  });

  test('every {groupName} route answers 404 for a name with "/", raw or as %2F; writes change nothing', async (t) => {
    const emulator = await start(t);
    const listed = (await walk(emulator, '/rest/api/group?limit=200')).map((g) => g['name']);
    assert.ok(listed.includes('eng/platform'), 'the group exists and is listed');
    const member = org.memberships.find((m) => m.group === 'eng/platform')!.username;
    const before = emulator.state.changes.length;
    const templates = emulator.routes.filter((r) => r.template.includes('{groupName}'));
    assert.ok(templates.length >= 7);
    for (const route of templates) {
      for (const name of ['eng/platform', 'eng%2Fplatform', 'eng%2fplatform']) {
        const path = route.template.replace('{groupName}', name).replace('{username}', member);
        const reply = await callEmulator(emulator, path, { method: route.method });
        assert.equal(reply.status, 404, `${route.method} ${path}`);
        assert.equal((reply.body as { statusCode: number }).statusCode, 404);
        assert.match((reply.body as { message: string }).message, /^null for uri: /);
      }
    }
    assert.equal(emulator.state.changes.length, before);
    assert.ok(emulator.state.groupsOf(member).some((g) => g.name === 'eng/platform'));
  });
});

describe('read-only refusals and a full licence', () => {
  for (const status of [403, 400, 500] as const) {
    test(`readOnlyRefusal ${status}: membership writes and disable in a read-only directory`, async (t) => {
      const emulator = await start(t, status === 403 ? {} : { readOnlyRefusal: status });
      const ldapUser = emulator.state.allUsers().find((u) => u.directory === LDAP_DIRECTORY && u.active)!;
      for (const [method, path] of [
        ['DELETE', `/rest/api/user/${ldapUser.username}/group/all-employees`],
        ['PUT', `/rest/api/user/${ldapUser.username}/group/wiki-access`],
        ['PUT', `/rest/api/admin/user/${ldapUser.username}/disable`],
      ] as const) {
        const reply = await callEmulator(emulator, path, { method });
        assert.equal(reply.status, status, `${method} ${path}`);
        assert.equal((reply.body as { statusCode: number }).statusCode, status);
        assert.match((reply.body as { message: string }).message, /read-only directory/);
      }
      assert.equal(emulator.state.changes.length, 0);
    });
  }

  test('licenceFull \'allow\' (default): adding to a licensing group beyond maxUsers succeeds; \'refuse-402\' answers 402', async (t) => {
    const allow = await start(t);
    const refuse = await start(t, { licenceFull: 'refuse-402' });
    for (const emulator of [allow, refuse]) emulator.state.maxUsers = emulator.state.licensedCount();
    const username = internalUser(allow, false);
    const path = `/rest/api/user/${username}/group/confluence-users`;
    assert.equal((await callEmulator(allow, path, { method: 'PUT' })).status, 204);
    assert.equal(allow.state.licensedCount(), allow.state.maxUsers + 1);
    const refused = await callEmulator(refuse, path, { method: 'PUT' });
    assert.equal(refused.status, 402);
    assert.match((refused.body as { message: string }).message, /no more licenses available/);
    const grant = await callEmulator(refuse, `/rest/api/permissions/user/${username}/grant`, { method: 'PUT', body: USE });
    assert.equal(grant.status, 402);
    assert.equal(refuse.state.changes.length, 0);
  });
});
