import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConnectorError, UnaddressableName } from '../../app/connector-error.ts';
import { sendJson, startRecordingServer, type RecordingServer } from '../../../test/support/recording-server.ts';
import { JiraDcClient, queryNameProblem, segmentProblem, type JiraDcClientDeps, type JiraDcClientOptions } from './jira-dc-client.ts';
import type { JiraUser } from './jira-dc-mapping.ts';

// Every answer below is HAND-BUILT from the 10.3 spec's schemas (UserBean, StreamPageBean, ApplicationRoleBean) and
// Jira's documented PageBean; none was recorded from a live Jira.

const servers: RecordingServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse, index: number) => void): Promise<RecordingServer> {
  const server = await startRecordingServer(handler);
  servers.push(server);
  return server;
}

/** Sleeps are recorded, not waited: backoff is asserted exactly and tests stay fast. */
function fakeTime(): { sleeps: number[]; deps: JiraDcClientDeps } {
  const sleeps: number[] = [];
  return { sleeps, deps: { random: () => 0.5, sleep: async (ms) => void sleeps.push(ms), now: () => Date.parse('2025-01-01T00:00:00Z') } };
}

function client(url: string, overrides: Partial<JiraDcClientOptions> = {}, deps: JiraDcClientDeps = fakeTime().deps): JiraDcClient {
  return new JiraDcClient({ instanceId: 'jira', url, auth: { token: 'secret-pat' }, concurrency: 2, timeoutMs: 2000, pageSize: 3, ...overrides }, deps);
}

function user(n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { key: `JIRAUSER${10000 + n}`, name: `user${n}`, displayName: `User ${n}`, emailAddress: `user${n}@example.com`, active: true, ...extra };
}

function query(server: RecordingServer, index: number): URLSearchParams {
  return new URL(server.requests[index]?.url ?? '/', 'http://x').searchParams;
}

function pathOf(server: RecordingServer, index: number): string {
  return new URL(server.requests[index]?.url ?? '/', 'http://x').pathname;
}

async function collect(pages: AsyncIterable<readonly JiraUser[]>): Promise<string[]> {
  const names: string[] = [];
  for await (const page of pages) names.push(...page.map((u) => u.name));
  return names;
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

describe('requests', () => {
  it('serverInfo keeps the context path and sends the PAT as Bearer; Basic auth when configured', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { version: '10.3.24', baseUrl: 'x', deploymentType: 'Server' }));
    assert.equal((await client(`${server.url}/jira/`).serverInfo()).version, '10.3.24');
    assert.equal(server.requests[0]?.url, '/jira/rest/api/2/serverInfo');
    assert.equal(server.requests[0]?.authorization, 'Bearer secret-pat');
    await client(server.url, { auth: { username: 'svc', password: 'pw' } }).myself().catch(() => undefined);
    assert.equal(server.requests[1]?.authorization, `Basic ${Buffer.from('svc:pw').toString('base64')}`);
  });

  it('a 404 on serverInfo is a wrong URL, said so', async () => {
    const server = await serve((_req, res) => sendJson(res, 404, { errorMessages: ['nope'] }));
    const error = await rejection(client(`${server.url}/wrong`).serverInfo());
    assert.match(error.message, /check the URL \(context path\?\)/);
    assert.equal(error.fixable, true);
  });

  it('GET /rest/api/2/user by key with groups and applicationRoles expanded; 404 is null', async () => {
    const server = await serve((_req, res, i) =>
      i === 0 ? sendJson(res, 200, user(1, { lastLoginTime: '2023-08-30T16:37:01+1000' })) : sendJson(res, 404, { errorMessages: ['The user does not exist'] }),
    );
    const c = client(server.url);
    const found = await c.user({ key: 'JIRAUSER10001' });
    assert.equal(found?.lastLoginTime?.toISOString(), '2023-08-30T06:37:01.000Z');
    assert.deepEqual([pathOf(server, 0), query(server, 0).get('key'), query(server, 0).get('expand'), query(server, 0).has('username')], ['/rest/api/2/user', 'JIRAUSER10001', 'groups,applicationRoles', false]);
    assert.equal(await c.user({ username: 'gone' }), null);
    assert.equal(query(server, 1).get('username'), 'gone');
  });

  it('writes: the routes, query parameters and bodies the spec gives, with the XSRF opt-out', async () => {
    const server = await serve((req, res) => {
      res.writeHead(req.method === 'POST' ? 201 : 204);
      res.end();
    });
    const c = client(server.url);
    await c.addToGroup('R&D Köln', 'fred');
    await c.removeFromGroup('jira-software-users', 'fred');
    await c.grantApplication('fred', 'jira-software');
    await c.revokeApplication('fred', 'jira-software');
    await c.updateUser('JIRAUSER10100', { name: 'fred_inactive_20250101', active: false, displayName: undefined });
    const seen = server.requests.map((r) => `${r.method} ${r.url} ${r.body}`);
    assert.deepEqual(seen, [
      'POST /rest/api/2/group/user?groupname=R%26D+K%C3%B6ln {"name":"fred"}',
      'DELETE /rest/api/2/group/user?groupname=jira-software-users&username=fred ',
      'POST /rest/api/2/user/application?username=fred&applicationKey=jira-software ',
      'DELETE /rest/api/2/user/application?username=fred&applicationKey=jira-software ',
      'PUT /rest/api/2/user?key=JIRAUSER10100 {"name":"fred_inactive_20250101","active":false}',
    ]);
    assert.ok(server.requests.every((r) => r.headers['x-atlassian-token'] === 'no-check'));
    await assert.rejects(c.updateUser('JIRAUSER10100', {}), /nothing to change/);
  });

  it('names Jira cannot be sent as they are are refused before any request', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, {}));
    const c = client(server.url);
    await assert.rejects(c.addToGroup('evil\ngroup', 'fred'), UnaddressableName);
    await assert.rejects(c.removeFromGroup('g', '\uD800'), UnaddressableName);
    await assert.rejects(c.applicationRole('../admin'), UnaddressableName);
    assert.equal(server.requests.length, 0);
    assert.equal(queryNameProblem('a/b%c'), null, 'a query parameter carries / and % safely');
    assert.match(segmentProblem('a/b') ?? '', /"\/"/);
  });
});

describe('errors and retries', () => {
  it('retries 429 with Retry-After and 5xx with backoff, then answers', async () => {
    const time = fakeTime();
    const server = await serve((_req, res, i) => {
      if (i === 0) sendJson(res, 429, {}, { 'retry-after': '2' });
      else if (i === 1) sendJson(res, 502, {});
      else sendJson(res, 200, [SPEC_ROLE]);
    });
    const roles = await client(server.url, {}, time.deps).applicationRoles();
    assert.deepEqual(roles.map((r) => [r.key, r.numberOfSeats]), [['jira-software', 10]]);
    // Retry-After: 2 s; then full jitter at 0.5 of the second backoff step (500 ms · 2).
    assert.deepEqual(time.sleeps, [2000, 500]);
    assert.equal(server.requests.length, 3);
  });

  it('a refused read names the Jira administrator; Jira\'s ErrorCollection is quoted', async () => {
    const server = await serve((_req, res) => sendJson(res, 403, { errorMessages: ['You are not an administrator'], errors: { username: 'bad' } }));
    const error = await rejection(client(server.url).applicationRoles());
    assert.equal(error.message, 'Jira refused the request (403): the account must be a Jira administrator (Jira said: You are not an administrator; username: bad)');
    assert.equal(error.said, 'You are not an administrator; username: bad');
  });

  it('401 says to check the credentials; an HTML 200 asks whether the URL is Jira\'s', async () => {
    const server = await serve((_req, res, i) => {
      if (i === 0) sendJson(res, 401, {});
      else {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>login</html>');
      }
    });
    assert.match((await rejection(client(server.url).myself())).message, /^Jira refused the credentials \(401\): check the token/);
    assert.match((await rejection(client(server.url).myself())).message, /is the URL Jira's base URL\?/);
  });

  it('an answer of the wrong shape is a ConnectorError naming the route', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { values: 'no' }));
    const error = await rejection(collect(client(server.url).userListPages()));
    assert.match(error.target, /GET \/rest\/api\/2\/user\/list/);
    assert.match(error.message, /unexpected answer: user list page/);
  });
});

const SPEC_ROLE = { key: 'jira-software', name: 'Jira Software', groups: ['jira-software-users'], defaultGroups: ['jira-software-users'], numberOfSeats: 10, remainingSeats: 5, userCount: 5, hasUnlimitedSeats: false };

describe('user/list: the cursor stream', () => {
  it('follows nextCursor until isLast, starting without a cursor', async () => {
    const server = await serve((_req, res, i) => {
      if (i === 0) sendJson(res, 200, { values: [user(1), user(2)], isLast: false, nextCursor: '10002', nextPage: '/rest/api/2/user/list?cursor=10002' });
      else if (i === 1) sendJson(res, 200, { values: [], isLast: false, nextCursor: '10003' });
      else sendJson(res, 200, { values: [user(3)], isLast: true });
    });
    assert.deepEqual(await collect(client(server.url).userListPages()), ['user1', 'user2', 'user3']);
    assert.deepEqual([0, 1, 2].map((i) => [query(server, i).get('cursor'), query(server, i).get('maxResults')]), [[null, '3'], ['10002', '3'], ['10003', '3']]);
  });

  it('a cursor sent twice stops the listing instead of looping', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { values: [], isLast: false, nextCursor: '7' }));
    assert.match((await rejection(collect(client(server.url).userListPages()))).message, /cursor "7" twice/);
    assert.equal(server.requests.length, 2);
  });

  it('a user sent twice, a missing cursor, or a nextPage on another server stop it', async () => {
    const dup = await serve((_req, res, i) => sendJson(res, 200, { values: [user(1)], isLast: false, nextCursor: String(i + 1) }));
    assert.match((await rejection(collect(client(dup.url).userListPages()))).message, /twice in one listing/);
    const noCursor = await serve((_req, res) => sendJson(res, 200, { values: [user(1)], isLast: false }));
    assert.match((await rejection(collect(client(noCursor.url).userListPages()))).message, /sent no nextCursor/);
    const foreign = await serve((_req, res) => sendJson(res, 200, { values: [user(1)], isLast: false, nextCursor: '2', nextPage: 'https://evil.example.com/rest/api/2/user/list?cursor=2' }));
    assert.match((await rejection(collect(client(foreign.url).userListPages()))).message, /refusing to follow the paging link/);
    assert.equal(foreign.requests.length, 1);
  });

  it('hasUserList: a 404 says the route is missing (before 10.3)', async () => {
    const server = await serve((_req, res, i) => (i === 0 ? sendJson(res, 404, {}) : sendJson(res, 200, { values: [], isLast: true })));
    assert.equal(await client(server.url).hasUserList(), false);
    assert.equal(await client(server.url).hasUserList(), true);
    assert.equal(query(server, 0).get('maxResults'), '1');
  });
});

describe('user/search: pages without metadata', () => {
  it('asks with the match-all query for active and inactive users and stops on a short page', async () => {
    const server = await serve((_req, res, i) => sendJson(res, 200, i === 0 ? [user(1), user(2), user(3, { active: false })] : [user(4)]));
    assert.deepEqual(await collect(client(server.url).userSearchPages()), ['user1', 'user2', 'user3', 'user4']);
    const first = query(server, 0);
    assert.deepEqual(
      ['username', 'includeActive', 'includeInactive', 'startAt', 'maxResults'].map((k) => first.get(k)),
      ['.', 'true', 'true', '0', '3'],
    );
    assert.equal(query(server, 1).get('startAt'), '3');
    assert.equal(server.requests.length, 2);
  });

  it('the match-all query is configurable; maxResults never exceeds the documented 1000', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, [user(1)]));
    await collect(client(server.url, { userSearchQuery: '%', pageSize: 5000 }).userSearchPages());
    assert.deepEqual([query(server, 0).get('username'), query(server, 0).get('maxResults')], ['%', '1000']);
  });

  it('a page served again (startAt ignored) stops the listing instead of looping for ever', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, [user(1), user(2), user(3)]));
    assert.match((await rejection(collect(client(server.url).userSearchPages()))).message, /same page again at startAt=3/);
    assert.equal(server.requests.length, 2);
  });

  it('ending on exactly 100 users (Jira 10 cuts search results there) is refused as possibly incomplete', async () => {
    const server = await serve((_req, res, i) => sendJson(res, 200, i === 0 ? Array.from({ length: 100 }, (_v, n) => user(n)) : []));
    const error = await rejection(collect(client(server.url, { pageSize: 1000 }).userSearchPages()));
    assert.match(error.message, /exactly 100 users.*JRASERVER-78660/);
  });

  it('nobody found means the match-all query does not match here: a fixable error', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, []));
    const error = await rejection(collect(client(server.url).userSearchPages()));
    assert.equal(error.fixable, true);
    assert.match(error.message, /set userSearchQuery/);
  });
});

describe('group members and groups', () => {
  it('pages group/member by startAt with inactive users, ending on isLast', async () => {
    const server = await serve((_req, res, i) =>
      sendJson(res, 200, i === 0 ? { startAt: 0, maxResults: 3, total: 4, isLast: false, values: [user(1), user(2), user(3)] } : { startAt: 3, maxResults: 3, total: 4, isLast: true, values: [user(4)] }),
    );
    assert.deepEqual(await collect(client(server.url).groupMemberPages('jira-software-users')), ['user1', 'user2', 'user3', 'user4']);
    assert.deepEqual(
      ['groupname', 'includeInactiveUsers', 'startAt', 'maxResults'].map((k) => query(server, 1).get(k)),
      ['jira-software-users', 'true', '3', '3'],
    );
  });

  it('a repeated page (startAt echoed wrong) or a count short of the total throws', async () => {
    const repeat = await serve((_req, res) => sendJson(res, 200, { startAt: 0, total: 9, isLast: false, values: [user(1), user(2), user(3)] }));
    assert.match((await rejection(collect(client(repeat.url).groupMemberPages('g')))).message, /asked for startAt=3, it answered startAt=0/);
    const short = await serve((_req, res) => sendJson(res, 200, { startAt: 0, total: 9, isLast: true, values: [user(1)] }));
    assert.match((await rejection(collect(client(short.url).groupMemberPages('g')))).message, /ended at 1 of 9 promised/);
  });

  it('groups/picker: every group when the total fits, an error when the picker cut the list', async () => {
    const server = await serve((_req, res, i) =>
      sendJson(res, 200, i === 0 ? { total: 2, groups: [{ name: 'jira-administrators' }, { name: 'jira-software-users' }] } : { total: 25, header: 'Showing 20 of 25 matching groups', groups: [{ name: 'a' }] }),
    );
    const c = client(server.url);
    assert.deepEqual(await c.groupNames(), ['jira-administrators', 'jira-software-users']);
    assert.deepEqual([query(server, 0).get('query'), query(server, 0).get('maxResults')], ['', '10000']);
    assert.match((await rejection(c.groupNames())).message, /showed 1 of 25 groups/);
  });

  it('application role by key; mypermissions', async () => {
    const server = await serve((req, res) =>
      req.url?.startsWith('/rest/api/2/applicationrole/') === true ? sendJson(res, 200, SPEC_ROLE) : sendJson(res, 200, { permissions: { ADMINISTER: { havePermission: true } } }),
    );
    const c = client(server.url);
    assert.equal((await c.applicationRole('jira-software'))?.userCount, 5);
    assert.equal((await c.myPermissions()).get('ADMINISTER'), true);
    assert.deepEqual(server.requests.map((r) => r.url), ['/rest/api/2/applicationrole/jira-software', '/rest/api/2/mypermissions']);
  });
});
