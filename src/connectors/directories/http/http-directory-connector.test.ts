import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError } from '../../../app/connector-error.ts';
import { sendJson, startRecordingServer, type RecordingHandler, type RecordingServer } from '../../../../test/support/recording-server.ts';
import { httpDirectoryConfigSchema } from './http-directory-config.ts';
import { createHttpDirectory } from './http-directory-connector.ts';

const servers: RecordingServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));
async function server(handler?: RecordingHandler): Promise<RecordingServer> {
  const started = await startRecordingServer(handler);
  servers.push(started);
  return started;
}

function directoryAt(url: string, extra: Record<string, unknown> = {}, maxResponseBytes?: number) {
  const config = httpDirectoryConfigSchema.parse({ kind: 'http', url, auth: { token: 'hr-secret' }, timeoutMs: 2000, ...extra });
  return createHttpDirectory('hr', config, maxResponseBytes === undefined ? {} : { maxResponseBytes });
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

describe('a hostile HTTP directory', () => {
  it('follows next links on its own origin and path, with the token', async () => {
    const hr = await server((req, res) =>
      req.url === '/api/people'
        ? sendJson(res, 200, { results: [{ username: 'alice' }], next: '/api/people?page=2' })
        : sendJson(res, 200, { results: [{ username: 'bob', active: false }] }));
    assert.deepEqual([...(await directoryAt(`${hr.url}/api/people`).people())], [['alice', 'active'], ['bob', 'disabled']]);
    assert.deepEqual(hr.requests.map((r) => [r.url, r.authorization]), [['/api/people', 'Bearer hr-secret'], ['/api/people?page=2', 'Bearer hr-secret']]);
  });

  it('a next link to another host, or a data: link, is refused and the other server receives nothing', async () => {
    const elsewhere = await server();
    for (const next of [`${elsewhere.url}/api/people?page=2`, `//127.0.0.1:${new URL(elsewhere.url).port}/api/people`, 'data:application/json,[{"username":"x"}]']) {
      const hr = await server((_req, res) => sendJson(res, 200, { results: [{ username: 'alice' }], next }));
      const error = await rejection(directoryAt(`${hr.url}/api/people`).people());
      assert.match(error.message, /refusing to follow the paging link/, next);
      assert.equal(hr.requests.length, 1);
    }
    assert.deepEqual(elsewhere.requests, []);
  });

  it('a redirect is not followed: the target receives no request, so no Authorization header', async () => {
    const elsewhere = await server();
    const hr = await server((_req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/login` });
      res.end();
    });
    const error = await rejection(directoryAt(`${hr.url}/api/people`).people());
    assert.match(error.message, /redirect to ".*\/login": redirects are not followed/);
    assert.deepEqual(elsewhere.requests, []);
  });

  it('a next link pointing to its own page ends with an error instead of looping', async () => {
    const hr = await server((_req, res) => sendJson(res, 200, { results: [{ username: 'alice' }], next: '/api/people' }));
    assert.match((await rejection(directoryAt(`${hr.url}/api/people`).people())).message, /the directory sent the same page twice/);
    assert.equal(hr.requests.length, 1);
  });

  it('a person listed twice counts once; listed active and disabled, active wins', async () => {
    const hr = await server((req, res) =>
      req.url === '/api/people'
        ? sendJson(res, 200, { results: [{ username: 'Alice', active: false }, { username: 'carol' }], next: '/api/people?page=2' })
        : sendJson(res, 200, { results: [{ username: 'alice', active: true }, { username: 'carol' }] }));
    assert.deepEqual([...(await directoryAt(`${hr.url}/api/people`).people())], [['alice', 'active'], ['carol', 'active']]);
  });

  it('an answer larger than the cap is abandoned', async () => {
    const hr = await server((_req, res) => sendJson(res, 200, Array.from({ length: 2000 }, (_, i) => ({ username: `user${i}` }))));
    assert.match((await rejection(directoryAt(`${hr.url}/api/people`, {}, 10_000).people())).message, /response larger than 10000 bytes/);
  });

  it('credentials over plain http to another machine are refused before anything is sent, unless allowed', () => {
    const config = httpDirectoryConfigSchema.parse({ kind: 'http', url: 'http://hr.example.com/people', auth: { token: 't' }, allowInsecureHttp: true });
    assert.doesNotThrow(() => createHttpDirectory('hr', config));
    assert.throws(() => createHttpDirectory('hr', { ...config, allowInsecureHttp: false }), (error: unknown) => error instanceof ConnectorError && /allowInsecureHttp/.test(error.message));
  });
});
