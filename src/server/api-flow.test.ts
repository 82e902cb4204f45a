// The API end to end against an emulated Confluence DC and a real SQLite store, by inject: scan, plan with an
// Idempotency-Key, four-eyes approval by the authenticated admins, apply, undo, users with cursor paging, metrics and
// the audit log of it all. Background work is awaited through the server's tracker, never by sleeping.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiStores, startApiFixture, type ApiFixture } from '../../test/support/api-fixture.ts';
import { verifyAudit } from '../app/audit-trail.ts';

for (const store of apiStores()) {
  describe(`the API on ${store === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`, () => {
    let f: ApiFixture;
    const as = (role: 'viewer' | 'operator' | 'admin') => ({ authorization: `Bearer ${f.callers[role].token}` });
    const state: { scanId?: string; planId?: string; runId?: string } = {};

    before(async () => {
      f = await startApiFixture({ users: 120, safety: { fourEyes: true, maxActions: 2 }, store });
    });
    after(() => f.close());

    test('POST /scans answers 202 with the running scan; polled, it is complete and the instance shows its licence use', async () => {
      const started = await f.server.app.inject({ method: 'POST', url: '/api/v1/scans', headers: as('operator'), payload: {} });
      assert.equal(started.statusCode, 202, started.body);
      assert.equal(started.json().status, 'running');
      state.scanId = started.json().id;
      await f.server.background.settled();
      const scan = (await f.server.app.inject({ method: 'GET', url: `/api/v1/scans/${state.scanId}`, headers: as('viewer') })).json();
      assert.equal(scan.status, 'complete');
      assert.equal(scan.userCount, 120);
      const [wiki] = (await f.server.app.inject({ method: 'GET', url: '/api/v1/instances', headers: as('viewer') })).json();
      assert.equal(wiki.id, 'wiki');
      assert.equal(wiki.licence.scanId, state.scanId);
      assert.equal(typeof wiki.licence.used, 'number');
    });

    test('GET /instances/{id}/check tests the live instance and reports each assumption', async () => {
      const answer = await f.server.app.inject({ method: 'GET', url: '/api/v1/instances/wiki/check', headers: as('operator') });
      assert.equal(answer.statusCode, 200, answer.body);
      const report = answer.json();
      assert.equal(report.instance, 'wiki');
      assert.notEqual(report.verdict, 'fail', answer.body);
      assert.ok(report.rows.length > 3);
      assert.equal((await f.server.app.inject({ method: 'GET', url: '/api/v1/instances/wiki/check', headers: as('viewer') })).statusCode, 403);
    });

    test('POST /plans with an Idempotency-Key makes one plan: the retry gets the same answer, marked replayed; another body under the key is refused', async () => {
      const headers = { ...as('operator'), 'idempotency-key': 'plan-1' };
      const first = await f.server.app.inject({ method: 'POST', url: '/api/v1/plans', headers, payload: { scan: false } });
      assert.equal(first.statusCode, 201, first.body);
      const body = first.json();
      assert.equal(body.plan.status, 'waiting-approval');
      assert.equal(body.plan.createdBy, 'api-operator');
      assert.equal(body.verdict.ok, false);
      const again = await f.server.app.inject({ method: 'POST', url: '/api/v1/plans', headers, payload: { scan: false } });
      assert.equal(again.statusCode, 201);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.deepEqual(again.json(), body);
      const other = await f.server.app.inject({ method: 'POST', url: '/api/v1/plans', headers, payload: { scan: false, policies: ['inactive-users'] } });
      assert.equal(other.statusCode, 400);
      assert.match(other.json().detail, /used for another request/);
      const plans = (await f.server.app.inject({ method: 'GET', url: '/api/v1/plans', headers: as('viewer') })).json();
      assert.equal(plans.length, 1);
      state.planId = body.plan.id;
    });

    test('the plan over the limit raised an alert, listed by GET /alerts and acknowledged as the caller', async () => {
      const alerts = (await f.server.app.inject({ method: 'GET', url: '/api/v1/alerts', headers: as('viewer') })).json();
      const held = alerts.find((a: { kind: string }) => a.kind === 'safety.maxActions');
      assert.ok(held !== undefined, JSON.stringify(alerts));
      const acked = await f.server.app.inject({ method: 'POST', url: `/api/v1/alerts/${held.id}/ack`, headers: as('operator') });
      assert.equal(acked.statusCode, 200, acked.body);
      assert.equal(acked.json().acknowledgedBy, 'api-operator');
      assert.equal((await f.server.app.inject({ method: 'POST', url: '/api/v1/alerts/999999/ack', headers: as('operator') })).statusCode, 404);
      assert.equal((await f.server.app.inject({ method: 'GET', url: '/api/v1/schedule', headers: as('viewer') })).statusCode, 200);
    });

    test('GET /plans/{id} shows every row with its reason and steps', async () => {
      const plan = (await f.server.app.inject({ method: 'GET', url: `/api/v1/plans/${state.planId}`, headers: as('viewer') })).json();
      assert.ok(plan.rows.length > 2);
      for (const row of plan.rows) {
        assert.match(row.reason.rule, /^(inactive|never-logged-in)$/);
        assert.ok(row.reason.text.length > 0 && row.steps.length > 0, JSON.stringify(row));
      }
    });

    test('four-eyes through the API: apply before approval is a guard problem, the maker may not approve, another admin may', async () => {
      const early = await f.server.app.inject({ method: 'POST', url: `/api/v1/plans/${state.planId}/apply`, headers: as('operator') });
      assert.equal(early.statusCode, 409, early.body);
      assert.equal(early.json().type, 'https://seatkeeper.dev/problems/guard-tripped');
      const maker = await f.server.app.inject({ method: 'POST', url: `/api/v1/plans/${state.planId}/approve`, headers: as('operator') });
      assert.equal(maker.statusCode, 403, maker.body);
      assert.equal(maker.json().type, 'https://seatkeeper.dev/problems/not-allowed');
      const approved = await f.server.app.inject({ method: 'POST', url: `/api/v1/plans/${state.planId}/approve`, headers: as('admin') });
      assert.equal(approved.statusCode, 200, approved.body);
      assert.equal(approved.json().approval.by, 'api-admin');
      assert.equal(approved.json().status, 'approved');
    });

    test('POST /plans/{id}/apply answers 202 with the run; polled, it is done; the users listing shows its steps', async () => {
      const started = await f.server.app.inject({ method: 'POST', url: `/api/v1/plans/${state.planId}/apply`, headers: as('operator') });
      assert.equal(started.statusCode, 202, started.body);
      state.runId = started.json().id;
      await f.server.background.settled();
      const run = (await f.server.app.inject({ method: 'GET', url: `/api/v1/runs/${state.runId}`, headers: as('viewer') })).json();
      assert.equal(run.status, 'done', JSON.stringify(run));
      assert.ok(run.counts.done > 0);
      assert.equal(run.notStarted, 0);
      const again = await f.server.app.inject({ method: 'POST', url: `/api/v1/plans/${state.planId}/apply`, headers: as('operator') });
      assert.equal(again.statusCode, 409, 'a plan is applied once');
      const users = (await f.server.app.inject({ method: 'GET', url: '/api/v1/users?limit=500', headers: as('viewer') })).json();
      assert.deepEqual(users.runsSinceScan, [state.runId]);
      assert.ok(users.users.some((u: { changesSinceScan: string[] }) => u.changesSinceScan.length > 0));
    });

    test('POST /undo puts back every change to one user as a run of its own; a second time there is nothing left', async () => {
      const plan = (await f.server.app.inject({ method: 'GET', url: `/api/v1/plans/${state.planId}`, headers: as('viewer') })).json();
      const username: string = plan.rows[0].username;
      const started = await f.server.app.inject({ method: 'POST', url: '/api/v1/undo', headers: as('operator'), payload: { username } });
      assert.equal(started.statusCode, 202, started.body);
      assert.notEqual(started.json().run, null);
      await f.server.background.settled();
      assert.equal((await f.server.app.inject({ method: 'GET', url: `/api/v1/runs/${started.json().run.id}`, headers: as('viewer') })).json().status, 'done');
      const again = await f.server.app.inject({ method: 'POST', url: '/api/v1/undo', headers: as('operator'), payload: { username } });
      assert.equal(again.statusCode, 202, again.body);
      assert.deepEqual([again.json().planId, again.json().run], [null, null]);
    });

    test('POST /runs/{id}/undo answers 202 with the undo run; polled, it is done and the undo plan is made by the caller', async () => {
      const started = await f.server.app.inject({ method: 'POST', url: `/api/v1/runs/${state.runId}/undo`, headers: as('operator'), payload: {} });
      assert.equal(started.statusCode, 202, started.body);
      const { planId, run } = started.json();
      assert.notEqual(run, null);
      await f.server.background.settled();
      assert.equal((await f.server.app.inject({ method: 'GET', url: `/api/v1/runs/${run.id}`, headers: as('viewer') })).json().status, 'done');
      assert.equal((await f.server.app.inject({ method: 'GET', url: `/api/v1/plans/${planId}`, headers: as('viewer') })).json().createdBy, 'api-operator');
    });

    test('GET /users pages by cursor through every match once, with the filters of seatkeeper users', async () => {
      const all = (await f.server.app.inject({ method: 'GET', url: '/api/v1/users?limit=500', headers: as('viewer') })).json();
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/api/v1/users?limit=25${cursor === null ? '' : `&cursor=${cursor}`}`;
        const page = (await f.server.app.inject({ method: 'GET', url, headers: as('viewer') })).json();
        seen.push(...page.users.map((u: { username: string }) => u.username));
        cursor = page.next;
        pages += 1;
      } while (cursor !== null && pages < 20);
      assert.equal(pages, Math.ceil(all.total / 25));
      assert.deepEqual(seen, all.users.map((u: { username: string }) => u.username));

      const licensedInactive = (await f.server.app.inject({ method: 'GET', url: '/api/v1/users?inactiveDays=180&licensed=true&limit=500', headers: as('viewer') })).json();
      for (const u of licensedInactive.users) assert.ok(u.licensed && (u.daysSinceLogin === null || u.daysSinceLogin > 180), JSON.stringify(u));
      const both = await f.server.app.inject({ method: 'GET', url: '/api/v1/users?inactiveDays=10&neverLoggedIn=true', headers: as('viewer') });
      assert.equal(both.statusCode, 400);
      const forged = await f.server.app.inject({ method: 'GET', url: '/api/v1/users?cursor=bm90LWEtY3Vyc29y', headers: as('viewer') });
      assert.equal(forged.statusCode, 400);
    });

    test('GET /metrics needs a token: seat counts and instance names are not for anyone on the network', async () => {
      assert.equal((await f.server.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
    });

    test('GET /metrics tells the seats in use per instance from the newest scan and the API latency by route', async () => {
      const text = (await f.server.app.inject({ method: 'GET', url: '/metrics', headers: as('viewer') })).body.split('\n').filter((l) => !l.startsWith('#') && !l.includes('nodejs') && !l.includes('process_')).join('\n');
      assert.match(text, /^seatkeeper_licence_seats_used\{instance="wiki"\} \d+$/m);
      assert.match(text, /^seatkeeper_licence_seats_max\{instance="wiki"\} \d+$/m);
      assert.match(text, /^seatkeeper_journal_steps\{instance="wiki",outcome="done"\} [1-9]\d*$/m);
      assert.match(text, /^seatkeeper_api_request_duration_seconds_count\{method="GET",route="\/api\/v1\/plans\/:id",status="200"\} \d+$/m);
    });

    test('every API write is in the audit log with the admin, the outcome and the record, and the chain verifies', async () => {
      const rows = await f.runtime.store.audit.read({ afterSeq: 0, limit: 1000 });
      const line = (r: (typeof rows)[number]) => `${r.actor} ${r.action} ${r.outcome} ${r.target ?? '-'}`;
      const lines = rows.map(line);
      assert.ok(lines.includes(`api-operator plan.create ok wiki`), lines.join('\n'));
      assert.ok(lines.includes(`api-operator plan.approve refused ${state.planId}`));
      assert.ok(lines.includes(`api-admin plan.approve ok ${state.planId}`));
      assert.ok(lines.includes(`api-operator plan.apply ok ${state.planId}`));
      assert.ok(lines.includes(`api-operator run.undo ok ${state.runId}`));
      const replayed = rows.filter((r) => r.action === 'plan.create' && r.detail.replayed === true);
      assert.equal(replayed.length, 1);
      assert.equal((await verifyAudit(f.runtime.store)).ok, true);
      // Admins read it through the API too; an operator may not.
      const page = (await f.server.app.inject({ method: 'GET', url: '/api/v1/audit?limit=1000', headers: as('admin') })).json();
      assert.deepEqual(page.rows.map((r: { seq: number }) => r.seq), rows.map((r) => r.seq).slice(0, page.rows.length));
      const verified = (await f.server.app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: as('admin') })).json();
      assert.equal(verified.ok, true);
      assert.equal((await f.server.app.inject({ method: 'GET', url: '/api/v1/audit', headers: as('operator') })).statusCode, 403);
    });
  });
}
