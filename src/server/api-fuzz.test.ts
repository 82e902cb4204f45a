// Generated requests against every route (fast-check): random ids, query strings and bodies, with and without
// credentials. Whatever arrives, the answer is never a 5xx, and every error is a problem+json of a known type.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startApiFixture, type ApiFixture } from '../../test/support/api-fixture.ts';
import { PROBLEM_BASE } from './problem-details.ts';

let f: ApiFixture;
before(async () => {
  f = await startApiFixture({ users: 30 });
  const auth = { authorization: `Bearer ${f.callers.operator.token}` };
  await f.server.app.inject({ method: 'POST', url: '/api/v1/scans', headers: auth, payload: {} });
  await f.server.background.settled();
});
after(() => f.close());

const id = fc.oneof(fc.string({ maxLength: 40 }), fc.stringMatching(/^[A-Za-z0-9_-]{1,30}$/), fc.constantFrom('..', '%2e%2e', 'plan_%00', 'a'.repeat(300)));
const queryValue = fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String), fc.constantFrom('true', 'false', '-1', '1e999', 'NaN', ''));
const query = fc.dictionary(fc.constantFrom('instance', 'limit', 'inactiveDays', 'neverLoggedIn', 'licensed', 'group', 'directory', 'cursor', 'x'), queryValue, { maxKeys: 4 });
// Bodies of the two writes that do work when valid name an instance that does not exist, so no scan is started.
const workBody = fc.record({ instance: fc.oneof(fc.string({ maxLength: 20 }).map((s) => `no-such-${s}`), fc.integer(), fc.constant(null)) }, { requiredKeys: [] }).chain((b) =>
  fc.record({ scan: fc.oneof(fc.boolean(), fc.string()), policies: fc.anything() }, { requiredKeys: [] }).map((extra) => ({ instance: 'no-such', ...extra, ...b })),
);
const body = fc.oneof(fc.jsonValue(), fc.record({ force: fc.anything() }, { requiredKeys: [] }), fc.record({ name: fc.anything(), password: fc.anything() }, { requiredKeys: [] }));

function encodeQuery(values: Record<string, string>): string {
  const text = new URLSearchParams(values).toString();
  return text === '' ? '' : `?${text}`;
}

test('500 generated requests per route: no 5xx, every error a problem of a known type', async () => {
  const routes = f.server.routes.filter((r) => !r.url.startsWith('/api/docs'));
  const seen = new Map<string, number>();
  for (const route of routes) {
    const works = route.method === 'POST' && (route.url === '/api/v1/scans' || route.url === '/api/v1/plans');
    await fc.assert(
      fc.asyncProperty(id, query, works ? workBody : body, fc.constantFrom('none', 'viewer', 'operator', 'admin'), fc.boolean(), async (pathId, q, payload, who, raw) => {
        const headers: Record<string, string> = who === 'none' ? {} : { authorization: `Bearer ${f.callers[who].token}` };
        const url = `${route.url.replace(':id', encodeURIComponent(pathId))}${encodeQuery(q)}`;
        const method = route.method === 'POST' ? 'POST' : route.method === 'DELETE' ? 'DELETE' : 'GET';
        const send = method === 'GET' ? {} : raw ? { payload: JSON.stringify(payload).slice(0, 3000), headers: { ...headers, 'content-type': 'application/json' } } : { payload: JSON.stringify(payload ?? null), headers: { ...headers, 'content-type': 'application/json' } };
        const answer = await f.server.app.inject({ method, url, headers, ...send });
        seen.set(`${answer.statusCode}`, (seen.get(`${answer.statusCode}`) ?? 0) + 1);
        assert.ok(answer.statusCode < 500, `${method} ${url} ${JSON.stringify(payload)} → ${answer.statusCode} ${answer.body.slice(0, 300)}`);
        if (answer.statusCode >= 400 && route.url !== '/readyz') {
          assert.equal(answer.headers['content-type'], 'application/problem+json; charset=utf-8', `${method} ${url}`);
          const problem = answer.json();
          assert.ok(typeof problem.type === 'string' && problem.type.startsWith(PROBLEM_BASE), answer.body);
          assert.equal(problem.status, answer.statusCode);
        }
      }),
      { numRuns: 500, seed: 20261204 },
    );
  }
  assert.ok((seen.get('200') ?? 0) > 0 && (seen.get('400') ?? 0) > 0 && (seen.get('401') ?? 0) > 0 && (seen.get('403') ?? 0) > 0, JSON.stringify([...seen]));
});
