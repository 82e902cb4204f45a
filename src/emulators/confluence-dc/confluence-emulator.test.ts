import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startConfluenceEmulator, type RunningConfluenceEmulator } from './confluence-emulator.ts';
import { generateOrganisation, type OrgSeed } from './org-generator.ts';
import { callEmulator } from '../../../test/support/emulator-test-client.ts';

const NOW = new Date('2026-01-15T12:00:00Z');

interface Paged {
  results: Record<string, unknown>[];
  start: number;
  limit: number;
  size: number;
  totalCount: number;
  _links: { base: string; context: string; self: string; next?: string };
}

function assertRestError(body: unknown, status: number): void {
  const error = body as { statusCode: number; message: string; reason: string; data: Record<string, unknown> };
  assert.equal(error.statusCode, status);
  assert.equal(typeof error.message, 'string');
  assert.equal(typeof error.reason, 'string');
  assert.deepEqual(Object.keys(error.data).sort(), ['allowedInReadOnlyMode', 'authorized', 'errors', 'successful', 'valid']);
}

/** Follows `_links.next` (relative to `_links.base`) until it is absent. */
async function walk(emulator: RunningConfluenceEmulator, first: string): Promise<{ items: Record<string, unknown>[]; pages: Paged[] }> {
  const pages: Paged[] = [];
  let path: string | undefined = first;
  while (path !== undefined) {
    const reply = await callEmulator(emulator, path);
    assert.equal(reply.status, 200, path);
    const page = reply.body as Paged;
    pages.push(page);
    path = page._links.next;
  }
  return { items: pages.flatMap((p) => p.results), pages };
}

describe('Confluence emulator over HTTP (10.2, /confluence)', () => {
  let org: OrgSeed;
  let emulator: RunningConfluenceEmulator;
  before(async () => {
    org = generateOrganisation({ seed: 4242, users: 1_234, now: NOW });
    emulator = await startConfluenceEmulator({ org });
  });
  after(() => emulator.close());

  test('paging: exact envelope, server-side cap, relative next link, every user exactly once', async () => {
    const first = await callEmulator(emulator, '/rest/api/user/list?limit=1000&expand=status');
    const page = first.body as Paged;
    assert.deepEqual(Object.keys(page).sort(), ['_links', 'limit', 'results', 'size', 'start', 'totalCount']);
    assert.deepEqual(Object.keys(page._links).sort(), ['base', 'context', 'next', 'self']);
    assert.equal(page.limit, 500, 'limit capped at 500 for user listings');
    assert.equal(page.size, 500);
    assert.equal(page.totalCount, 1_234);
    assert.equal(page._links.base, emulator.url);
    assert.equal(page._links.context, '/confluence');
    assert.equal(page._links.next, '/rest/api/user/list?limit=500&expand=status&start=500');

    const { items, pages } = await walk(emulator, '/rest/api/user/list?limit=1000&expand=status');
    assert.deepEqual(pages.map((p) => [p.start, p.size]), [[0, 500], [500, 500], [1000, 234]]);
    assert.equal(pages.at(-1)!._links.next, undefined, 'no next on the last page');
    const names = items.map((u) => u['username']);
    assert.equal(new Set(names).size, 1_234);
    assert.deepEqual(new Set(names), new Set(org.users.map((u) => u.username)));
    assert.ok(items.every((u) => ['current', 'deactivated', 'unlicensed'].includes(String(u['status']))), 'lower-case UserStatus words by default');
    assert.equal(items.filter((u) => u['status'] === 'deactivated').length, org.users.filter((u) => !u.active).length);
    assert.equal(items.filter((u) => u['status'] === 'current').length, emulator.state.licensedCount());

    const members = await callEmulator(emulator, '/rest/api/group/confluence-users/member?limit=1000');
    assert.equal((members.body as Paged).limit, 200, 'group listings are capped at 200');
    const all = await walk(emulator, '/rest/api/group/confluence-users/member?limit=1000');
    assert.equal(all.items.length, org.memberships.filter((m) => m.group === 'confluence-users').length);
  });

  test('paging: bad start or limit answers 400; a page past the end is empty', async () => {
    for (const query of ['start=-1', 'start=abc', 'limit=0', 'limit=-5']) {
      const reply = await callEmulator(emulator, `/rest/api/group?${query}`);
      assert.equal(reply.status, 400, query);
      assertRestError(reply.body, 400);
    }
    const beyond = (await callEmulator(emulator, '/rest/api/group?start=500')).body as Paged;
    assert.deepEqual([beyond.size, beyond.results.length, beyond._links.next], [0, 0, undefined]);
  });

  test('Person shape: known type, key, picture; no e-mail on the user routes, not even for administrators or oneself', async () => {
    const { user } = org.credentials;
    const asAdmin = (await callEmulator(emulator, `/rest/api/user?username=${user.username}&expand=status`)).body as Record<string, unknown>;
    assert.equal(asAdmin['type'], 'known');
    assert.equal(asAdmin['username'], user.username);
    assert.match(String(asAdmin['userKey']), /^[0-9a-f]{32}$/);
    assert.equal(asAdmin['status'], 'current');
    assert.equal('email' in asAdmin, false, 'no e-mail on /rest/api/user by default');
    assert.deepEqual(Object.keys(asAdmin['profilePicture'] as object).sort(), ['height', 'isDefault', 'path', 'width']);

    const someoneElse = org.users.find((u) => u.username !== user.username && u.username !== 'admin')!;
    const asUser = (await callEmulator(emulator, `/rest/api/user?key=${someoneElse.userKey}`, { as: user })).body as Record<string, unknown>;
    assert.equal(asUser['username'], someoneElse.username);
    assert.equal(asUser['email'], undefined, 'no e-mail for a non-admin caller');
    assert.equal(asUser['status'], undefined, 'status only when expanded');
    const self = (await callEmulator(emulator, '/rest/api/user/current', { as: user, auth: 'basic' })).body as Record<string, unknown>;
    assert.equal(self['username'], user.username);
    assert.equal('email' in self, false, 'no e-mail on /rest/api/user/current');
  });

  test('401, 403 and 404 answer with RestError bodies', async () => {
    const anonymous = await callEmulator(emulator, '/rest/api/user/list', { as: null });
    assert.equal(anonymous.status, 401);
    assertRestError(anonymous.body, 401);
    assert.equal((await callEmulator(emulator, '/rest/api/user/list', { as: { ...org.credentials.admin, token: 'wrong' } })).status, 401);
    assert.equal((await callEmulator(emulator, '/rest/api/user/list', { as: { ...org.credentials.admin, password: 'x' }, auth: 'basic' })).status, 401);

    const { user } = org.credentials;
    for (const [method, path] of [['GET', '/rest/api/admin/users/list/active'], ['GET', '/rest/api/group/staff/member'],
      ['PUT', `/rest/api/user/${user.username}/group/newsletter`], ['GET', '/rest/license/1.0/license/userCount'], ['GET', '/rest/api/permissions']] as const) {
      const reply = await callEmulator(emulator, path, { as: user, method });
      assert.equal(reply.status, 403, `${method} ${path}`);
      assertRestError(reply.body, 403);
    }
    assert.equal((await callEmulator(emulator, '/rest/api/user/list?limit=1', { as: user })).status, 200, 'licensed users may list users');

    for (const path of ['/rest/api/user?username=nobody', '/rest/api/group/no-such-group', '/rest/api/group/no-such-group/member', '/rest/api/nothing-here', '/rest/api/user/memberof?key=0']) {
      const reply = await callEmulator(emulator, path);
      assert.equal(reply.status, 404, path);
      assertRestError(reply.body, 404);
    }
    assert.equal((await callEmulator(emulator, '/rest/api/user')).status, 400, 'username or key required');
  });

  test('an unlicensed caller gets 403 on licensed routes but may read server information', async () => {
    const unlicensed = emulator.state.allUsers().find((u) => u.active && !emulator.state.holdsSeat(u.username))!;
    emulator.state.addCredential({ username: unlicensed.username, password: 'pw', token: `token-${unlicensed.username}` });
    const as = { username: unlicensed.username, password: 'pw', token: `token-${unlicensed.username}` };
    assert.equal((await callEmulator(emulator, '/rest/api/user/list', { as })).status, 403);
    assert.equal((await callEmulator(emulator, '/rest/api/server-information', { as })).status, 200);
  });

  test('membership writes: 204, idempotent, recorded once; group names with spaces are URL-decoded', async () => {
    const state = emulator.state;
    const user = state.allUsers().find((u) => u.active && !state.groupsOf(u.username).some((g) => g.name === 'project phoenix'))!;
    const path = `/rest/api/user/${encodeURIComponent(user.username)}/group/${encodeURIComponent('project phoenix')}`;
    const before = state.changes.length;
    for (let i = 0; i < 3; i++) assert.equal((await callEmulator(emulator, path, { method: 'PUT' })).status, 204);
    assert.ok(state.groupsOf(user.username).some((g) => g.name === 'project phoenix'));
    const members = await walk(emulator, '/rest/api/group/project%20phoenix/member');
    assert.ok(members.items.some((m) => m['username'] === user.username));
    for (let i = 0; i < 2; i++) assert.equal((await callEmulator(emulator, path, { method: 'DELETE' })).status, 204);
    assert.deepEqual(state.changes.slice(before).map((c) => [c.kind, c.username, c.group]), [
      ['add-group', user.username, 'project phoenix'],
      ['remove-group', user.username, 'project phoenix'],
    ]);
    assert.equal((await callEmulator(emulator, `/rest/api/user/nobody/group/newsletter`, { method: 'PUT' })).status, 404);
    assert.equal((await callEmulator(emulator, `/rest/api/user/${user.username}/group/nope`, { method: 'PUT' })).status, 404);
  });

  test('read-only directory: 403 for LDAP groups and for disabling LDAP users', async () => {
    const ldapUser = emulator.state.allUsers().find((u) => u.directory === 'Corporate LDAP' && u.active)!;
    const group = await callEmulator(emulator, `/rest/api/user/${ldapUser.username}/group/all-employees`, { method: 'DELETE' });
    assert.equal(group.status, 403);
    assertRestError(group.body, 403);
    assert.match((group.body as { message: string }).message, /read-only/);
    assert.equal((await callEmulator(emulator, `/rest/api/admin/user/${ldapUser.username}/disable`, { method: 'PUT' })).status, 403);
  });

  test('disable / enable, permissions grant / revoke (by username and by key), profile update, licence counts', async () => {
    const state = emulator.state;
    const user = state.allUsers().find((u) => u.directory === 'Confluence Internal Directory' && u.active && state.holdsSeat(u.username) && u.username !== 'admin')!;
    const count = async (what: string) => ((await callEmulator(emulator, `/rest/license/1.0/license/${what}`)).body as { count: number }).count;
    const used = await count('userCount');
    assert.equal(used, state.licensedCount());
    assert.equal(await count('maxUsers'), org.maxUsers);
    assert.equal(await count('remainingSeats'), org.maxUsers - used);

    assert.equal((await callEmulator(emulator, `/rest/api/admin/user/${user.username}/disable`, { method: 'PUT' })).status, 204);
    assert.equal((await callEmulator(emulator, `/rest/api/admin/user/${user.username}/disable`, { method: 'PUT' })).status, 204);
    assert.equal(await count('userCount'), used - 1);
    const status = (await callEmulator(emulator, `/rest/api/user?username=${user.username}&expand=status`)).body as Record<string, unknown>;
    assert.equal(status['status'], 'deactivated');
    assert.equal((await callEmulator(emulator, `/rest/api/admin/user/${user.username}/enable`, { method: 'PUT' })).status, 204);
    assert.equal(await count('userCount'), used);

    const use = [{ targetType: 'application', operationKey: 'use' }];
    assert.equal((await callEmulator(emulator, `/rest/api/permissions/user/${user.username}/grant`, { method: 'PUT', body: use })).status, 204);
    const held = (await callEmulator(emulator, `/rest/api/permissions/user/${user.userKey}`)).body as { operation: { operationKey: string } }[];
    assert.deepEqual(held.map((p) => p.operation.operationKey), ['use']);
    const all = (await callEmulator(emulator, '/rest/api/permissions')).body as { subject: Record<string, string> }[];
    assert.ok(all.some((p) => p.subject['type'] === 'user' && p.subject['username'] === user.username));
    assert.equal((await callEmulator(emulator, `/rest/api/permissions/user/${user.userKey}/revoke`, { method: 'PUT', body: use })).status, 204);
    assert.equal((await callEmulator(emulator, `/rest/api/permissions/user/${user.username}/grant`, { method: 'PUT', body: [{ targetType: 'space', operationKey: 'fly' }] })).status, 400);
    assert.equal((await callEmulator(emulator, `/rest/api/permissions/user/${user.username}/grant`, { method: 'PUT', body: {} })).status, 400);
    const groupPerms = (await callEmulator(emulator, '/rest/api/permissions/group/staff')).body as { operation: Record<string, string> }[];
    assert.deepEqual(groupPerms.map((p) => p.operation), [{ targetType: 'application', operationKey: 'use' }]);

    assert.equal((await callEmulator(emulator, `/rest/api/admin/user/${user.username}`, { method: 'PUT', body: { fullName: 'Renamed Person', email: 'renamed@example.com' } })).status, 204);
    const renamed = (await callEmulator(emulator, `/rest/api/user?username=${user.username}`)).body as Record<string, unknown>;
    assert.deepEqual([renamed['displayName'], state.findUser(user.username)?.email], ['Renamed Person', 'renamed@example.com']);
    assert.equal((await callEmulator(emulator, `/rest/api/admin/user/${user.username}`, { method: 'PUT', body: { email: 'not-an-address' } })).status, 400);
    assert.deepEqual(state.changes.filter((c) => c.username === user.username).map((c) => c.kind),
      ['disable', 'enable', 'grant-use', 'revoke-use-grant', 'update-profile']);
  });

  test('licenceFull \'refuse-402\': 402 when no seat is left; the refusal changes nothing', async () => {
    const state = emulator.state;
    const saved = state.maxUsers;
    state.maxUsers = state.licensedCount();
    state.licenceFull = 'refuse-402';
    try {
      const unlicensed = state.allUsers().find((u) => u.active && !state.holdsSeat(u.username))!;
      const before = state.changes.length;
      const reply = await callEmulator(emulator, `/rest/api/user/${unlicensed.username}/group/confluence-users`, { method: 'PUT' });
      assert.equal(reply.status, 402);
      assertRestError(reply.body, 402);
      assert.match((reply.body as { message: string }).message, /no more licenses available/);
      assert.equal(state.changes.length, before);
      assert.equal(((await callEmulator(emulator, '/rest/license/1.0/license/remainingSeats')).body as { count: number }).count, 0);
    } finally {
      state.maxUsers = saved;
      state.licenceFull = 'allow';
    }
  });

  test('active list: licensed users only, sorted by last login, lastLogin as ISO-8601 with offset on 10.2', async () => {
    const { items } = await walk(emulator, '/rest/api/admin/users/list/active?limit=500&expand=lastLogin,status');
    assert.equal(items.length, emulator.state.licensedCount());
    const stamps = items.map((u) => (u['lastLogin'] === null ? -Infinity : Date.parse(String(u['lastLogin']))));
    assert.deepEqual(stamps, [...stamps].sort((a, b) => a - b));
    const sample = items.find((u) => u['lastLogin'] !== null)!;
    assert.match(String(sample['lastLogin']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    assert.equal(Date.parse(String(sample['lastLogin'])), emulator.state.findUser(String(sample['username']))!.lastLogin!.getTime());
    assert.ok(items.every((u) => u['email'] === emulator.state.findUser(String(u['username']))!.email), 'the 10.2 admin list carries e-mail [S2]');
    const without = (await callEmulator(emulator, '/rest/api/admin/users/list/active?limit=5')).body as Paged;
    assert.ok(without.results.every((u) => !('lastLogin' in u)), 'lastLogin only when expanded');
  });

  test('groups, nesting and memberof', async () => {
    const groups = await walk(emulator, '/rest/api/group?limit=5');
    assert.deepEqual(groups.items.map((g) => g['name']), org.groups.map((g) => g.name).sort());
    assert.ok(groups.items.every((g) => g['type'] === 'group'));
    const children = await walk(emulator, '/rest/api/group/staff/groupmember');
    assert.ok(children.items.some((g) => g['name'] === 'engineering'));
    const parents = await walk(emulator, '/rest/api/group/engineering/groupparent');
    assert.deepEqual(parents.items.map((g) => g['name']), ['staff']);
    const memberof = await walk(emulator, '/rest/api/user/memberof?username=admin');
    assert.deepEqual(memberof.items.map((g) => g['name']), ['confluence-administrators', 'confluence-users']);
    assert.equal(((await callEmulator(emulator, '/rest/api/group/staff')).body as Record<string, unknown>)['name'], 'staff');
  });

  test('stats count requests, routes and writes', async () => {
    const before = { ...emulator.stats, byRoute: new Map(emulator.stats.byRoute) };
    await callEmulator(emulator, '/rest/api/server-information');
    await callEmulator(emulator, '/rest/api/user/admin/group/newsletter', { method: 'PUT' });
    assert.equal(emulator.stats.requests, before.requests + 2);
    assert.equal(emulator.stats.writes, before.writes + 1);
    assert.equal(emulator.stats.byRoute.get('GET /rest/api/server-information'), (before.byRoute.get('GET /rest/api/server-information') ?? 0) + 1);
    await callEmulator(emulator, '/rest/api/user/admin/group/newsletter', { method: 'DELETE' });
  });
});

describe('versions and context paths', () => {
  const org = generateOrganisation({ seed: 8, users: 120, now: NOW });

  test('8.4: no server information, permissions API or admin active list; user list and writes exist', async (t) => {
    const emulator = await startConfluenceEmulator({ org, version: '8.4' });
    t.after(() => emulator.close());
    assert.equal(((await callEmulator(emulator, '/rest/applinks/1.0/manifest')).body as { version: string }).version, '8.4.0');
    for (const path of ['/rest/api/server-information', '/rest/api/permissions', '/rest/api/admin/users/list/active', '/rest/api/permissions/user/admin']) {
      const reply = await callEmulator(emulator, path);
      assert.equal(reply.status, 404, path);
      assertRestError(reply.body, 404);
    }
    assert.equal((await callEmulator(emulator, '/rest/api/user/list')).status, 200);
    assert.equal((await callEmulator(emulator, '/rest/api/admin/user/admin', { method: 'PUT', body: { fullName: 'A' } })).status, 404);
    assert.equal((await callEmulator(emulator, '/rest/api/user/admin/group/newsletter', { method: 'PUT' })).status, 204);
    assert.ok(emulator.routes.every((r) => r.since === '8.4' || r.since === '8.2'));
  });

  test('9.3: permissions API and active list, but no lastLogin expansion', async (t) => {
    const emulator = await startConfluenceEmulator({ org, version: '9.3' });
    t.after(() => emulator.close());
    assert.equal(((await callEmulator(emulator, '/rest/api/server-information')).body as { version: string }).version, '9.3.1');
    assert.equal((await callEmulator(emulator, '/rest/api/permissions')).status, 200);
    const page = (await callEmulator(emulator, '/rest/api/admin/users/list/active?expand=lastLogin,status')).body as Paged;
    assert.ok(page.results.length > 0);
    assert.ok(page.results.every((u) => !('lastLogin' in u) && !('email' in u) && u['status'] === 'current'), 'no lastLogin or e-mail before 10.2');
  });

  test('10.2 options: lastLogin as epoch millis, or ISO in another offset; upper-case status words', async (t) => {
    const millis = await startConfluenceEmulator({ org, lastLoginFormat: 'epoch-millis', statusCase: 'upper' });
    const offset = await startConfluenceEmulator({ org, lastLoginOffsetMinutes: 90 });
    t.after(() => Promise.all([millis.close(), offset.close()]));
    const a = ((await callEmulator(millis, '/rest/api/admin/users/list/active?limit=500&expand=lastLogin,status')).body as Paged).results.at(-1)!;
    const b = ((await callEmulator(offset, '/rest/api/admin/users/list/active?limit=500&expand=lastLogin')).body as Paged).results.at(-1)!;
    assert.equal(typeof a['lastLogin'], 'number');
    assert.equal(a['status'], 'CURRENT');
    assert.match(String(b['lastLogin']), /\+01:30$/);
    assert.equal(Date.parse(String(b['lastLogin'])), a['lastLogin']);
  });

  test('no context path: served at the root, links say so', async (t) => {
    const emulator = await startConfluenceEmulator({ org, contextPath: '' });
    t.after(() => emulator.close());
    assert.match(emulator.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const page = (await callEmulator(emulator, '/rest/api/group?limit=2')).body as Paged;
    assert.equal(page._links.context, '');
    assert.equal(page._links.base, emulator.url);
    assert.equal(page._links.next, '/rest/api/group?limit=2&start=2');
    const next = await callEmulator(emulator, page._links.next!);
    assert.equal((next.body as Paged).start, 2);
  });

  test('with a context path, paths outside it are 404', async (t) => {
    const emulator = await startConfluenceEmulator({ org, contextPath: '/wiki' });
    t.after(() => emulator.close());
    assert.ok(emulator.url.endsWith('/wiki'));
    const root = emulator.url.slice(0, -'/wiki'.length);
    const outside = await fetch(`${root}/rest/api/server-information`, { headers: { authorization: `Bearer ${org.credentials.admin.token}` } });
    assert.equal(outside.status, 404);
    assert.equal((await callEmulator(emulator, '/rest/api/server-information')).status, 200);
    await assert.rejects(startConfluenceEmulator({ org, contextPath: '/wiki/' }), RangeError);
  });
});
