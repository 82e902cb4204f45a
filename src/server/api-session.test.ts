// Sign-in, the session cookie, CSRF, timeouts, tokens' expiry, disabled admins and the sign-in rate limit, by inject
// against a real SQLite store; the API's clock is set by the test, so nothing waits for real time to pass.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, apiStores, startApiFixture, type ApiFixture } from '../../test/support/api-fixture.ts';
import { createAdmin, disableAdmin } from '../app/admin-accounts.ts';
import { issueToken } from '../app/api-tokens.ts';

for (const store of apiStores()) {
  describe(`on ${store === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`, () => {
    let f: ApiFixture;
    before(async () => {
      f = await startApiFixture({ store, server: { session: { idleMinutes: 30, absoluteHours: 2 }, signInPerMinute: 3 } });
    });
    after(() => f.close());

    const minutes = (from: Date, n: number): Date => new Date(from.getTime() + n * 60_000);

    test('sign-in sets a __Host- cookie that is Secure, HttpOnly and SameSite=Strict on /, and answers the CSRF token, never the session id', async () => {
      const answer = await f.server.app.inject({ method: 'POST', url: '/api/v1/session', payload: { name: 'api-viewer', password: PASSWORD }, remoteAddress: '127.0.1.1' });
      assert.equal(answer.statusCode, 201);
      const header = String(answer.headers['set-cookie']);
      assert.match(header, /^__Host-seatkeeper-session=[A-Za-z0-9_-]{43};/);
      for (const attribute of ['Path=/', 'HttpOnly', 'Secure', 'SameSite=Strict']) assert.ok(header.includes(attribute), `${attribute} in ${header}`);
      assert.doesNotMatch(header, /Domain=/);
      const body = answer.json();
      assert.equal(body.admin, 'api-viewer');
      assert.equal(body.role, 'viewer');
      assert.ok(!answer.body.includes(header.split(';')[0]?.split('=')[1] ?? '-'), 'the session id is only in the cookie');
    });

    test('a wrong password and an unknown name get the same 401 problem', async () => {
      const wrong = await f.server.app.inject({ method: 'POST', url: '/api/v1/session', payload: { name: 'api-viewer', password: 'not the password' }, remoteAddress: '127.0.1.2' });
      const unknown = await f.server.app.inject({ method: 'POST', url: '/api/v1/session', payload: { name: 'nobody-here', password: PASSWORD }, remoteAddress: '127.0.1.2' });
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.deepEqual(wrong.json(), unknown.json());
      assert.equal(wrong.json().type, 'https://seatkeeper.dev/problems/not-authenticated');
    });

    test('sign-in is rate-limited per address: the attempt past the limit gets 429, another address is not held back', async () => {
      const attempt = (address: string) => f.server.app.inject({ method: 'POST', url: '/api/v1/session', payload: { name: 'api-viewer', password: 'guessing...' }, remoteAddress: address });
      const statuses = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await attempt('127.0.2.1')).statusCode);
      assert.deepEqual(statuses, [401, 401, 401, 429]);
      assert.equal((await attempt('127.0.2.1')).json().type, 'https://seatkeeper.dev/problems/too-many-requests');
      assert.equal((await attempt('127.0.2.2')).statusCode, 401);
    });

    test('a cookie-authenticated write needs the CSRF header with the session\'s token; a bearer token needs none', async () => {
      const { cookie, csrf } = f.callers.operator;
      const write = (headers: Record<string, string>) => f.server.app.inject({ method: 'POST', url: '/api/v1/scans', headers, payload: { instance: 'no-such' } });
      const missing = await write({ cookie });
      assert.equal(missing.statusCode, 403);
      assert.match(missing.json().detail, /x-csrf-token/);
      assert.equal((await write({ cookie, 'x-csrf-token': `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}` })).statusCode, 403);
      assert.equal((await write({ cookie, 'x-csrf-token': f.callers.admin.csrf })).statusCode, 403, 'another session\'s token does not pass');
      // Past the CSRF check: refused for the instance named, not for the request's origin.
      assert.equal((await write({ cookie, 'x-csrf-token': csrf })).statusCode, 400);
      assert.equal((await write({ authorization: `Bearer ${f.callers.operator.token}` })).statusCode, 400);
      // Reads by cookie need no header.
      assert.equal((await f.server.app.inject({ method: 'GET', url: '/api/v1/plans', headers: { cookie } })).statusCode, 200);
    });

    test('a session ends after the idle timeout, and after the absolute timeout however busy it is', async () => {
      await createAdmin({ store: f.runtime.store, clock: f.clock }, { name: 'idle-ida', role: 'viewer', password: PASSWORD });
      const start = f.clock.now();
      const get = (cookie: string) => f.server.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } });
      const idle = await f.signIn('idle-ida');
      f.clock.set(minutes(start, 29));
      assert.equal((await get(idle.cookie)).statusCode, 200);
      f.clock.set(minutes(start, 29 + 30));
      const ended = await get(idle.cookie);
      assert.equal(ended.statusCode, 401);
      assert.match(ended.json().detail, /session has ended/);

      f.clock.set(start);
      const busy = await f.signIn('idle-ida');
      for (let at = 20; at < 120; at += 20) {
        f.clock.set(minutes(start, at));
        assert.equal((await get(busy.cookie)).statusCode, 200, `at ${at} min`);
      }
      f.clock.set(minutes(start, 120));
      assert.equal((await get(busy.cookie)).statusCode, 401, 'two hours after sign-in');
      f.clock.set(start);
    });

    test('signing in again with a session cookie ends that session: the old cookie is refused, the new one works', async () => {
      const first = await f.signIn('api-admin');
      const again = await f.server.app.inject({ method: 'POST', url: '/api/v1/session', headers: { cookie: first.cookie }, payload: { name: 'api-admin', password: PASSWORD }, remoteAddress: '127.0.3.1' });
      assert.equal(again.statusCode, 201);
      const cookie = again.cookies.find((c) => c.name === '__Host-seatkeeper-session');
      assert.ok(cookie !== undefined);
      assert.equal((await f.server.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: first.cookie } })).statusCode, 401);
      assert.equal((await f.server.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: `${cookie.name}=${cookie.value}` } })).statusCode, 200);
    });

    test('a password of 64 characters and more, of any characters, is accepted exactly as typed', async () => {
      const long = `${'ünïcödé passphrase '.repeat(4)}😀`;
      await createAdmin({ store: f.runtime.store, clock: f.clock }, { name: 'long-pass', role: 'viewer', password: long });
      assert.equal((await f.signIn('long-pass', long)).csrf.length, 43);
      // No truncation: its first 64 characters are not it.
      await assert.rejects(f.signIn('long-pass', long.slice(0, 64)), /401/);
      await assert.rejects(f.signIn('long-pass', long.toUpperCase()), /401/);
    });

    test('API answers are not to be cached', async () => {
      const answer = await f.server.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: f.callers.viewer.cookie } });
      assert.equal(answer.headers['cache-control'], 'no-store');
    });

    test('sign-out ends the session: the same cookie is refused after', async () => {
      const session = await f.signIn('api-viewer');
      const out = await f.server.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } });
      assert.equal(out.statusCode, 204);
      assert.match(String(out.headers['set-cookie']), /__Host-seatkeeper-session=;/);
      assert.equal((await f.server.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: session.cookie } })).statusCode, 401);
    });

    test('a token stops at its expiry; a malformed or unknown bearer is 401, not a fall-back to the cookie', async () => {
      const { token } = await issueToken({ store: f.runtime.store, clock: f.clock }, { admin: 'api-operator', scope: 'operate', expiresDays: 1 });
      const get = (authorization: string, cookie?: string) => f.server.app.inject({ method: 'GET', url: '/api/v1/plans', headers: { authorization, ...(cookie ? { cookie } : {}) } });
      assert.equal((await get(`Bearer ${token}`)).statusCode, 200);
      const start = f.clock.now();
      f.clock.set(new Date(start.getTime() + 86_400_000));
      assert.equal((await get(`Bearer ${token}`)).statusCode, 401);
      f.clock.set(start);
      assert.equal((await get('Bearer skt_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).statusCode, 401);
      assert.equal((await get('Basic YWRtaW46YWRtaW4=', f.callers.operator.cookie)).statusCode, 401);
    });

    test('disabling an admin stops its session and its token on the next request', async () => {
      await createAdmin({ store: f.runtime.store, clock: f.clock }, { name: 'leaving-lee', role: 'operator', password: PASSWORD });
      const session = await f.signIn('leaving-lee');
      const { token } = await issueToken({ store: f.runtime.store, clock: f.clock }, { admin: 'leaving-lee', scope: 'operate', expiresDays: 30 });
      const get = (headers: Record<string, string>) => f.server.app.inject({ method: 'GET', url: '/api/v1/runs', headers });
      assert.equal((await get({ cookie: session.cookie })).statusCode, 200);
      assert.equal((await get({ authorization: `Bearer ${token}` })).statusCode, 200);
      await disableAdmin({ store: f.runtime.store, clock: f.clock }, 'leaving-lee');
      assert.equal((await get({ cookie: session.cookie })).statusCode, 401);
      assert.equal((await get({ authorization: `Bearer ${token}` })).statusCode, 401);
    });

    test('sign-in attempts, refused ones too, are in the audit log with the address and no password', async () => {
      const rows = await f.runtime.store.audit.read({ afterSeq: 0, limit: 1000 });
      const signIns = rows.filter((r) => r.action === 'session.create');
      assert.ok(signIns.some((r) => r.outcome === 'ok' && r.actor === 'api-viewer' && r.address === '127.0.1.1'));
      assert.ok(signIns.some((r) => r.outcome === 'refused' && r.actor === 'anonymous' && r.target === 'nobody-here' && r.detail.status === 401));
      assert.ok(signIns.some((r) => r.outcome === 'refused' && r.detail.status === 429));
      assert.ok(!JSON.stringify(rows).includes(PASSWORD) && !JSON.stringify(rows).includes('guessing...'));
      // Refused reads are security events too: the expired token's 401 and the CSRF-less write's 403 are both there.
      assert.ok(rows.some((r) => r.action === 'GET /api/v1/plans' && r.outcome === 'refused' && r.detail.status === 401));
      assert.ok(rows.some((r) => r.action === 'scan.start' && r.actor === 'api-operator' && r.detail.status === 403));
    });
  });
}
