// What every answer of the API carries and refuses: security headers and CSP, problem+json for every error (no stack),
// the body size limit, schema validation, and an OpenAPI 3.1 document naming every route.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startApiFixture, type ApiFixture } from '../../test/support/api-fixture.ts';
import { problemFor } from './problem-details.ts';
import { Conflict, GuardTripped, InvalidInput, NotAllowed, NotAuthenticated, NotFound, RequestsRefused } from '../domain/errors.ts';
import { CircuitOpenError, ConnectorError } from '../app/connector-error.ts';

let f: ApiFixture;
before(async () => {
  f = await startApiFixture({ users: 20, server: { bodyLimitBytes: 2048 } });
});
after(() => f.close());
const auth = () => ({ authorization: `Bearer ${f.callers.operator.token}` });

test('answers carry a CSP of default-src none, nosniff, frame and referrer denials, and HSTS', async () => {
  for (const url of ['/healthz', '/api/v1/plans', '/api/v1/nothing-here']) {
    const { headers } = await f.server.app.inject({ method: 'GET', url, headers: auth() });
    assert.match(String(headers['content-security-policy']), /default-src 'none'.*frame-ancestors 'none'/, url);
    assert.equal(headers['x-content-type-options'], 'nosniff');
    assert.equal(headers['x-frame-options'], 'SAMEORIGIN');
    assert.equal(headers['referrer-policy'], 'no-referrer');
    assert.match(String(headers['strict-transport-security']), /max-age=31536000; includeSubDomains/);
    assert.equal(headers['x-powered-by'], undefined);
  }
});

test('a body over the limit is 413, malformed JSON 400, a body off the schema 400 naming the field, each as problem+json', async () => {
  const big = await f.server.app.inject({ method: 'POST', url: '/api/v1/plans', headers: { ...auth(), 'content-type': 'application/json' }, payload: JSON.stringify({ instance: 'x'.repeat(4096) }) });
  assert.equal(big.statusCode, 413);
  assert.equal(big.json().type, 'https://seatkeeper.dev/problems/body-too-large');
  const malformed = await f.server.app.inject({ method: 'POST', url: '/api/v1/plans', headers: { ...auth(), 'content-type': 'application/json' }, payload: '{"scan": tru' });
  assert.equal(malformed.statusCode, 400);
  assert.equal(malformed.headers['content-type'], 'application/problem+json; charset=utf-8');
  const invalid = await f.server.app.inject({ method: 'POST', url: '/api/v1/plans', headers: auth(), payload: { scan: 'yes' } });
  assert.equal(invalid.statusCode, 400);
  assert.equal(invalid.json().type, 'https://seatkeeper.dev/problems/validation');
  assert.ok(invalid.json().problems.some((p: string) => p.startsWith('/scan')), invalid.body);
  const badId = await f.server.app.inject({ method: 'GET', url: '/api/v1/plans/..%2F..%2Fetc', headers: auth() });
  assert.equal(badId.statusCode, 400);
  for (const answer of [big, malformed, invalid, badId]) assert.doesNotMatch(answer.body, /at .*\.(ts|js):\d+/, 'no stack frames');
});

test('problemFor: one stable type per typed error; an unexpected error says nothing of itself', () => {
  const cases: [unknown, number, string][] = [
    [new InvalidInput('bad', ['x']), 400, 'invalid-input'],
    [new NotAuthenticated('who'), 401, 'not-authenticated'],
    [new NotAllowed('no'), 403, 'not-allowed'],
    [new NotFound('none'), 404, 'not-found'],
    [new Conflict('later'), 409, 'conflict'],
    [new GuardTripped('over', 'maxActions', 9, 5), 409, 'guard-tripped'],
    [new RequestsRefused('1 refused', [{ index: 0, username: 'a', reasons: ['no user a'] }], false), 422, 'requests-refused'],
    [new RequestsRefused('1 refused', [{ index: 0, username: 'a', reasons: ['cannot rename'] }], true), 409, 'instance-cannot'],
    [new ConnectorError('refused', { target: 'wiki' }), 502, 'instance-error'],
    [new CircuitOpenError('down', { target: 'wiki' }), 503, 'instance-unavailable'],
    [Object.assign(new Error('too big'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }), 413, 'body-too-large'],
  ];
  for (const [error, status, kind] of cases) {
    const problem = problemFor(error);
    assert.equal(problem.status, status, kind);
    assert.equal(problem.type, `https://seatkeeper.dev/problems/${kind}`);
  }
  const secret = problemFor(new Error('connect ECONNREFUSED postgres://sk:hunter2@db/sk at Pool.connect (/srv/pg.js:10:5)'));
  assert.deepEqual(secret, { type: 'https://seatkeeper.dev/problems/internal', title: 'Internal error', status: 500, detail: 'the server could not answer; the error is logged' });
  assert.equal(problemFor(new InvalidInput('store at postgres://sk:hunter2@db/sk is down')).detail.includes('hunter2'), false, 'messages are redacted');
  assert.deepEqual(problemFor(new GuardTripped('over', 'maxActions', 9, 5)).guard, 'maxActions');
  const refused = problemFor(new RequestsRefused('2 refused', [{ index: 0, username: 'a\u001b[31m', reasons: ['x', 'y'] }, { index: 3, username: 'b', reasons: ['z'] }], false));
  assert.deepEqual(refused.problems, ['#1 a\\u001b[31m: x; y', '#4 b: z'], 'one line per row, control characters escaped');
  assert.deepEqual(refused.rows?.map((r) => r.index), [0, 3]);
});

test('the OpenAPI document is 3.1 and names every route the server has, with the problem schema and both security schemes', async () => {
  const doc = (await f.server.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  assert.equal(doc.openapi, '3.1.0');
  const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
  // Every route but the documents themselves and the Prometheus text, which are hidden from it.
  const registered = f.server.routes.filter((r) => !r.url.startsWith('/api/docs') && !['/api/v1/openapi.json', '/metrics'].includes(r.url)).map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
  assert.deepEqual([...documented].sort(), [...registered].sort());
  assert.ok(doc.components.schemas.Problem, 'the problem schema is a component');
  assert.ok(doc.components.securitySchemes.bearer && doc.components.securitySchemes.session);
  const docs = await f.server.app.inject({ method: 'GET', url: '/api/docs' });
  assert.equal(docs.statusCode, 200);
  assert.match(String(docs.headers['content-security-policy']), /script-src 'self'/);
});

test('the router\'s own refusals are problems too: a path parameter over 100 characters is 414, with the security headers', async () => {
  const answer = await f.server.app.inject({ method: 'GET', url: `/api/v1/plans/${'a'.repeat(300)}`, headers: auth() });
  assert.equal(answer.statusCode, 414);
  assert.equal(answer.headers['content-type'], 'application/problem+json; charset=utf-8');
  assert.equal(answer.json().type, 'https://seatkeeper.dev/problems/uri-too-long');
  assert.equal(answer.headers['x-content-type-options'], 'nosniff');
});

test('with server.docs false neither the OpenAPI document nor the docs page is served', async () => {
  const closed = await startApiFixture({ users: 20, server: { docs: false } });
  try {
    assert.equal((await closed.server.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).statusCode, 404);
    assert.equal((await closed.server.app.inject({ method: 'GET', url: '/api/docs' })).statusCode, 404);
  } finally {
    await closed.close();
  }
});
