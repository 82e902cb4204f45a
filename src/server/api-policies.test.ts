// Policies, the config and unwritable groups through the API, against an emulated Confluence and a real store: the
// check answers what `policy check` shows and stores nothing; the config is redacted; a remembered group is forgotten.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startApiFixture, type ApiFixture } from '../../test/support/api-fixture.ts';
import { checkPolicies } from '../app/check-policies.ts';

let f: ApiFixture;
const as = (role: 'viewer' | 'operator' | 'admin') => ({ authorization: `Bearer ${f.callers[role].token}` });
before(async () => {
  f = await startApiFixture({ users: 60 });
  await f.server.app.inject({ method: 'POST', url: '/api/v1/scans', headers: as('operator'), payload: {} });
  await f.server.background.settled();
});
after(() => f.close());

test('GET /policies lists the configured policies; /policies/check counts whom each would select, as checkPolicies does, and stores nothing', async () => {
  const listed = (await f.server.app.inject({ method: 'GET', url: '/api/v1/policies', headers: as('viewer') })).json();
  assert.deepEqual(listed, [{ id: 'inactive-users', instance: 'wiki', schedule: '0 3 * * *', state: 'ready', pendingBecause: null }]);
  const answer = await f.server.app.inject({ method: 'GET', url: '/api/v1/policies/check?rows=5', headers: as('viewer') });
  assert.equal(answer.statusCode, 200, answer.body);
  const check = answer.json();
  const { policies } = f.runtime.policies('wiki');
  const { plan } = await checkPolicies({ store: f.runtime.store, now: f.runtime.clock.now() }, { instance: 'wiki', policies, protection: f.runtime.protection });
  assert.equal(check.total, plan.rows.length);
  assert.ok(check.total > 0);
  assert.equal(check.rows.length, Math.min(5, plan.rows.length));
  assert.equal(check.summaries[0].selected, plan.summaries[0]?.selected);
  assert.deepEqual((await f.server.app.inject({ method: 'GET', url: '/api/v1/plans', headers: as('viewer') })).json(), [], 'nothing stored');
  const unknown = await f.server.app.inject({ method: 'GET', url: '/api/v1/policies/check?policy=nope', headers: as('viewer') });
  assert.equal(unknown.statusCode, 400, unknown.body);
});

test('POST /policies/{id}/run runs it now as run POLICY does: scan, plan, apply; 202 with the run, which ends done and changed the instance', async () => {
  const changesBefore = f.emulator.state.changes.length;
  const answer = await f.server.app.inject({ method: 'POST', url: '/api/v1/policies/inactive-users/run', headers: as('operator'), payload: {} });
  assert.equal(answer.statusCode, 202, answer.body);
  const { run, planId } = answer.json();
  assert.equal(run.planId, planId);
  await f.server.background.settled();
  const done = (await f.server.app.inject({ method: 'GET', url: `/api/v1/runs/${run.id}`, headers: as('viewer') })).json();
  assert.equal(done.status, 'done', JSON.stringify(done));
  assert.equal(f.emulator.state.changes.length - changesBefore, done.counts.done);
  assert.ok(done.counts.done > 0);
  const unknown = await f.server.app.inject({ method: 'POST', url: '/api/v1/policies/no-such-policy/run', headers: as('operator'), payload: {} });
  assert.equal(unknown.statusCode, 400, unknown.body);
  const rows = await f.runtime.store.audit.read({ afterSeq: 0, limit: 1000 });
  assert.ok(rows.some((r) => r.action === 'policy.run' && r.outcome === 'ok' && r.target === 'inactive-users' && r.detail.runId === run.id));
});

test('GET /config is the validated config with secrets redacted, for admins only', async () => {
  const answer = await f.server.app.inject({ method: 'GET', url: '/api/v1/config', headers: as('admin') });
  assert.equal(answer.statusCode, 200);
  const token = f.emulator.credentials.admin.token;
  assert.equal(answer.body.includes(token), false, 'the instance token is not in the answer');
  assert.equal(answer.json().instances.wiki.auth.token, '***');
  assert.equal(answer.json().safety.maxActions, 500);
  assert.equal((await f.server.app.inject({ method: 'GET', url: '/api/v1/config', headers: as('operator') })).statusCode, 403);
});

test('POST /instances/{id}/forget-group forgets a remembered group (audited); one not remembered is a 400 naming those that are', async () => {
  // The run above may have remembered groups of its own: those stay.
  const before = await f.runtime.store.unwritableGroups.list('wiki');
  await f.runtime.store.unwritableGroups.remember({ instance: 'wiki', group: 'ldap-staff', message: 'read-only directory', at: new Date() });
  const listed = (await f.server.app.inject({ method: 'GET', url: '/api/v1/instances/wiki/unwritable-groups', headers: as('viewer') })).json();
  const names = listed.map((g: { group: string }) => g.group);
  assert.deepEqual([...names].sort(), [...before.map((g) => g.group), 'ldap-staff'].sort());
  const unknown = await f.server.app.inject({ method: 'POST', url: '/api/v1/instances/wiki/forget-group', headers: as('operator'), payload: { group: 'other' } });
  assert.equal(unknown.statusCode, 400);
  assert.deepEqual(unknown.json().problems, [`remembered: ${names.map((n: string) => JSON.stringify(n)).join(', ')}`]);
  const forgotten = await f.server.app.inject({ method: 'POST', url: '/api/v1/instances/wiki/forget-group', headers: as('operator'), payload: { group: 'LDAP-staff' } });
  assert.equal(forgotten.statusCode, 204, forgotten.body);
  assert.deepEqual(await f.runtime.store.unwritableGroups.list('wiki'), before);
  const rows = await f.runtime.store.audit.read({ afterSeq: 0, limit: 1000 });
  assert.ok(rows.some((r) => r.action === 'instance.forget-group' && r.outcome === 'ok' && r.target === 'wiki' && r.detail.group === 'LDAP-staff'));
});
