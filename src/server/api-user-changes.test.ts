// The Manage Inactive Users app's endpoints against an emulated Confluence DC (wiki) and Jira DC (tracker) and a real
// store, by inject: the listings page by cursor; a dry run sends nothing and stores nothing; a stored plan applied
// through the plan route and an `apply: true` change send exactly what was asked; the run's undo puts it back; a
// refused row is a 422 with every row's reasons; a rename on Confluence an honest 409; a CSV file and the e-mail
// domain move. Judged by the emulators' own change records.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiStores, startApiFixture, type ApiFixture } from '../../test/support/api-fixture.ts';
import type { RunningJiraEmulator } from '../emulators/jira-dc/jira-emulator.ts';

for (const store of apiStores()) {
  describe(`user changes on ${store === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`, () => {
    let f: ApiFixture;
    let jira: RunningJiraEmulator;
    const as = (role: 'viewer' | 'operator' | 'admin') => ({ authorization: `Bearer ${f.callers[role].token}` });
    const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
      f.server.app.inject({
        method: 'POST',
        url,
        headers: { ...as('operator'), 'content-type': 'application/json', ...headers },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
    const get = async (url: string) => {
      const answer = await f.server.app.inject({ method: 'GET', url, headers: as('viewer') });
      assert.equal(answer.statusCode, 200, `${url}: ${answer.body}`);
      return answer.json();
    };
    const wikiGroups = (username: string): string[] => f.emulator.state.groupsOf(username).map((g) => g.name).sort();
    const jiraGroups = (username: string): string[] => jira.state.groupsOf(username).map((g) => g.name).sort();

    /** Plain seated people of the wiki (no administrators, not the connecting account) in writable groups only, one besides confluence-users. */
    const wikiPeople = (): string[] =>
      f.emulator.state
        .activeLicensedUsers()
        .filter((u) => !f.emulator.state.isAdministrator(u.username) && u.username !== 'admin' && u.username !== 'svc-backup')
        .filter((u) => f.emulator.state.groupsOf(u.username).every((g) => g.writable) && f.emulator.state.groupsOf(u.username).some((g) => g.name !== 'confluence-users'))
        .map((u) => u.username)
        .sort();
    /** Active people of the Jira internal directory, in writable groups only (two or more), no administrators. */
    const jiraPeople = (): string[] =>
      jira.state
        .allUsers()
        .filter((u) => u.active && !jira.state.isAdministrator(u.username) && u.username !== 'admin' && u.directory === 'Jira Internal Directory')
        .filter((u) => jira.state.groupsOf(u.username).length > 1 && jira.state.groupsOf(u.username).every((g) => g.writable))
        .map((u) => u.username)
        .sort();

    // The runtime's clock, moved on in one test: REST gives no creation dates, so "created" is when Seatkeeper first saw them.
    let shiftMs = 0;
    const runtimeClock = { now: () => new Date(Date.now() + shiftMs) };

    before(async () => {
      f = await startApiFixture({ users: 60, store, jira: { users: 40 }, runtimeClock, safety: { maxActions: 500, maxPercent: 100, minAdmins: 1 } });
      if (f.jira === null) throw new Error('no Jira emulator');
      jira = f.jira;
      for (const instance of ['wiki', 'tracker']) {
        const scan = await post('/api/v1/scans', { instance });
        assert.equal(scan.statusCode, 202, scan.body);
      }
      await f.server.background.settled();
    });
    after(() => f.close());

    test('the listings: deactivated, never logged in created before N days, inactive for N days; paged by cursor', async () => {
      const all = (await get('/api/v1/users?instance=wiki&limit=500')).users as { username: string; status: string; lastLogin: string | null; daysSinceLogin: number | null }[];
      const deactivated = await get('/api/v1/users/deactivated?instance=wiki&limit=500');
      assert.deepEqual(deactivated.users.map((u: { username: string }) => u.username), all.filter((u) => u.status === 'disabled').map((u) => u.username));
      assert.ok(deactivated.users.length > 0, 'the generated organisation has deactivated accounts');
      const inactive = await get('/api/v1/users/inactive?instance=wiki&days=180&limit=500');
      assert.ok(inactive.users.length > 0);
      const searched = (await get('/api/v1/users?instance=wiki&inactiveDays=180&limit=500')).users as typeof all;
      assert.deepEqual(inactive.users.map((u: { username: string }) => u.username), searched.filter((u) => u.status === 'active').map((u) => u.username));
      for (const u of inactive.users) assert.ok(u.daysSinceLogin === null || u.daysSinceLogin > 180, JSON.stringify(u));
      // Neither REST API says when an account was created, so it is when Seatkeeper first saw it: today, or 40 days ago.
      assert.equal((await get('/api/v1/users/never-logged-in?instance=tracker&createdBeforeDays=0')).total, 0, 'first seen today');
      shiftMs = 40 * 86_400_000;
      try {
        for (const instance of ['wiki', 'tracker']) {
          const never = await get(`/api/v1/users/never-logged-in?instance=${instance}&createdBeforeDays=30&limit=500`);
          const expected = (await get(`/api/v1/users?instance=${instance}&neverLoggedIn=true&limit=500`)).users.filter((u: { status: string }) => u.status === 'active');
          assert.ok(never.users.length > 0, `some active account of ${instance} never logged in`);
          assert.deepEqual(never.users, expected);
          assert.equal((await get(`/api/v1/users/never-logged-in?instance=${instance}&createdBeforeDays=50`)).total, 0, 'nobody was first seen 50 days ago');
        }
      } finally {
        shiftMs = 0;
      }
      const paged: string[] = [];
      let next: string | null = null;
      do {
        const page = await get(`/api/v1/users/inactive?instance=wiki&days=180&limit=3${next === null ? '' : `&cursor=${next}`}`);
        paged.push(...page.users.map((u: { username: string }) => u.username));
        next = page.next;
      } while (next !== null && paged.length < 500);
      assert.deepEqual(paged, inactive.users.map((u: { username: string }) => u.username));
      const missing = await f.server.app.inject({ method: 'GET', url: '/api/v1/users/inactive?instance=wiki', headers: as('viewer') });
      assert.equal(missing.statusCode, 400, 'days is required');
    });

    test('a dry run answers the verdicts and the plan rows, and sends and stores nothing', async () => {
      const [alice = ''] = jiraPeople();
      const group = jira.state.groupsOf(alice).map((g) => g.name).find((g) => g !== 'jira-software-users') ?? '';
      const plansBefore = (await get('/api/v1/plans?limit=200')).length;
      const change = { username: alice, removeGroups: [group], email: `${alice}@new.example`, displayName: 'Alice Renamed', renameTo: `${alice}_new` };
      const answer = await post('/api/v1/users/changes', { instance: 'tracker', dryRun: true, change });
      assert.equal(answer.statusCode, 200, answer.body);
      const body = answer.json();
      assert.deepEqual(body.verdicts.map((v: { username: string; status: string }) => [v.username, v.status]), [[alice, 'ok']]);
      assert.equal(body.plan.rows.length, 1);
      assert.deepEqual(body.plan.rows[0].steps, body.verdicts[0].steps);
      assert.ok(body.verdicts[0].steps.some((s: string) => s.includes(`${alice}_new`)), JSON.stringify(body.verdicts[0].steps));
      assert.equal(jira.state.changes.length, 0, 'nothing sent');
      assert.equal((await get('/api/v1/plans?limit=200')).length, plansBefore, 'nothing stored');
    });

    test('apply: true changes exactly what was asked (groups, e-mail, display name, rename); the run\'s undo puts it back', async () => {
      const [alice = ''] = jiraPeople();
      const group = jira.state.groupsOf(alice).map((g) => g.name).find((g) => g !== 'jira-software-users') ?? '';
      const before = { groups: jiraGroups(alice), user: jira.state.findUser(alice) };
      const change = { username: alice, removeGroups: [group], email: `${alice}@new.example`, displayName: 'Alice Renamed', renameTo: `${alice}_new` };
      const answer = await post('/api/v1/users/changes', { instance: 'tracker', apply: true, change }, { 'idempotency-key': 'tracker-alice' });
      assert.equal(answer.statusCode, 202, answer.body);
      const { run, plan } = answer.json();
      assert.equal(plan.kind, 'changes');
      await f.server.background.settled();
      assert.equal((await get(`/api/v1/runs/${run.id}`)).status, 'done', JSON.stringify([await get(`/api/v1/runs/${run.id}`), plan.rows, jira.state.changes]));
      const renamed = jira.state.findUser(`${alice}_new`);
      assert.equal(renamed?.email, `${alice}@new.example`);
      assert.equal(renamed?.displayName, 'Alice Renamed');
      assert.deepEqual(jiraGroups(`${alice}_new`), before.groups.filter((g) => g !== group));
      assert.deepEqual([...new Set(jira.state.changes.map((c) => c.kind))].sort(), ['remove-group', 'rename', 'update-profile']);
      assert.ok(jira.state.changes.every((c) => c.key === before.user?.key), 'only the one user was changed');
      const replay = await post('/api/v1/users/changes', { instance: 'tracker', apply: true, change }, { 'idempotency-key': 'tracker-alice' });
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(replay.json().run.id, run.id, 'a retried request applies once');

      const undo = await post(`/api/v1/runs/${run.id}/undo`, {});
      assert.equal(undo.statusCode, 202, undo.body);
      await f.server.background.settled();
      assert.equal((await get(`/api/v1/runs/${undo.json().run.id}`)).status, 'done');
      const back = jira.state.findUser(alice);
      assert.equal(back?.email, before.user?.email);
      assert.equal(back?.displayName, before.user?.displayName);
      assert.deepEqual(jiraGroups(alice), before.groups);
    });

    test('a stored plan (201) waits for the plan routes: applied there it removes all groups and deactivates; undo restores', async () => {
      await post('/api/v1/scans', { instance: 'wiki' });
      await f.server.background.settled();
      const [, bob = ''] = wikiPeople();
      const before = wikiGroups(bob);
      const changesBefore = f.emulator.state.changes.length;
      const stored = await post('/api/v1/users/changes', { instance: 'wiki', changes: [{ username: bob, removeGroups: 'all', deactivate: true }] });
      assert.equal(stored.statusCode, 201, stored.body);
      assert.equal(stored.json().plan.status, 'planned');
      assert.equal(f.emulator.state.changes.length, changesBefore, 'storing sends nothing');
      const applied = await post(`/api/v1/plans/${stored.json().plan.id}/apply`, {});
      assert.equal(applied.statusCode, 202, applied.body);
      await f.server.background.settled();
      assert.equal((await get(`/api/v1/runs/${applied.json().id}`)).status, 'done', JSON.stringify([await get(`/api/v1/runs/${applied.json().id}`), stored.json().plan.rows]));
      assert.deepEqual(wikiGroups(bob), []);
      assert.equal(f.emulator.state.findUser(bob)?.active, false);
      const deactivated = await get('/api/v1/users/deactivated?instance=wiki&limit=500');
      assert.ok(deactivated.users.some((u: { username: string }) => u.username === bob), 'the journal shows the deactivation since the scan');
      const undo = await post(`/api/v1/runs/${applied.json().id}/undo`, {});
      assert.equal(undo.statusCode, 202, undo.body);
      await f.server.background.settled();
      assert.deepEqual(wikiGroups(bob), before);
      assert.equal(f.emulator.state.findUser(bob)?.active, true);
    });

    test('a refused row refuses the whole request: 422 with every row\'s reasons, nothing stored; validOnly plans the rest', async () => {
      await post('/api/v1/scans', { instance: 'wiki' });
      await f.server.background.settled();
      const [carol = ''] = wikiPeople();
      const plansBefore = (await get('/api/v1/plans?limit=200')).length;
      const changes = [{ username: carol, deactivate: true }, { username: 'admin', deactivate: true }, { username: 'nobody-here', addGroups: ['x'] }];
      const refused = await post('/api/v1/users/changes', { instance: 'wiki', changes });
      assert.equal(refused.statusCode, 422, refused.body);
      const problem = refused.json();
      assert.equal(problem.type, 'https://seatkeeper.dev/problems/requests-refused');
      assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.deepEqual(problem.rows.map((r: { index: number; username: string }) => [r.index, r.username]), [[1, 'admin'], [2, 'nobody-here']]);
      assert.deepEqual(problem.rows[0].reasons, ['it is the account Seatkeeper connects as, which is never changed']);
      assert.match(problem.rows[1].reasons[0], /^no user nobody-here in scan scan_\w+$/);
      assert.equal((await get('/api/v1/plans?limit=200')).length, plansBefore, 'nothing stored');
      const valid = await post('/api/v1/users/changes', { instance: 'wiki', changes, validOnly: true });
      assert.equal(valid.statusCode, 201, valid.body);
      assert.equal(valid.json().refused, 2);
      assert.deepEqual(valid.json().plan.rows.map((r: { username: string }) => r.username), [carol]);
    });

    test('a rename Confluence cannot do is an honest 409 with the reason; nothing stored', async () => {
      const [dave = ''] = wikiPeople();
      const answer = await post('/api/v1/users/changes', { instance: 'wiki', change: { username: dave, renameTo: `${dave}-2` } });
      assert.equal(answer.statusCode, 409, answer.body);
      assert.equal(answer.json().type, 'https://seatkeeper.dev/problems/instance-cannot');
      assert.deepEqual(answer.json().rows[0].reasons, [`rename to "${dave}-2" not possible: Confluence's API cannot rename users`]);
    });

    test('a CSV file as the body (text/csv): every line checked, applied at once; a bad line lists its problem', async () => {
      await post('/api/v1/scans', { instance: 'wiki' });
      await f.server.background.settled();
      const people = wikiPeople();
      const [erin = '', frank = ''] = people.slice(-2);
      const changesBefore = f.emulator.state.changes.length;
      const csv = `username,deactivate,displayName\r\n${erin},true,\r\n${frank},,"Frank, Renamed"\r\n`;
      const answer = await post('/api/v1/users/changes/file?instance=wiki&apply=true', csv, { 'content-type': 'text/csv' });
      assert.equal(answer.statusCode, 202, answer.body);
      await f.server.background.settled();
      assert.deepEqual(f.emulator.state.changes.slice(changesBefore).map((c) => `${c.kind} ${c.username}`).sort(), [`disable ${erin}`, `update-profile ${frank}`].sort());
      assert.equal(f.emulator.state.findUser(frank)?.displayName, 'Frank, Renamed');
      const bad = await post('/api/v1/users/changes/file?instance=wiki', `username,deactivate\r\n${erin},perhaps\r\n`, { 'content-type': 'text/csv' });
      assert.equal(bad.statusCode, 400, bad.body);
      assert.deepEqual(bad.json().problems, ['line 2: deactivate is "perhaps"; write true or false (or leave it empty)']);
      const json = await post('/api/v1/users/changes/file?instance=wiki&dryRun=true', JSON.stringify([{ username: erin, reactivate: true }]), { 'content-type': 'application/json' });
      assert.equal(json.statusCode, 200, json.body);
      assert.equal(json.json().verdicts[0].status, 'ok');
    });

    test('the e-mail domain move: refused whole for the connecting account (422); validOnly with apply moves the rest; undo moves them back', async () => {
      await post('/api/v1/scans', { instance: 'tracker' });
      await f.server.background.settled();
      const before = new Map(jira.state.allUsers().map((u) => [u.username, u.email]));
      const refused = await post('/api/v1/users/changes/email-domain', { instance: 'tracker', from: 'example.com', to: 'new.example' });
      assert.equal(refused.statusCode, 422, refused.body);
      assert.ok(refused.json().rows.some((r: { username: string }) => r.username === 'admin'));
      const changesBefore = jira.state.changes.length;
      const moved = await post('/api/v1/users/changes/email-domain', { instance: 'tracker', from: 'example.com', to: 'new.example', validOnly: true, apply: true });
      assert.equal(moved.statusCode, 202, moved.body);
      await f.server.background.settled();
      const planned = moved.json().verdicts.filter((v: { status: string }) => v.status === 'ok').map((v: { username: string }) => v.username);
      assert.ok(planned.length > 0);
      for (const user of jira.state.allUsers()) {
        const old = before.get(user.username) ?? '';
        assert.equal(user.email, planned.includes(user.username) ? old.replace(/@example\.com$/, '@new.example') : old, user.username);
      }
      assert.ok(jira.state.changes.slice(changesBefore).every((c) => c.kind === 'update-profile'));
      const undo = await post(`/api/v1/runs/${moved.json().run.id}/undo`, {});
      assert.equal(undo.statusCode, 202, undo.body);
      await f.server.background.settled();
      assert.deepEqual(new Map(jira.state.allUsers().map((u) => [u.username, u.email])), before);
    });

    test('every change is in the audit log as user.change, by the operator, with its outcome', async () => {
      const rows = await f.runtime.store.audit.read({ afterSeq: 0, limit: 1000 });
      const changes = rows.filter((r) => r.action === 'user.change');
      assert.ok(changes.some((r) => r.outcome === 'ok' && r.actor === 'api-operator' && r.target === 'tracker' && r.detail.apply === true));
      assert.ok(changes.some((r) => r.outcome === 'refused' && r.detail.status === 422));
      assert.ok(changes.some((r) => r.outcome === 'refused' && r.detail.status === 409));
      const viewer = await f.server.app.inject({ method: 'POST', url: '/api/v1/users/changes', headers: as('viewer'), payload: { dryRun: true, change: { username: 'x', deactivate: true } } });
      assert.equal(viewer.statusCode, 403);
    });
  });
}
