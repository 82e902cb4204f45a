import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CircuitOpenError, ConnectorError, UnaddressableName } from '../../app/connector-error.ts';
import type { CircuitEvent } from '../circuit-breaker.ts';
import { ConfluenceDcClient, pathProblem, restPath, type ConfluenceDcClientDeps } from './confluence-dc-client.ts';
import { parseRetryAfter } from '../http/http-failures.ts';

interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, index: number, body: string) => void;

const servers: Array<() => Promise<void>> = [];
after(async () => {
  await Promise.all(servers.map((close) => close()));
});

/** A tiny local server: `handler` gets each request with its 0-based index. */
async function serve(handler: Handler): Promise<{ url: string; requests: Recorded[] }> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const index = requests.length;
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, index, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  servers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${port}`, requests };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Records sleeps instead of waiting, so backoff is asserted exactly and tests stay fast. */
function fakeTime(random = 0.5): { sleeps: number[]; deps: ConfluenceDcClientDeps } {
  const sleeps: number[] = [];
  return {
    sleeps,
    deps: {
      random: () => random,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      now: () => Date.parse('2025-01-01T00:00:00Z'),
    },
  };
}

function client(url: string, deps: ConfluenceDcClientDeps = {}, overrides: Partial<ConstructorParameters<typeof ConfluenceDcClient>[0]> = {}) {
  return new ConfluenceDcClient(
    { instanceId: 'wiki', url, auth: { token: 'secret-pat' }, concurrency: 4, timeoutMs: 2000, pageSize: 5, ...overrides },
    deps,
  );
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

describe('URLs and authentication', () => {
  it('keeps the context path, encodes path segments and sends the PAT as Bearer', async () => {
    const server = await serve((_req, res) => json(res, 200, { ok: true }));
    const c = client(`${server.url}/confluence/`);
    assert.deepEqual(await c.getJson(restPath`/rest/api/group/${'R&D Berlin+Köln'}/member`, { query: { expand: 'status', x: undefined } }), {
      ok: true,
    });
    assert.equal(server.requests[0]?.url, '/confluence/rest/api/group/R%26D%20Berlin%2BK%C3%B6ln/member?expand=status');
    assert.equal(server.requests[0]?.headers.authorization, 'Bearer secret-pat');
    assert.equal(server.requests[0]?.headers.accept, 'application/json');
  });

  it('sends Basic credentials, JSON bodies and the XSRF bypass header on writes', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const c = client(server.url, {}, { auth: { username: 'svc-seatkeeper', password: 'pä:ss' } });
    const response = await c.request('PUT', restPath`/rest/api/permissions/user/${'j.doe'}/revoke`, {
      body: [{ targetType: 'application', operationKey: 'use' }],
    });
    assert.deepEqual(response, { status: 204, body: null });
    const seen = server.requests[0];
    assert.equal(seen?.headers.authorization, `Basic ${Buffer.from('svc-seatkeeper:pä:ss', 'utf8').toString('base64')}`);
    assert.equal(seen?.headers['content-type'], 'application/json');
    assert.equal(seen?.headers['x-atlassian-token'], 'no-check');
    assert.equal(seen?.body, '[{"targetType":"application","operationKey":"use"}]');
  });

  it('never puts a name into a path that a proxy or URL parsing could turn into another resource', () => {
    // `a/../ops-admin` behind a decoding proxy addresses ops-admin; Node's URL parser collapses %2E%2E itself.
    const hostile = ['a/../ops-admin', 'R&D / Berlin', '..', '.', ' .. ', '%2E%2E', 'a%2Fb', 'back\\slash', 'line\nbreak', 'nul\u0000', '', '  ', 'lone\uD800'];
    for (const name of hostile) {
      assert.throws(() => restPath`/rest/api/user/${name}/group/${'staff'}`, (error: unknown) => error instanceof UnaddressableName && error.value === name, JSON.stringify(name));
      assert.notEqual(pathProblem(name), null, JSON.stringify(name));
    }
    for (const name of ['alice', 'Ole.Nordmann', 'j.doe', 'R&D Berlin', 'Zoë', 'a..b', 'user@example.com']) assert.equal(pathProblem(name), null, name);
  });
});

describe('retries', () => {
  it('honours Retry-After in seconds on 429', async () => {
    const server = await serve((_req, res, i) => (i === 0 ? json(res, 429, {}, { 'Retry-After': '7' }) : json(res, 200, { n: 1 })));
    const time = fakeTime();
    const c = client(server.url, time.deps);
    assert.deepEqual(await c.getJson('/rest/api/group'), { n: 1 });
    assert.deepEqual(time.sleeps, [7000]);
    assert.equal(c.requestCount, 2);
  });

  it('honours Retry-After as an HTTP date on 503, and caps a long one at 60 s', async () => {
    const server = await serve((_req, res, i) => {
      if (i === 0) return json(res, 503, {}, { 'Retry-After': 'Wed, 01 Jan 2025 00:00:30 GMT' });
      if (i === 1) return json(res, 503, {}, { 'Retry-After': '3600' });
      return json(res, 200, []);
    });
    const time = fakeTime();
    assert.deepEqual(await client(server.url, time.deps).getJson('/rest/api/permissions'), []);
    assert.deepEqual(time.sleeps, [30_000, 60_000]);
  });

  it('backs off exponentially with full jitter on other 5xx', async () => {
    const server = await serve((_req, res, i) => (i < 3 ? json(res, [500, 502, 504][i] ?? 500, {}) : json(res, 200, 'ok')));
    const time = fakeTime(0.5);
    assert.equal(await client(server.url, time.deps).getJson('/rest/api/user/current'), 'ok');
    // random 0.5 × min(20 s, 500 ms × 2^(attempt-1))
    assert.deepEqual(time.sleeps, [250, 500, 1000]);
  });

  it('gives up after 5 attempts with a retryable error', async () => {
    const server = await serve((_req, res) => json(res, 500, { statusCode: 500, message: 'Database is locked' }));
    const time = fakeTime(1);
    const c = client(server.url, time.deps);
    const error = await rejection(c.getJson('/rest/api/user/list'));
    assert.equal(server.requests.length, 5);
    assert.equal(c.requestCount, 5);
    assert.deepEqual(time.sleeps, [500, 1000, 2000, 4000]);
    assert.equal(error.retryable, true);
    assert.equal(error.status, 500);
    assert.equal(error.target, 'wiki GET /rest/api/user/list');
    assert.match(error.message, /Confluence answered 500 \(Confluence said: Database is locked\); gave up after 5 attempts/);
  });

  it('retries a connection reset by the server', async () => {
    const server = await serve((req, res, i) => (i === 0 ? req.socket.destroy() : json(res, 200, { after: 'reset' })));
    const time = fakeTime();
    assert.deepEqual(await client(server.url, time.deps).getJson('/rest/api/group'), { after: 'reset' });
    assert.equal(server.requests.length, 2);
    assert.equal(time.sleeps.length, 1);
  });

  it('retries a request that times out', async () => {
    const server = await serve((_req, res, i) => {
      if (i > 0) json(res, 200, { late: false });
      // the first request is never answered
    });
    const time = fakeTime();
    const c = client(server.url, time.deps, { timeoutMs: 150 });
    assert.deepEqual(await c.getJson('/rest/api/group'), { late: false });
    assert.equal(server.requests.length, 2);
  });

  it('does not retry when the caller aborts', async () => {
    // The abort comes once the request has arrived (never answered), not after a wall-clock delay: on a loaded
    // machine a fixed 50 ms could pass before the request is even sent.
    const controller = new AbortController();
    const server = await serve(() => controller.abort(new Error('scan cancelled')));
    const time = fakeTime();
    const pending = client(server.url, time.deps).getJson('/rest/api/group', { signal: controller.signal });
    await assert.rejects(pending, /scan cancelled/);
    assert.equal(server.requests.length, 1);
    assert.deepEqual(time.sleeps, []);
  });

  it('bounds requests in flight to the configured concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const server = await serve((_req, res) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        json(res, 200, {});
      }, 30);
    });
    const c = client(server.url, {}, { concurrency: 2 });
    await Promise.all(Array.from({ length: 8 }, () => c.getJson('/rest/api/group')));
    assert.equal(peak, 2);
    assert.equal(c.requestCount, 8);
  });
});

describe('circuit breaker', () => {
  // Real (short) breaker timings; the backoff between attempts is recorded, not waited for.
  const breaker = { failures: 3, cooldownSeconds: 0.2, maxPauseMinutes: 0.05 };

  it('pauses requests while Confluence is down instead of burning their attempts, and goes on when it is back', async () => {
    let upAt = Number.POSITIVE_INFINITY;
    const server = await serve((_req, res, i) => {
      if (i === 2) upAt = Date.now() + 300;
      return Date.now() < upAt ? json(res, 502, { message: 'Bad Gateway' }) : json(res, 200, { ok: true });
    });
    const events: CircuitEvent[] = [];
    const c = client(server.url, { ...fakeTime().deps, now: Date.now, onCircuit: (e) => events.push(e) }, { concurrency: 2, circuitBreaker: breaker });
    const answers = await Promise.all(Array.from({ length: 8 }, (_, n) => c.getJson(`/rest/api/user?key=${n}`)));
    assert.deepEqual(answers, Array.from({ length: 8 }, () => ({ ok: true })));
    const failedRequests = server.requests.length - 8;
    // Without the breaker the 8 requests would each have failed up to 5 times while Confluence was down (300 ms).
    // What fails: the 3 that open the breaker, one more already in flight (concurrency 2), and the trials while down.
    assert.ok(failedRequests >= 3 && failedRequests <= 6, `${failedRequests} failed requests`);
    assert.equal(events[0]?.kind, 'opened');
    assert.equal(events.at(-1)?.kind, 'closed');
  });

  it('a trial answered 429 closes the breaker, and the request waits as Retry-After says', async () => {
    const server = await serve((_req, res, i) => {
      if (i < 3) return json(res, 502, {});
      if (i === 3) return json(res, 429, {}, { 'Retry-After': '4' });
      return json(res, 200, { ok: true });
    });
    const time = fakeTime();
    const events: CircuitEvent[] = [];
    // maxAttempts 6: the three failures that open the breaker and the 429 are the request's own attempts.
    const c = client(server.url, { ...time.deps, now: Date.now, maxAttempts: 6, onCircuit: (e) => events.push(e) }, { concurrency: 1, circuitBreaker: breaker });
    assert.deepEqual(await c.getJson('/rest/api/user'), { ok: true });
    assert.equal(server.requests.length, 5);
    assert.deepEqual(events.map((e) => e.kind), ['opened', 'closed']);
    assert.equal(time.sleeps.at(-1), 4000, 'the last wait is the one Retry-After asked for');
  });

  it('gives up with CircuitOpenError once the pause passes the configured longest one', async () => {
    const server = await serve((_req, res) => json(res, 503, {}));
    // 3 attempts open the breaker; its failed trials cost the request no attempt, so the pause ends it, not attempt 5.
    const c = client(server.url, { ...fakeTime().deps, now: Date.now }, { concurrency: 1, circuitBreaker: breaker });
    const error = await c.getJson('/rest/api/user').then(
      () => assert.fail('expected CircuitOpenError'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof CircuitOpenError, String(error));
    assert.match(error.message, /^wiki has not answered for \d+ s \(\d+ failed attempts in a row, last: Confluence answered 503\)/);
    assert.ok(server.requests.length < 10, `${server.requests.length} requests in 3 s: trials only, no retry storm`);
  });
});

describe('errors say what to fix', () => {
  const cases: [number, boolean, RegExp, boolean][] = [
    [401, false, /check the token \/ username and password/, true],
    [403, false, /the account must be a Confluence administrator/, true],
    [404, true, /nothing at http:\/\/127\.0\.0\.1:\d+\/wiki\/rest\/api\/server-information \(404\): check the URL \(context path\?\)/, true],
    [404, false, /^not found \(404\)/, false],
    [402, false, /answered 402 \(Payment Required\)/, false],
    [400, false, /Confluence answered 400 \(Confluence said: bad group\)/, false],
  ];
  for (const [status, probe, message, fixable] of cases) {
    it(`${status}${probe ? ' on a probe route' : ''}`, async () => {
      const server = await serve((_req, res) => json(res, status, { statusCode: status, message: status === 400 ? 'bad group' : null }));
      const time = fakeTime();
      const error = await rejection(client(`${server.url}/wiki`, time.deps).getJson('/rest/api/server-information', { probe }));
      assert.match(error.message, message);
      assert.equal(error.status, status);
      assert.equal(error.fixable, fixable);
      assert.equal(error.retryable, false);
      assert.equal(server.requests.length, 1, 'client errors are not retried');
    });
  }

  it('hands accepted statuses back instead of throwing', async () => {
    const server = await serve((_req, res) => json(res, 404, { statusCode: 404, message: 'No user found' }));
    assert.deepEqual(await client(server.url).request('GET', '/rest/api/user', { accept: [404] }), {
      status: 404,
      body: { statusCode: 404, message: 'No user found' },
    });
  });

  it('reports a connection refused as "cannot reach URL"', async () => {
    const server = await serve(() => undefined);
    await servers.pop()?.();
    const time = fakeTime();
    const error = await rejection(client(server.url, time.deps).getJson('/rest/api/server-information'));
    assert.match(error.message, /cannot reach http:\/\/127\.0\.0\.1:\d+: connection refused/);
    assert.equal(error.fixable, true);
    assert.equal(time.sleeps.length, 4);
  });

  it('reports an unknown host as "cannot reach URL" without retrying', async () => {
    let calls = 0;
    const failing: typeof fetch = async () => {
      calls += 1;
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND wiki.invalid'), { code: 'ENOTFOUND' }) });
    };
    const error = await rejection(client('https://wiki.invalid/confluence', { ...fakeTime().deps, fetch: failing }).getJson('/rest/api/group'));
    assert.match(error.message, /cannot reach https:\/\/wiki\.invalid\/confluence: host not found/);
    assert.equal(error.fixable, true);
    assert.equal(calls, 1);
  });

  it('says so when a 200 is not JSON (a login page, a proxy)', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html><body>Log in</body></html>');
    });
    const error = await rejection(client(server.url).getJson('/rest/api/server-information'));
    assert.match(error.message, /not JSON: is the URL Confluence's base URL\?/);
    assert.equal(error.fixable, true);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  const table: [string | null, number | null][] = [
    ['0', 0],
    ['12', 12_000],
    ['1.5', 1500],
    ['Wed, 01 Jan 2025 00:01:00 GMT', 60_000],
    ['Tue, 31 Dec 2024 23:00:00 GMT', 0],
    ['soon', null],
    ['', null],
    [null, null],
  ];
  for (const [header, expected] of table) {
    it(`${JSON.stringify(header)} → ${expected}`, () => assert.equal(parseRetryAfter(header, now), expected));
  }
});

/** A paged collection: `cap` is the server's own limit; `total` is what it promises. */
function pagedServer(items: readonly string[], options: { cap?: number; total?: number | null; dropAfter?: number } = {}): Handler {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const start = Number(url.searchParams.get('start') ?? '0');
    const limit = Math.min(Number(url.searchParams.get('limit') ?? '25'), options.cap ?? 1000);
    const end = Math.min(start + limit, options.dropAfter ?? items.length);
    const results = items.slice(start, end).map((name) => ({ type: 'group', name }));
    const hasNext = end < (options.dropAfter ?? items.length);
    json(res, 200, {
      results,
      start,
      limit,
      size: results.length,
      ...(options.total === null ? {} : { totalCount: options.total ?? items.length }),
      _links: { base: 'http://x', context: '', ...(hasNext ? { next: `/rest/api/group?start=${end}&limit=${limit}` } : {}) },
    });
  };
}

async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('paginate', () => {
  const names = Array.from({ length: 12 }, (_, i) => `g${i}`);

  it('asks for limit=pageSize, advances by what came back and stops when next is absent', async () => {
    const server = await serve(pagedServer(names, { cap: 3 }));
    const c = client(server.url);
    const items = await collect(c.paginate('/rest/api/group', { expand: 'x' }));
    assert.deepEqual(items.map((g) => (typeof g === 'object' && g !== null && 'name' in g ? g.name : null)), names);
    assert.deepEqual(
      server.requests.map((r) => r.url),
      [0, 3, 6, 9].map((start) => `/rest/api/group?expand=x&start=${start}&limit=5`),
    );
    assert.equal(c.requestCount, 4);
  });

  it('works without totalCount', async () => {
    const server = await serve(pagedServer(names, { total: null }));
    assert.equal((await collect(client(server.url).paginate('/rest/api/group'))).length, 12);
    assert.equal(server.requests.length, 3);
  });

  it('throws when paging ends short of the promised total', async () => {
    const server = await serve(pagedServer(names, { dropAfter: 7 }));
    const iterable = client(server.url).paginate('/rest/api/group');
    const error = await rejection(collect(iterable));
    assert.equal(error.message, 'paging ended at 7 of 12 promised');
    assert.equal(error.retryable, false);
    assert.equal(error.target, 'wiki GET /rest/api/group');
  });

  it('throws on a page that is not a paged collection', async () => {
    const server = await serve((_req, res) => json(res, 200, [{ name: 'a' }]));
    assert.match((await rejection(collect(client(server.url).paginate('/rest/api/group')))).message, /unexpected page shape/);
  });

  it('throws instead of looping on an empty page that links to a next one', async () => {
    const server = await serve((_req, res) => json(res, 200, { results: [], _links: { next: '/rest/api/group?start=5' } }));
    assert.match((await rejection(collect(client(server.url).paginate('/rest/api/group')))).message, /paging stalled/);
  });
});
