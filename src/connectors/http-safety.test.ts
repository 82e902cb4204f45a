import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError } from '../app/connector-error.ts';
import { startRecordingServer, sendJson, type RecordingServer } from '../../test/support/recording-server.ts';
import { checkedLink, fetchText, insecureCredentialsProblem, isLoopbackHost, linkScope } from './http-safety.ts';
import { confluenceDcConfigSchema } from './confluence-dc/confluence-dc-config.ts';
import { httpDirectoryConfigSchema } from './directories/http/http-directory-config.ts';
import { ConfluenceDcClient } from './confluence-dc/confluence-dc-client.ts';

const servers: RecordingServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));
async function server(...args: Parameters<typeof startRecordingServer>): Promise<RecordingServer> {
  const started = await startRecordingServer(...args);
  servers.push(started);
  return started;
}

function connectorError(fn: () => unknown): ConnectorError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConnectorError, `expected a ConnectorError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConnectorError');
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

describe('credentials over plain http', () => {
  it('loopback is 127.0.0.0/8, ::1 and localhost, as WHATWG URL spells them', () => {
    const cases: Array<[string, boolean]> = [
      ['http://127.0.0.1:8090/', true], ['http://127.9.8.7/', true], ['http://[::1]:8090/', true], ['http://localhost/', true],
      ['http://LOCALHOST/', true], ['http://0x7f.1/', true], ['http://2130706433/', true],
      ['http://128.0.0.1/', false], ['http://10.0.0.5/', false], ['http://wiki.example.com/', false], ['http://localhost.evil.example/', false],
      ['http://127.0.0.1.evil.example/', false], ['http://[::2]/', false],
    ];
    for (const [url, loopback] of cases) assert.equal(isLoopbackHost(new URL(url).hostname), loopback, url);
  });

  it('the decision: refused to another machine over http unless allowed; https, loopback and no credentials pass', () => {
    assert.match(insecureCredentialsProblem('http://wiki.example.com/confluence', true, false) ?? '', /plain http:\/\/ to wiki\.example\.com.*allowInsecureHttp: true/);
    assert.notEqual(insecureCredentialsProblem('http://10.1.2.3:8090', true, false), null);
    assert.equal(insecureCredentialsProblem('http://wiki.example.com', true, true), null, 'allowInsecureHttp: true');
    assert.equal(insecureCredentialsProblem('https://wiki.example.com', true, false), null);
    assert.equal(insecureCredentialsProblem('http://127.0.0.1:8090', true, false), null);
    assert.equal(insecureCredentialsProblem('http://[::1]:8090', true, false), null);
    assert.equal(insecureCredentialsProblem('http://wiki.example.com', false, false), null, 'no credentials to leak');
  });

  it('the Confluence instance config lists the problem under url, and allowInsecureHttp: true lifts it (default false)', () => {
    const base = { product: 'confluence-dc', licenseGroups: ['confluence-users'] };
    for (const auth of [{ token: 'pat' }, { username: 'svc', password: 'pw' }]) {
      const refused = confluenceDcConfigSchema.safeParse({ ...base, url: 'http://wiki.example.com/confluence', auth });
      assert.equal(refused.success, false);
      assert.deepEqual(refused.error?.issues.map((i) => i.path), [['url']]);
      assert.match(refused.error?.issues[0]?.message ?? '', /allowInsecureHttp/);
      const allowed = confluenceDcConfigSchema.parse({ ...base, url: 'http://wiki.example.com/confluence', auth, allowInsecureHttp: true });
      assert.equal(allowed.allowInsecureHttp, true);
    }
    assert.equal(confluenceDcConfigSchema.parse({ ...base, url: 'https://wiki.example.com', auth: { token: 'pat' } }).allowInsecureHttp, false);
  });

  it('the HTTP directory config refuses credentials over http to another machine, not an unauthenticated source', () => {
    const refused = httpDirectoryConfigSchema.safeParse({ kind: 'http', url: 'http://hr.example.com/people', auth: { token: 't' } });
    assert.deepEqual(refused.error?.issues.map((i) => i.path), [['url']]);
    assert.equal(httpDirectoryConfigSchema.safeParse({ kind: 'http', url: 'http://hr.example.com/people', auth: { token: 't' }, allowInsecureHttp: true }).success, true);
    assert.equal(httpDirectoryConfigSchema.safeParse({ kind: 'http', url: 'http://hr.example.com/people' }).success, true);
  });

  it('the Confluence client refuses at construction, before anything is sent', () => {
    const calls: string[] = [];
    const recordingFetch: typeof fetch = async (input) => {
      calls.push(String(input));
      return new Response('{}');
    };
    const options = { instanceId: 'wiki', url: 'http://wiki.example.com/confluence', auth: { token: 'pat' }, concurrency: 1, timeoutMs: 1000, pageSize: 10 };
    const error = connectorError(() => new ConfluenceDcClient(options, { fetch: recordingFetch }));
    assert.equal(error.fixable, true);
    assert.match(error.message, /allowInsecureHttp/);
    assert.doesNotThrow(() => new ConfluenceDcClient({ ...options, allowInsecureHttp: true }, { fetch: recordingFetch }));
    assert.deepEqual(calls, []);
  });
});

describe('paging links', () => {
  const confluence = linkScope('https://wiki.example.com/confluence');
  const resolve = { relativeTo: 'https://wiki.example.com/confluence/', appendToBase: 'https://wiki.example.com/confluence' };

  it('follows Confluence links below the context path, relative or absolute', () => {
    assert.equal(checkedLink('/rest/api/user/list?start=100', confluence, resolve, 't').href, 'https://wiki.example.com/confluence/rest/api/user/list?start=100');
    assert.equal(checkedLink('https://wiki.example.com/confluence/rest/api/group?start=5', confluence, resolve, 't').pathname, '/confluence/rest/api/group');
  });

  it('refuses another origin, another scheme, data:, javascript:, file:, credentials and a climb out of the context path', () => {
    const hostile: Array<[string, RegExp]> = [
      ['https://evil.example/confluence/rest/api/user/list?start=1', /another server \(evil\.example\)/],
      ['//evil.example/rest/api/user/list', /another server/],
      ['https://wiki.example.com:8443/confluence/rest', /another server/],
      ['http://wiki.example.com/confluence/rest/api/user/list', /changes the scheme/],
      ['data:application/json,{"results":[]}', /not data:/],
      ['javascript:alert(1)', /not javascript:/],
      ['file:///etc/passwd', /not file:/],
      ['https://user:pw@wiki.example.com/confluence/rest', /credentials of its own/],
      ['/../admin/users', /leaves the configured path \/confluence\//],
      ['/%2e%2e/admin', /leaves the configured path/],
      ['https://wiki.example.com/confluencex/rest', /leaves the configured path/],
    ];
    for (const [link, why] of hostile) {
      const error = connectorError(() => checkedLink(link, confluence, resolve, 'wiki GET /rest/api/user/list'));
      assert.match(error.message, why, link);
      assert.match(error.message, /no request was sent to it/);
      assert.equal(error.target, 'wiki GET /rest/api/user/list');
    }
  });

  it('escapes the link it names', () => {
    const error = connectorError(() => checkedLink('https://evil.example/\u001b[31mred\nline', confluence, resolve, 't'));
    assert.ok(!error.message.includes('\u001b') && !error.message.includes('\n'), error.message);
  });

  it('a directory link stays beside the configured resource', () => {
    const scope = linkScope('https://hr.example.com/api/people', { prefix: 'directory' });
    assert.equal(checkedLink('people?page=2', scope, { relativeTo: 'https://hr.example.com/api/people' }, 't').href, 'https://hr.example.com/api/people?page=2');
    assert.equal(checkedLink('/api/people?page=3', scope, { relativeTo: 'https://hr.example.com/api/people' }, 't').pathname, '/api/people');
    assert.match(connectorError(() => checkedLink('/admin/keys', scope, { relativeTo: 'https://hr.example.com/api/people' }, 't')).message, /leaves the configured path \/api\//);
  });
});

describe('fetchText', () => {
  it('a redirect is an error naming where it pointed; its target receives nothing, so no credentials', async () => {
    const elsewhere = await server();
    const origin = await server((_req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/steal` });
      res.end();
    });
    const error = await rejection(fetchText(fetch, `${origin.url}/rest`, { headers: { authorization: 'Bearer secret' } }, { target: 't' }));
    assert.equal(error.status, 302);
    assert.equal(error.fixable, true);
    assert.match(error.message, /redirect to ".*\/steal": redirects are not followed/);
    assert.equal(origin.requests.length, 1);
    assert.deepEqual(elsewhere.requests, []);
  });

  it('a response beyond the cap is abandoned mid-stream, declared or not', async () => {
    const streamed = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = 'x'.repeat(1024);
      for (let i = 0; i < 64; i += 1) res.write(chunk);
      res.end();
    });
    assert.match((await rejection(fetchText(fetch, streamed.url, {}, { target: 't', maxBytes: 10_000 }))).message, /response larger than 10000 bytes/);
    const declared = await server((_req, res) => sendJson(res, 200, { results: 'y'.repeat(20_000) }));
    assert.match((await rejection(fetchText(fetch, declared.url, {}, { target: 't', maxBytes: 10_000 }))).message, /response larger than 10000 bytes/);
    const small = await fetchText(fetch, declared.url, {}, { target: 't', maxBytes: 100_000 });
    assert.equal(small.status, 200);
    assert.equal(JSON.parse(small.text).results.length, 20_000);
  });

  it('the Confluence client gives up at once on an oversized answer: no retry re-reads it', async () => {
    const big = await server((_req, res) => sendJson(res, 200, { results: 'z'.repeat(50_000) }));
    const c = new ConfluenceDcClient(
      { instanceId: 'wiki', url: big.url, auth: { token: 'pat' }, concurrency: 1, timeoutMs: 2000, pageSize: 10 },
      { maxResponseBytes: 10_000, sleep: async () => undefined },
    );
    const error = await rejection(c.getJson('/rest/api/group'));
    assert.match(error.message, /response larger than 10000 bytes/);
    assert.equal(error.target, 'wiki GET /rest/api/group');
    assert.equal(big.requests.length, 1);
  });
});
