// Hand-requested changes end to end below the front doors: planUserChanges on a real scan, then the one approval /
// apply / resume / undo path, against the Confluence and Jira emulators over real HTTP and a real SQLite store file.
// Every outcome is judged by the emulator's state and its record of changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/store-database.ts';
import { systemClock } from './clock.ts';
import { applyPlan, type RunDeps } from './apply-plan.ts';
import { scanInstance } from './scan-instance.ts';
import { resumeRun } from './resume-run.ts';
import { undoRun } from './undo-run.ts';
import { emailDomainMoveRequests, planUserChanges, previewUserChanges } from './user-changes.ts';
import { RequestsRefused } from '../domain/errors.ts';
import { DEFAULT_LIMITS, type SafetyLimits } from '../domain/safety-guard.ts';
import type { Protection } from '../domain/policy.ts';
import type { InstanceConnector } from './instance-port.ts';
import { startConfluenceEmulator, type RunningConfluenceEmulator } from '../emulators/confluence-dc/confluence-emulator.ts';
import { generateOrganisation } from '../emulators/confluence-dc/org-generator.ts';
import { createConfluenceDcConnector } from '../connectors/confluence-dc/confluence-dc-connector.ts';
import { confluenceDcConfigSchema } from '../connectors/confluence-dc/confluence-dc-config.ts';
import { startJiraEmulator, type RunningJiraEmulator } from '../emulators/jira-dc/jira-emulator.ts';
import { generateJiraOrganisation, JIRA_INTERNAL_DIRECTORY } from '../emulators/jira-dc/jira-org-generator.ts';
import { createJiraDcConnector } from '../connectors/jira-dc/jira-dc-connector.ts';
import { jiraDcConfigSchema } from '../connectors/jira-dc/jira-dc-config.ts';
import { testRecordKey } from '../../test/support/record-key.ts';

const protection: Protection = { users: [], groups: [] };
const limits: SafetyLimits = { ...DEFAULT_LIMITS, maxPercent: 100 };

async function withStore<E>(instance: string, emulator: E & { close(): Promise<void> }, connector: InstanceConnector, body: (deps: RunDeps) => Promise<void>): Promise<void> {
  const key = testRecordKey();
  const store = await openStore(`sqlite:${join(mkdtempSync(join(tmpdir(), `sk-user-changes-${instance}-`)), 'seatkeeper.db')}`, { key: () => key });
  try {
    const deps: RunDeps = { store, connector, clock: systemClock, concurrency: 4, key };
    await scanInstance({ connector, store, clock: systemClock, concurrency: 4 });
    await body(deps);
  } finally {
    await connector.close();
    await store.close();
    await emulator.close();
  }
}

async function confluence(body: (w: { emulator: RunningConfluenceEmulator; deps: RunDeps }) => Promise<void>): Promise<void> {
  const emulator = await startConfluenceEmulator({ org: generateOrganisation({ seed: 7, users: 60, now: new Date(), ldapShare: 0 }) });
  const config = confluenceDcConfigSchema.parse({ product: 'confluence-dc', url: emulator.url, auth: { token: emulator.credentials.admin.token } });
  await withStore('wiki', emulator, createConfluenceDcConnector('wiki', config), (deps) => body({ emulator, deps }));
}

/** The generated Jira has one administrator: the admin floor is lowered to it, as a small test instance would set it. */
const jiraLimits: SafetyLimits = { ...limits, maxActions: 10_000, minAdmins: 1 };

async function jira(body: (w: { emulator: RunningJiraEmulator; deps: RunDeps }) => Promise<void>): Promise<void> {
  const emulator = await startJiraEmulator({ org: generateJiraOrganisation({ seed: 5, users: 40, now: new Date() }) });
  const config = jiraDcConfigSchema.parse({ product: 'jira-dc', url: emulator.url, auth: { token: emulator.credentials.admin.token } });
  await withStore('jira', emulator, createJiraDcConnector('jira', config), (deps) => body({ emulator, deps }));
}

/** Two seated, active, non-administrator people of the emulated Confluence with a group besides confluence-users. */
function people(emulator: RunningConfluenceEmulator): [string, string] {
  const found = emulator.state
    .activeLicensedUsers()
    .filter((u) => !emulator.state.isAdministrator(u.username) && u.username !== 'admin' && emulator.state.groupsOf(u.username).length >= 2)
    .map((u) => u.username)
    .sort();
  assert.ok(found.length >= 2, 'the organisation has two plain seated users with groups');
  return [found[0] ?? '', found[1] ?? ''];
}

const groupNames = (emulator: RunningConfluenceEmulator, username: string): string[] => emulator.state.groupsOf(username).map((g) => g.name).sort();

test('Confluence: a request is planned and shown but changes nothing until applied; apply changes exactly it; undo puts it back', async () => {
  await confluence(async ({ emulator, deps }) => {
    const [alice, bob] = people(emulator);
    const aliceGroups = groupNames(emulator, alice);
    const extra = groupNames(emulator, alice).find((g) => g !== 'confluence-users') ?? '';
    const spare = emulator.state.allGroups().find((g) => g.writable && !aliceGroups.includes(g.name) && !g.name.includes('admin'))?.name ?? '';
    const bobBefore = { groups: groupNames(emulator, bob), status: emulator.state.statusOf(bob) };
    const outcome = await planUserChanges(deps, {
      instance: 'wiki',
      requests: [{ username: alice, removeGroups: [extra], addGroups: [spare], deactivate: true }],
      protection,
      limits,
      actor: 'ops',
    });
    assert.deepEqual(outcome.verdicts.map((v) => [v.username, v.status, v.reasons]), [[alice, 'ok', []]]);
    assert.ok(outcome.planned !== null);
    assert.equal(outcome.planned.plan.kind, 'changes');
    assert.equal(outcome.planned.status, 'planned');
    assert.deepEqual(outcome.planned.plan.rows.map((r) => r.reason.text), [`requested by ops: remove from ${extra}; add to ${spare}; deactivate`]);
    assert.equal(emulator.state.changes.length, 0, 'planning sent nothing');

    const report = await applyPlan(deps, { planId: outcome.planned.planId, limits, protection });
    assert.deepEqual([report.status, report.notPossible, report.failures], ['done', [], []]);
    assert.deepEqual(groupNames(emulator, alice), [...aliceGroups.filter((g) => g !== extra), spare].sort());
    assert.equal(emulator.state.findUser(alice)?.active, false);
    assert.deepEqual(emulator.state.changes.map((c) => c.username), [alice, alice, alice], 'nothing but the three requested changes went out');
    assert.deepEqual({ groups: groupNames(emulator, bob), status: emulator.state.statusOf(bob) }, bobBefore);

    const undone = await undoRun(deps, { instance: 'wiki', scope: { kind: 'run', runId: report.runId }, force: false, actor: 'ops', limits, protection });
    assert.equal(undone.report?.status, 'done');
    assert.deepEqual(groupNames(emulator, alice), aliceGroups);
    assert.equal(emulator.state.findUser(alice)?.active, true);
  });
});

test('Confluence: one refused row (rename, protected user, unknown group) refuses the whole request, with a reason per row', async () => {
  await confluence(async ({ emulator, deps }) => {
    const [alice, bob] = people(emulator);
    const plansBefore = (await deps.store.plans.list(undefined, 100)).length;
    const outcome = await planUserChanges(deps, {
      instance: 'wiki',
      requests: [
        { username: alice, deactivate: true },
        { username: bob, renameTo: `${bob}_old` },
        { username: 'admin', removeGroups: 'all' },
        { username: alice.toUpperCase(), addGroups: ['no-such-group'] },
      ],
      protection,
      limits,
      actor: 'ops',
    });
    assert.equal(outcome.planned, null);
    assert.equal(outcome.notPlanned, '4 requests were refused, so nothing was planned: fix or drop them, or plan the valid ones only');
    assert.deepEqual(outcome.verdicts.map((v) => [v.status, v.reasons]), [
      ['refused', [`${alice} is asked for more than once: give one request per user`]],
      ['refused', [`rename to "${bob}_old" not possible: Confluence's API cannot rename users`]],
      ['refused', ['it is the account Seatkeeper connects as, which is never changed']],
      ['refused', [`${alice} is asked for more than once: give one request per user`]],
    ]);
    assert.equal((await deps.store.plans.list(undefined, 100)).length, plansBefore, 'no plan was stored');

    const valid = await planUserChanges(deps, {
      instance: 'wiki',
      requests: [{ username: alice, deactivate: true }, { username: 'admin', removeGroups: 'all' }, { username: bob, addGroups: ['no-such-group'] }],
      protection,
      limits,
      actor: 'ops',
      validOnly: true,
    });
    assert.deepEqual(valid.verdicts[2]?.reasons, ['no group no-such-group in scan ' + valid.scanId]);
    assert.deepEqual(valid.planned?.plan.rows.map((r) => [r.username, r.steps]), [[alice, [{ kind: 'disable' }]]]);
    assert.equal(emulator.state.changes.length, 0);
  });
});

test('Confluence: a preview builds the plan planUserChanges would and stores nothing; onRefusal throw names every refused row, instanceCannot for a rename', async () => {
  await confluence(async ({ emulator, deps }) => {
    const [alice, bob] = people(emulator);
    const input = { instance: 'wiki', requests: [{ username: alice, deactivate: true }], protection, limits, actor: 'ops' };
    const preview = await previewUserChanges(deps, input);
    assert.deepEqual(preview.planned?.plan.rows.map((r) => [r.username, r.steps]), [[alice, [{ kind: 'disable' }]]]);
    assert.equal(preview.planned?.status, 'planned');
    assert.deepEqual(await deps.store.plans.list(undefined, 100), [], 'nothing stored');
    const stored = await planUserChanges(deps, input);
    assert.deepEqual(stored.planned?.plan.rows, preview.planned?.plan.rows.map((r) => ({ ...r })));

    const unknown = { ...input, requests: [{ username: alice, deactivate: true }, { username: 'nobody-here', deactivate: true }], onRefusal: 'throw' as const };
    await assert.rejects(planUserChanges(deps, unknown), (error: unknown) => {
      assert.ok(error instanceof RequestsRefused);
      assert.deepEqual(error.rows.map((r) => [r.index, r.username]), [[1, 'nobody-here']]);
      assert.equal(error.instanceCannot, false);
      return true;
    });
    const rename = { ...input, requests: [{ username: bob, renameTo: `${bob}-2` }], onRefusal: 'throw' as const };
    await assert.rejects(planUserChanges(deps, rename), (error: unknown) => error instanceof RequestsRefused && error.instanceCannot);
    assert.equal((await planUserChanges(deps, { ...unknown, validOnly: true })).refused, 1, 'validOnly plans the rest, whatever onRefusal says');
    assert.equal(emulator.state.changes.length, 0);
  });
});

test('Confluence: an e-mail change is refused as the instance cannot make it; the plan limits hold a changes plan for approval', async () => {
  await confluence(async ({ emulator, deps }) => {
    const [alice, bob] = people(emulator);
    const refused = await planUserChanges(deps, { instance: 'wiki', requests: [{ username: alice, email: 'a@new.example' }], protection, limits, actor: 'ops' });
    assert.deepEqual(refused.verdicts[0]?.reasons, ['set e-mail to "a@new.example" not possible: Confluence cannot change e-mail addresses over its API here']);
    const held = await planUserChanges(deps, {
      instance: 'wiki',
      requests: [{ username: alice, deactivate: true }, { username: bob, deactivate: true }],
      protection,
      limits: { ...limits, maxActions: 1 },
      actor: 'ops',
    });
    assert.equal(held.planned?.status, 'waiting-approval');
    await assert.rejects(applyPlan(deps, { planId: held.planned?.planId ?? '', limits: { ...limits, maxActions: 1 }, protection }), /waiting for approval/);
    assert.equal(emulator.state.changes.length, 0);
  });
});

test('Confluence: a changes run interrupted before its first row is resumed, and every change arrives once', async () => {
  await confluence(async ({ emulator, deps }) => {
    const [alice, bob] = people(emulator);
    const outcome = await planUserChanges(deps, { instance: 'wiki', requests: [{ username: alice, deactivate: true }, { username: bob, deactivate: true }], protection, limits, actor: 'ops' });
    const stopped = await applyPlan({ ...deps, interrupt: AbortSignal.abort() }, { planId: outcome.planned?.planId ?? '', limits, protection });
    assert.equal(stopped.status, 'stopped');
    assert.equal(emulator.state.changes.length, 0);
    const resumed = await resumeRun(deps, { runId: stopped.runId, protection, limits });
    assert.equal(resumed.status, 'done');
    assert.deepEqual([emulator.state.findUser(alice)?.active, emulator.state.findUser(bob)?.active], [false, false]);
    assert.deepEqual(emulator.state.changes.map((c) => `${c.kind} ${c.username}`).sort(), [`disable ${alice}`, `disable ${bob}`].sort());
  });
});

test('Jira: a domain move changes every writable address of the old domain, refusing the protected ones; undo restores them', async () => {
  await jira(async ({ emulator, deps }) => {
    const before = new Map(emulator.state.allUsers().map((u) => [u.username, u.email]));
    const requests = await emailDomainMoveRequests(deps, { instance: 'jira', from: '@example.com', to: 'new.example' });
    assert.ok(requests.length > 2);
    const all = await planUserChanges(deps, { instance: 'jira', requests, protection, limits: jiraLimits, actor: 'ops' });
    assert.equal(all.planned, null, 'the administrators in the domain refuse the whole move');
    const refusedNames = all.verdicts.filter((v) => v.status === 'refused').map((v) => v.username);
    assert.ok(refusedNames.every((u) => emulator.state.isAdministrator(u) || u === 'admin'), refusedNames.join(', '));

    const valid = await planUserChanges(deps, { instance: 'jira', requests, protection, limits: jiraLimits, actor: 'ops', validOnly: true });
    assert.ok(valid.planned !== null);
    assert.equal(emulator.state.changes.length, 0, 'planning sent nothing');
    const report = await applyPlan(deps, { planId: valid.planned.planId, limits: jiraLimits, protection });
    assert.equal(report.status, 'done', JSON.stringify(report.failures));
    const moved = valid.planned.plan.rows.map((r) => r.username);
    assert.equal(moved.length, requests.length - refusedNames.length);
    for (const user of emulator.state.allUsers()) {
      const old = before.get(user.username) ?? '';
      const expected = moved.includes(user.username) ? old.replace(/@example\.com$/, '@new.example') : old;
      assert.equal(user.email, expected, user.username);
    }
    const undone = await undoRun(deps, { instance: 'jira', scope: { kind: 'run', runId: report.runId }, force: false, actor: 'ops', limits: jiraLimits, protection });
    assert.equal(undone.report?.status, 'done');
    assert.deepEqual(new Map(emulator.state.allUsers().map((u) => [u.username, u.email])), before);
  });
});

test('Jira: a rename and a display name are applied as asked and undone; a rename onto a taken name is refused', async () => {
  await jira(async ({ emulator, deps }) => {
    const [person, other] = emulator.state
      .allUsers()
      .filter((u) => u.directory === JIRA_INTERNAL_DIRECTORY && u.active && !emulator.state.isAdministrator(u.username) && u.username !== 'admin')
      .map((u) => u.username)
      .sort();
    assert.ok(person !== undefined && other !== undefined);
    const taken = await planUserChanges(deps, { instance: 'jira', requests: [{ username: person, renameTo: other }], protection, limits: jiraLimits, actor: 'ops' });
    assert.deepEqual(taken.verdicts[0]?.reasons, [`rename to "${other}" not possible: that name is not usable: it is taken by another user`]);
    const key = emulator.state.findUser(person)?.key;
    const outcome = await planUserChanges(deps, { instance: 'jira', requests: [{ username: person, renameTo: `${person}_old`, displayName: 'Gone Person' }], protection, limits: jiraLimits, actor: 'ops' });
    const report = await applyPlan(deps, { planId: outcome.planned?.planId ?? '', limits: jiraLimits, protection });
    assert.equal(report.status, 'done', JSON.stringify(report.failures));
    assert.equal(emulator.state.findUser(`${person}_old`)?.key, key);
    assert.equal(emulator.state.findUser(`${person}_old`)?.displayName, 'Gone Person');
    const undone = await undoRun(deps, { instance: 'jira', scope: { kind: 'run', runId: report.runId }, force: false, actor: 'ops', limits: jiraLimits, protection });
    assert.equal(undone.report?.status, 'done', JSON.stringify(undone.report?.failures));
    assert.equal(emulator.state.findUser(person)?.key, key);
    assert.notEqual(emulator.state.findUser(person)?.displayName, 'Gone Person');
  });
});
