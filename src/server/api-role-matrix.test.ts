// Walks every route the server registered with no credentials and with each role, by token and by session cookie:
// 401 without credentials, 403 below the route's role, and past the access check (2xx for reads) at or above it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiStores, startApiFixture, type ApiFixture } from '../../test/support/api-fixture.ts';
import { allows, ROLES } from '../domain/access-role.ts';

/** Reads whose query has a required parameter: the matrix sends one, so an allowed caller gets 2xx. */
const REQUIRED_QUERY: Readonly<Record<string, string>> = {
  '/api/v1/users/inactive': '?days=90',
  '/api/v1/users/never-logged-in': '?createdBeforeDays=30',
};

for (const store of apiStores()) {
  describe(`on ${store === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`, () => {
    let f: ApiFixture;
    const ids: Record<string, string> = {};

    before(async () => {
      f = await startApiFixture({ store });
      const auth = { authorization: `Bearer ${f.callers.operator.token}` };
      const scan = await f.server.app.inject({ method: 'POST', url: '/api/v1/scans', headers: auth, payload: {} });
      assert.equal(scan.statusCode, 202, scan.body);
      await f.server.background.settled();
      const plan = await f.server.app.inject({ method: 'POST', url: '/api/v1/plans', headers: auth, payload: { scan: false } });
      assert.equal(plan.statusCode, 201, plan.body);
      ids.scan = scan.json().id;
      ids.plan = plan.json().plan.id;
      const run = await f.server.app.inject({ method: 'POST', url: `/api/v1/plans/${ids.plan}/apply`, headers: auth });
      assert.equal(run.statusCode, 202, run.body);
      await f.server.background.settled();
      ids.run = run.json().id;
    });
    after(() => f.close());

    // Reads name real records; writes name none, so walking them changes nothing and an allowed caller gets 404 (or 400).
    const urlOf = (route: { method: string; url: string }): string => {
      const real = route.method === 'GET';
      const id = route.url.includes('/scans/') ? ids.scan : route.url.includes('/plans/') ? ids.plan : route.url.includes('/instances/') ? 'wiki' : ids.run;
      return route.url.replace(':id', real ? (id ?? 'none') : 'none_such') + (REQUIRED_QUERY[route.url] ?? '');
    };
    const bodyOf = (route: { method: string; url: string }): Record<string, unknown> | undefined => {
      if (route.method === 'GET') return undefined;
      if (route.url === '/api/v1/scans' || route.url === '/api/v1/plans') return { instance: 'no-such-instance' };
      return {};
    };

    test('every route declares its access, and the matrix covers every one of them', () => {
      const api = f.server.routes.filter((r) => r.url.startsWith('/api/v1/'));
      assert.ok(api.length >= 17, `routes: ${api.length}`);
      assert.deepEqual(
        f.server.routes.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.url}`).filter((r) => !r.includes('/api/docs')).sort(),
        ['GET /api/v1/openapi.json', 'GET /healthz', 'GET /readyz', 'POST /api/v1/session'],
      );
    });

    test('role matrix: no credentials → 401; below the role → 403; at or above it → past the check, reads 2xx', async () => {
      const checked: string[] = [];
      for (const route of f.server.routes) {
        if (route.access === 'public') continue;
        const url = urlOf(route);
        const payload = bodyOf(route);
        const none = await f.server.app.inject({ method: route.method === 'DELETE' ? 'DELETE' : route.method === 'POST' ? 'POST' : 'GET', url, ...(payload ? { payload } : {}) });
        assert.equal(none.statusCode, 401, `${route.method} ${url} without credentials: ${none.body}`);
        assert.equal(none.headers['content-type'], 'application/problem+json; charset=utf-8');
        for (const role of ROLES) {
          const caller = f.callers[role];
          for (const via of ['token', 'session'] as const) {
            const headers: Record<string, string> = via === 'token' ? { authorization: `Bearer ${caller.token}` } : { cookie: caller.cookie, 'x-csrf-token': caller.csrf };
            // Sign-out by session would end the caller's session for the rest of the walk: it has its own test.
            if (route.method === 'DELETE' && via === 'session') continue;
            const method = route.method === 'DELETE' ? 'DELETE' : route.method === 'POST' ? 'POST' : 'GET';
            const answer = await f.server.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
            const where = `${route.method} ${url} as ${role} by ${via}: ${answer.statusCode} ${answer.body.slice(0, 200)}`;
            if (!allows(role, route.access)) {
              assert.equal(answer.statusCode, 403, where);
              assert.equal(answer.json().type, 'https://seatkeeper.dev/problems/not-allowed', where);
            } else if (route.method === 'GET') {
              assert.ok(answer.statusCode >= 200 && answer.statusCode < 300, where);
            } else {
              assert.ok(![401, 403].includes(answer.statusCode) && answer.statusCode < 500, where);
            }
            checked.push(`${route.method} ${route.url} ${role} ${via}`);
          }
        }
      }
      assert.ok(checked.length >= 17 * 5, `checked ${checked.length}`);
    });

    test('a token\'s scope caps its owner: an admin\'s read token is refused an operator\'s write, and allowed reads', async () => {
      const { issueToken } = await import('../app/api-tokens.ts');
      const { token } = await issueToken({ store: f.runtime.store, clock: f.clock }, { admin: f.callers.admin.name, scope: 'read', expiresDays: 1 });
      const headers = { authorization: `Bearer ${token}` };
      assert.equal((await f.server.app.inject({ method: 'GET', url: '/api/v1/plans', headers })).statusCode, 200);
      const write = await f.server.app.inject({ method: 'POST', url: '/api/v1/scans', headers, payload: {} });
      assert.equal(write.statusCode, 403);
      assert.match(write.json().detail, /needs the operator role; api-admin acts as viewer with this token/);
    });
  });
}
