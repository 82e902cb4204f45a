import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startConfluenceEmulator, type RunningConfluenceEmulator } from './confluence-emulator.ts';
import { generateOrganisation } from './org-generator.ts';
import { callEmulator } from '../../../test/support/emulator-test-client.ts';

const NOW = new Date('2026-01-15T12:00:00Z');

interface Paged {
  results: unknown[];
  size: number;
  totalCount: number;
  _links: { next?: string };
}

/** A raw request, so a cut connection shows up as the socket error it is rather than a fetch retry. */
function rawGet(emulator: RunningConfluenceEmulator, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${emulator.url}${path}`, { headers: { authorization: `Bearer ${emulator.credentials.admin.token}` }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('aborted')));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('fault injection', () => {
  let emulator: RunningConfluenceEmulator;
  before(async () => {
    emulator = await startConfluenceEmulator({ org: generateOrganisation({ seed: 3, users: 300, now: NOW }), faultSeed: 99 });
  });
  after(() => emulator.close());
  beforeEach(() => emulator.resetFaults());

  test('latencyMs delays every response', async () => {
    emulator.faults.latencyMs = 120;
    const started = performance.now();
    assert.equal((await callEmulator(emulator, '/rest/api/server-information')).status, 200);
    assert.ok(performance.now() - started >= 110, 'at least the configured latency');
  });

  test('rateLimitEvery: every nth request after setting it is a 429 with Retry-After in seconds or as an HTTP-date', async () => {
    emulator.faults.rateLimitEvery = 3;
    emulator.faults.retryAfterSeconds = 2;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i++) {
      const reply = await callEmulator(emulator, '/rest/api/server-information');
      statuses.push(reply.status);
      if (reply.status === 429) retryAfter = reply.headers.get('retry-after');
    }
    assert.deepEqual(statuses, [200, 200, 429, 200, 200, 429]);
    assert.equal(retryAfter, '2');

    emulator.faults.rateLimitEvery = 1;
    emulator.faults.retryAfterFormat = 'http-date';
    const dated = await callEmulator(emulator, '/rest/api/group');
    assert.equal(dated.status, 429);
    const until = Date.parse(dated.headers.get('retry-after') ?? '');
    assert.ok(Number.isFinite(until) && until > Date.now() - 1000, `HTTP-date: ${dated.headers.get('retry-after')}`);
    assert.equal(dated.headers.get('x-ratelimit-remaining'), '0');
    assert.equal((dated.body as { statusCode: number }).statusCode, 429);
  });

  test('writeErrorEvery: every nth write is a 503 and is NOT applied', async () => {
    const state = emulator.state;
    const users = state.allUsers().filter((u) => u.active && !state.groupsOf(u.username).some((g) => g.name === 'project phoenix')).slice(0, 4);
    emulator.faults.writeErrorEvery = 2;
    const before = state.changes.length;
    const statuses: number[] = [];
    for (const user of users) statuses.push((await callEmulator(emulator, `/rest/api/user/${user.username}/group/project%20phoenix`, { method: 'PUT' })).status);
    assert.deepEqual(statuses, [204, 503, 204, 503]);
    assert.deepEqual(state.changes.slice(before).map((c) => c.username), [users[0]!.username, users[2]!.username]);
    assert.equal(state.groupsOf(users[1]!.username).some((g) => g.name === 'project phoenix'), false, 'the failed write changed nothing');
    assert.equal((await callEmulator(emulator, '/rest/api/group/project%20phoenix')).status, 200, 'reads are not counted as writes');
    for (const user of [users[0]!, users[2]!]) {
      emulator.faults.writeErrorEvery = 0;
      await callEmulator(emulator, `/rest/api/user/${user.username}/group/project%20phoenix`, { method: 'DELETE' });
    }
  });

  test('writeErrorEvery: a refused write passes on its next identical attempt, the refusal moves to the next fresh write', async () => {
    const state = emulator.state;
    const [a, b, c, d] = state.allUsers().filter((u) => u.active && !state.groupsOf(u.username).some((g) => g.name === 'project phoenix')).slice(0, 4);
    const put = async (username: string) => (await callEmulator(emulator, `/rest/api/user/${username}/group/project%20phoenix`, { method: 'PUT' })).status;
    emulator.faults.writeErrorEvery = 2;
    // Writes 1..5: a ok, b refused, c ok, b again (due, but already refused once → passes), d takes the refusal.
    assert.deepEqual([await put(a!.username), await put(b!.username), await put(c!.username), await put(b!.username), await put(d!.username)],
      [204, 503, 204, 204, 503]);
    emulator.faults.writeErrorEvery = 1;
    assert.deepEqual([await put(d!.username), await put(d!.username)], [503, 503], 'n = 1 refuses every attempt');
    emulator.faults.writeErrorEvery = 0;
    for (const user of [a!, b!, c!]) await callEmulator(emulator, `/rest/api/user/${user.username}/group/project%20phoenix`, { method: 'DELETE' });
  });

  test('serverErrorRate: a seeded share of requests answers 500', async () => {
    emulator.faults.serverErrorRate = 0.5;
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await callEmulator(emulator, '/rest/api/server-information')).status);
    const failures = statuses.filter((s) => s === 500).length;
    assert.ok(failures >= 8 && failures <= 32, `500s: ${failures} of 40`);
    assert.ok(statuses.every((s) => s === 200 || s === 500));

    const again = await startConfluenceEmulator({ org: generateOrganisation({ seed: 3, users: 300, now: NOW }), faultSeed: 99, faults: { serverErrorRate: 0.5 } });
    try {
      const repeat: number[] = [];
      for (let i = 0; i < 40; i++) repeat.push((await callEmulator(again, '/rest/api/server-information')).status);
      assert.deepEqual(repeat, statuses, 'same fault seed, same sequence');
    } finally {
      await again.close();
    }
  });

  test('dropConnectionEvery: the connection is cut mid-response; a write is applied before the cut', async () => {
    emulator.faults.dropConnectionEvery = 2;
    assert.equal((await rawGet(emulator, '/rest/api/group')).status, 200);
    await assert.rejects(rawGet(emulator, '/rest/api/group'), 'the 2nd response is cut');
    assert.equal((await rawGet(emulator, '/rest/api/group')).status, 200);

    emulator.faults.dropConnectionEvery = 1;
    const user = emulator.state.allUsers().find((u) => u.active && !emulator.state.groupsOf(u.username).some((g) => g.name === 'project phoenix'))!;
    await assert.rejects(callEmulator(emulator, `/rest/api/user/${user.username}/group/project%20phoenix`, { method: 'PUT' }));
    assert.equal(emulator.state.groupsOf(user.username).some((g) => g.name === 'project phoenix'), true, 'applied although the client saw no answer');
    emulator.faults.dropConnectionEvery = 0;
    assert.equal((await callEmulator(emulator, `/rest/api/user/${user.username}/group/project%20phoenix`, { method: 'DELETE' })).status, 204);
  });

  test('failPagingAfter: pages at or beyond the start answer 500, earlier pages still work', async () => {
    emulator.faults.failPagingAfter = { route: 'GET /rest/api/user/list', start: 200 };
    assert.equal((await callEmulator(emulator, '/rest/api/user/list?start=100&limit=100')).status, 200);
    const failed = await callEmulator(emulator, '/rest/api/user/list?start=200&limit=100');
    assert.equal(failed.status, 500);
    assert.equal((failed.body as { statusCode: number }).statusCode, 500);
    assert.equal((await callEmulator(emulator, '/rest/api/group?start=200')).status, 200, 'other routes unaffected');
  });

  test('shortPaging: the listing ends without error before totalCount is reached', async () => {
    emulator.faults.shortPaging = { route: 'GET /rest/api/user/list', missing: 7 };
    const seen: unknown[] = [];
    let path: string | undefined = '/rest/api/user/list?limit=100';
    let totalCount = 0;
    while (path !== undefined) {
      const page = (await callEmulator(emulator, path)).body as Paged;
      seen.push(...page.results);
      totalCount = page.totalCount;
      path = page._links.next;
    }
    assert.equal(totalCount, 300);
    assert.equal(seen.length, 293);
  });
});
