import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startJiraEmulator, type RunningJiraEmulator } from './jira-emulator.ts';
import { generateJiraOrganisation } from './jira-org-generator.ts';
import { callEmulator } from '../../../test/support/emulator-test-client.ts';

const org = generateJiraOrganisation({ seed: 3, users: 300, now: new Date('2026-01-15T12:00:00Z') });

describe('Jira emulator fault injection (the shared EmulatorFaults switchboard)', () => {
  let jira: RunningJiraEmulator;
  before(async () => {
    jira = await startJiraEmulator({ org, faultSeed: 99 });
  });
  after(() => jira.close());
  beforeEach(() => jira.resetFaults());

  test('rateLimitEvery answers 429 with Retry-After; latencyMs delays', async () => {
    jira.faults.rateLimitEvery = 2;
    jira.faults.retryAfterSeconds = 3;
    const first = await callEmulator(jira, '/rest/api/2/serverInfo');
    const second = await callEmulator(jira, '/rest/api/2/serverInfo');
    assert.deepEqual([first.status, second.status], [200, 429]);
    assert.equal(second.headers.get('retry-after'), '3');
    jira.resetFaults();
    jira.faults.latencyMs = 100;
    const started = performance.now();
    await callEmulator(jira, '/rest/api/2/serverInfo');
    assert.ok(performance.now() - started >= 90);
  });

  test('writeErrorEvery refuses a write with 503 and changes nothing; its retry passes', async () => {
    jira.faults.writeErrorEvery = 2;
    const person = jira.state.allUsers().find((u) => u.username.includes('.') && u.active)!;
    const path = `/rest/api/2/group/user?groupname=release%20managers&username=${person.username}`;
    await callEmulator(jira, '/rest/api/2/group/user?groupname=release%20managers', { method: 'POST', body: { name: 'svc-backup' } });
    const before = jira.state.changes.length;
    const refused = await callEmulator(jira, '/rest/api/2/group/user?groupname=release%20managers', { method: 'POST', body: { name: person.username } });
    assert.equal(refused.status, 503);
    assert.equal(jira.state.changes.length, before);
    const retried = await callEmulator(jira, '/rest/api/2/group/user?groupname=release%20managers', { method: 'POST', body: { name: person.username } });
    assert.equal(retried.status, 201);
    jira.resetFaults();
    assert.equal((await callEmulator(jira, path, { method: 'DELETE' })).status, 200);
  });

  test('shortPaging ends the /user/list stream early; failPagingAfter fails /group/member pages; lyingTotal lies', async () => {
    jira.faults.shortPaging = { route: 'GET /rest/api/2/user/list', missing: 7 };
    const stream = (await callEmulator(jira, '/rest/api/2/user/list?maxResults=5000')).body as { values: unknown[]; isLast: boolean };
    assert.equal(stream.values.length, org.users.length - 7);
    assert.equal(stream.isLast, true);
    jira.faults.failPagingAfter = { route: 'GET /rest/api/2/group/member', start: 50 };
    assert.equal((await callEmulator(jira, '/rest/api/2/group/member?groupname=staff')).status, 200);
    assert.equal((await callEmulator(jira, '/rest/api/2/group/member?groupname=staff&startAt=50')).status, 500);
    jira.faults.lyingTotal = { route: 'GET /rest/api/2/group/member', totalCount: 1e12 };
    assert.equal(((await callEmulator(jira, '/rest/api/2/group/member?groupname=staff')).body as { total: number }).total, 1e12);
  });

  test('selfNext makes the stream point at itself; replaceNext puts a foreign link into nextPage', async () => {
    jira.faults.selfNext = { route: 'GET /rest/api/2/user/list' };
    const page = (await callEmulator(jira, '/rest/api/2/user/list?maxResults=10&cursor=0')).body as { nextCursor: string; nextPage: string };
    assert.equal(page.nextCursor, '0');
    jira.faults.replaceNext = { route: 'GET /rest/api/2/group/member', link: 'https://evil.example/steal' };
    const member = (await callEmulator(jira, '/rest/api/2/group/member?groupname=staff&maxResults=5')).body as { nextPage: string };
    assert.equal(member.nextPage, 'https://evil.example/steal');
  });
});
