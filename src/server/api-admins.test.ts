// Admin accounts and tokens through the API: admins only, no password hash in any answer, a disabled account's
// token stops at once, an admin cannot lock themselves out, and a token's secret never reaches the store.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, startApiFixture, type ApiFixture } from '../../test/support/api-fixture.ts';
import { createAdmin } from '../app/admin-accounts.ts';
import { issueToken } from '../app/api-tokens.ts';

let f: ApiFixture;
before(async () => {
  f = await startApiFixture({ users: 20 });
});
after(() => f.close());
const as = (role: 'viewer' | 'operator' | 'admin') => ({ authorization: `Bearer ${f.callers[role].token}` });

test('admins list the accounts without their hashes; an operator may not', async () => {
  const listed = await f.server.app.inject({ method: 'GET', url: '/api/v1/admins', headers: as('admin') });
  assert.equal(listed.statusCode, 200);
  assert.deepEqual(listed.json().map((a: { name: string; role: string }) => `${a.name}:${a.role}`), ['api-admin:admin', 'api-operator:operator', 'api-viewer:viewer']);
  assert.doesNotMatch(listed.body, /argon2/);
  assert.equal((await f.server.app.inject({ method: 'GET', url: '/api/v1/admins', headers: as('operator') })).statusCode, 403);
});

test('an admin disables another account through the API and its token stops; disabling oneself is refused', async () => {
  await createAdmin({ store: f.runtime.store, clock: f.clock }, { name: 'temp.contractor', role: 'operator', password: PASSWORD });
  const { token } = await issueToken({ store: f.runtime.store, clock: f.clock }, { admin: 'temp.contractor', scope: 'operate', expiresDays: 5 });
  const disabled = await f.server.app.inject({ method: 'POST', url: '/api/v1/admins/temp.contractor/disable', headers: as('admin') });
  assert.equal(disabled.statusCode, 204, disabled.body);
  assert.equal((await f.server.app.inject({ method: 'GET', url: '/api/v1/runs', headers: { authorization: `Bearer ${token}` } })).statusCode, 401);
  const self = await f.server.app.inject({ method: 'POST', url: '/api/v1/admins/API-ADMIN/disable', headers: as('admin') });
  assert.equal(self.statusCode, 409);
  assert.equal((await f.server.app.inject({ method: 'POST', url: '/api/v1/admins/nobody/disable', headers: as('admin') })).statusCode, 404);
});

test('an admin issues a token for themselves; its secret is in the answer only, and no Idempotency-Key may keep it', async () => {
  const issued = await f.server.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: as('admin'), payload: { scope: 'read', expiresDays: 3 } });
  assert.equal(issued.statusCode, 201, issued.body);
  const { token, id } = issued.json();
  const who = await f.server.app.inject({ method: 'GET', url: '/api/v1/session', headers: { authorization: `Bearer ${token}` } });
  assert.deepEqual([who.json().admin, who.json().role], ['api-admin', 'viewer']);
  const keyed = await f.server.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { ...as('admin'), 'idempotency-key': 'tok-1' }, payload: { scope: 'read', expiresDays: 3 } });
  assert.equal(keyed.statusCode, 400);
  const rows = await f.runtime.store.audit.read({ afterSeq: 0, limit: 1000 });
  assert.ok(rows.some((r) => r.action === 'token.create' && r.outcome === 'ok' && r.detail.tokenId === id));
  assert.ok(!JSON.stringify(rows).includes(token), 'the secret is not in the audit log');
});
