// The row runner's last line of defence, against the emulator over real HTTP and a real SQLite store: the account
// changed must be the planned one, someone made administrator after the scan is left alone, and protection matches any
// spelling of a name.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/store-database.ts';
import type { Store } from './store-port.ts';
import type { Plan, PlanRow } from '../domain/plan.ts';
import { hashPlan, verifyPlanHash } from '../domain/plan-hash.ts';
import { inverseOf } from '../domain/action-step.ts';
import { systemClock } from './clock.ts';
import { readAdminGroups, readNestedGroups, runPlanRow, type RowRunnerContext } from './plan-row-runner.ts';
import { startConfluenceEmulator, type RunningConfluenceEmulator } from '../emulators/confluence-dc/confluence-emulator.ts';
import { generateOrganisation } from '../emulators/confluence-dc/org-generator.ts';
import { createConfluenceDcConnector } from '../connectors/confluence-dc/confluence-dc-connector.ts';
import { confluenceDcConfigSchema } from '../connectors/confluence-dc/confluence-dc-config.ts';
import type { InstanceConnector } from './instance-port.ts';
import { LEGACY_CONFLUENCE_CAPABILITIES } from '../domain/instance-capabilities.ts';
import type { Protection } from '../domain/policy.ts';

let store: Store;
let emulator: RunningConfluenceEmulator;
let connector: InstanceConnector;

before(async () => {
  store = await openStore(`sqlite:${join(mkdtempSync(join(tmpdir(), 'sk-row-runner-')), 'seatkeeper.db')}`);
  const org = generateOrganisation({ seed: 11, users: 120, now: new Date() });
  // newsletter sits inside confluence-administrators: its members administer too.
  // And confluence-inactive-users sits inside project phoenix, which a test protects.
  const nesting = [...org.nesting, { parent: 'confluence-administrators', child: 'newsletter' }, { parent: 'project phoenix', child: 'confluence-inactive-users' }];
  emulator = await startConfluenceEmulator({ org: { ...org, nesting } });
  const config = confluenceDcConfigSchema.parse({ product: 'confluence-dc', url: emulator.url, auth: { token: emulator.credentials.admin.token } });
  connector = createConfluenceDcConnector('wiki', config);
});
after(async () => {
  await connector.close();
  await emulator.close();
  await store.close();
});

/** Distinct regular members of confluence-users, one per test. */
function regularMembers(): string[] {
  return emulator.state
    .membersOf('confluence-users')
    .filter((u) => u.active && !emulator.state.isAdministrator(u.username) && u.username !== 'admin' && u.directory === 'Confluence Internal Directory')
    .map((u) => u.username);
}
let next = 0;
function takeUser(): { username: string; userKey: string } {
  const username = regularMembers()[next];
  next += 1;
  assert.ok(username !== undefined, 'the organisation has enough regular members');
  const user = emulator.state.findUser(username);
  assert.ok(user);
  return { username, userKey: user.userKey };
}

function rowFor(user: { username: string; userKey: string }): PlanRow {
  return {
    username: user.username,
    userKey: user.userKey,
    displayName: user.username,
    directory: null,
    policy: 'p',
    reason: { rule: 'inactive', text: 'test', lastLogin: null, referenceDate: null, days: 400, thresholdDays: 365 },
    steps: [{ kind: 'remove-group', group: 'confluence-users' }],
    notes: [],
  };
}

async function runRow(row: PlanRow, protection: Protection = { users: [], groups: [] }): Promise<{ outcome: string; error: string | null }> {
  const body: Omit<Plan, 'hash'> = { kind: 'policy', undoOf: [], instance: 'wiki', scanId: 'scan_row', createdAt: new Date().toISOString(), policies: ['p'], licensedUsers: 1, rows: [row], summaries: [] };
  const planId = await store.plans.save({ ...body, hash: hashPlan(body) }, 'planned');
  const run = await store.journal.startRun({ planId, instance: 'wiki', startedAt: new Date() });
  const context: RowRunnerContext = {
    store,
    connector,
    clock: systemClock,
    runId: run.id,
    application: 'confluence', capabilities: LEGACY_CONFLUENCE_CAPABILITIES,
    connectedAs: 'admin',
    protection,
    adminGroups: await readAdminGroups(connector),
    protectedGroups: await readNestedGroups(connector, protection.groups),
    onSettled: () => {},
  };
  await runPlanRow(context, row);
  const [entry, ...rest] = await store.journal.entries(run.id);
  assert.ok(entry);
  assert.equal(rest.length, 0);
  return { outcome: entry.outcome, error: entry.error };
}

const inGroup = (username: string, group: string): boolean => emulator.state.groupsOf(username).some((g) => g.name === group);

test('a planned change goes through and is read back as the planned account', async () => {
  const user = takeUser();
  assert.deepEqual(await runRow(rowFor(user)), { outcome: 'done', error: null });
  assert.equal(inGroup(user.username, 'confluence-users'), false);
});

test('a name that now leads to another account than planned (deleted and created again, or a proxy) is left alone', async () => {
  const user = takeUser();
  const result = await runRow({ ...rowFor(user), userKey: 'ff8080817b0a0bd3017b0a0c9a2f0000' });
  assert.equal(result.outcome, 'skipped');
  assert.equal(result.error, `${user.username} is now another account (userKey ${user.userKey}, planned ff8080817b0a0bd3017b0a0c9a2f0000): left alone; plan again`);
  assert.equal(inGroup(user.username, 'confluence-users'), true);
});

test('someone made administrator after the scan is protected at run time, through a nested administrators\' group too', async () => {
  const direct = takeUser();
  emulator.state.addMembership(direct.username, 'confluence-administrators');
  const result = await runRow(rowFor(direct));
  assert.equal(result.outcome, 'skipped');
  assert.equal(result.error, 'the user is protected now: member of confluence-administrators, which gives administration');
  assert.equal(inGroup(direct.username, 'confluence-users'), true);

  const nested = takeUser();
  emulator.state.addMembership(nested.username, 'newsletter');
  const viaNesting = await runRow(rowFor(nested));
  assert.equal(viaNesting.outcome, 'skipped');
  assert.equal(viaNesting.error, 'the user is protected now: member of newsletter, which gives administration');
  assert.equal(inGroup(nested.username, 'confluence-users'), true);
});

test('protection matches any spelling of the user or group name', async () => {
  const user = takeUser();
  assert.deepEqual(await runRow(rowFor(user), { users: [user.username.toUpperCase()], groups: [] }), { outcome: 'skipped', error: 'the user is protected now' });
  assert.deepEqual(await runRow(rowFor(user), { users: [], groups: ['CONFLUENCE-Users'] }), { outcome: 'skipped', error: 'the user is protected now' });
  assert.equal(inGroup(user.username, 'confluence-users'), true);
});

test('a write whose read-back shows another account is a failure that names it, and stops the row', async () => {
  const user = takeUser();
  // The instance is real; only the read-back is swapped, as a proxy that sent the write to another account would show it.
  let reads = 0;
  const swapped: InstanceConnector = {
    ...connector,
    readAccountState: async (account, signal) => {
      const state = await connector.readAccountState(account, signal);
      reads += 1;
      return state === null || reads === 1 ? state : { ...state, accountId: 'ff8080817b0a0bd3017b0a0c9a2f9999' };
    },
  };
  const row: PlanRow = { ...rowFor(user), steps: [{ kind: 'remove-group', group: 'confluence-users' }, { kind: 'add-group', group: 'newsletter' }] };
  const body: Omit<Plan, 'hash'> = { kind: 'policy', undoOf: [], instance: 'wiki', scanId: 'scan_row', createdAt: new Date().toISOString(), policies: ['p'], licensedUsers: 1, rows: [row], summaries: [] };
  const planId = await store.plans.save({ ...body, hash: hashPlan(body) }, 'planned');
  const run = await store.journal.startRun({ planId, instance: 'wiki', startedAt: new Date() });
  const failed: string[] = [];
  await runPlanRow({ store, connector: swapped, clock: systemClock, runId: run.id, application: 'confluence', capabilities: LEGACY_CONFLUENCE_CAPABILITIES, connectedAs: 'admin', protection: { users: [], groups: [] }, onSettled: (o) => failed.push(o) }, row);
  const entries = await store.journal.entries(run.id);
  assert.deepEqual(entries.map((e) => [e.seq, e.outcome]), [[0, 'failed'], [1, 'skipped']]);
  const expected = `read again after the change, ${user.username} is another account (userKey ff8080817b0a0bd3017b0a0c9a2f9999, planned ${user.userKey}): check by hand which account was changed`;
  assert.equal(entries[0]?.error, expected);
  assert.equal(entries[1]?.error, expected);
  assert.equal(inGroup(user.username, 'newsletter'), false, 'no further step is sent');
});

test('a member of a group nested inside a protected group is protected at run time', async () => {
  const user = takeUser();
  emulator.state.addMembership(user.username, 'confluence-inactive-users');
  assert.deepEqual(await runRow(rowFor(user), { users: [], groups: ['Project Phoenix'] }), { outcome: 'skipped', error: 'the user is protected now' });
  assert.equal(inGroup(user.username, 'confluence-users'), true);
});

test('no step adds anyone to a group that gives administration now, whatever the plan says', async () => {
  const user = takeUser();
  // As a forged or stale undo row would ask: newsletter is nested inside confluence-administrators.
  const result = await runRow({ ...rowFor(user), steps: [{ kind: 'add-group', group: 'Newsletter' }] });
  assert.deepEqual(result, {
    outcome: 'skipped',
    error: 'not possible: Newsletter gives administration now, and Seatkeeper never adds anyone to it: add the user in Confluence if that is intended',
  });
  assert.equal(inGroup(user.username, 'newsletter'), false);
  assert.equal(emulator.state.isAdministrator(user.username), false);
});

test('a resume against another account behind the name settles nothing on its state', async () => {
  const user = takeUser();
  // The planned account's step, as a crashed run left it: claimed, maybe sent.
  const row: PlanRow = { ...rowFor(user), userKey: 'ff8080817b0a0bd3017b0a0c9a2f1234', steps: [{ kind: 'add-group', group: 'confluence-users' }] };
  const body: Omit<Plan, 'hash'> = { kind: 'policy', undoOf: [], instance: 'wiki', scanId: 'scan_row', createdAt: new Date().toISOString(), policies: ['p'], licensedUsers: 1, rows: [row], summaries: [] };
  const planId = await store.plans.save({ ...body, hash: hashPlan(body) }, 'planned');
  const run = await store.journal.startRun({ planId, instance: 'wiki', startedAt: new Date() });
  await store.journal.claim({ runId: run.id, username: user.username, seq: 0, step: row.steps[0] ?? { kind: 'disable' }, prior: null, at: new Date() });
  const existing = new Map((await store.journal.entries(run.id)).map((e) => [e.seq, e]));
  await runPlanRow({ store, connector, clock: systemClock, runId: run.id, application: 'confluence', capabilities: LEGACY_CONFLUENCE_CAPABILITIES, connectedAs: 'admin', protection: { users: [], groups: [] }, onSettled: () => {} }, row, existing);
  const [entry] = await store.journal.entries(run.id);
  // The account behind the name is in confluence-users already, but that is not the planned account's step done.
  assert.equal(entry?.outcome, 'skipped');
  assert.match(entry?.error ?? '', /is now another account/);
});

test('a step the instance cannot take (as its capabilities say) is not possible and never sent', async () => {
  const user = takeUser();
  const row: PlanRow = { ...rowFor(user), steps: [{ kind: 'disable' }, { kind: 'remove-group', group: 'confluence-users' }] };
  const body: Omit<Plan, 'hash'> = { kind: 'policy', undoOf: [], instance: 'wiki', scanId: 'scan_row', createdAt: new Date().toISOString(), policies: ['p'], licensedUsers: 1, rows: [row], summaries: [] };
  const planId = await store.plans.save({ ...body, hash: hashPlan(body) }, 'planned');
  const run = await store.journal.startRun({ planId, instance: 'wiki', startedAt: new Date() });
  const writes = emulator.stats.writes;
  const capabilities = { ...LEGACY_CONFLUENCE_CAPABILITIES, productName: 'Wiki', disable: false };
  await runPlanRow({ store, connector, clock: systemClock, runId: run.id, application: 'confluence', capabilities, connectedAs: 'admin', protection: { users: [], groups: [] }, onSettled: () => {} }, row);
  const entries = await store.journal.entries(run.id);
  assert.deepEqual(entries.map((e) => [e.seq, e.outcome, e.error]), [
    [0, 'skipped', 'not possible: Wiki cannot deactivate or reactivate accounts over its API here'],
    [1, 'skipped', 'not possible: an earlier step for this user was not possible'],
  ]);
  assert.equal(emulator.stats.writes, writes, 'nothing was sent');
  assert.equal(emulator.state.findUser(user.username)?.active, true);
});

test('the planned account is found by its key: a name that changed since the plan still reaches the same account', async () => {
  const user = takeUser();
  // The plan knew the account under an old name; its key is what identifies it.
  const row: PlanRow = { ...rowFor(user), username: `${user.username}-before-rename` };
  assert.deepEqual(await runRow(row), { outcome: 'done', error: null });
  assert.equal(inGroup(user.username, 'confluence-users'), false);
});

test('protection judges the name the account has now: an account renamed since the plan to a protected name is left alone', async () => {
  const user = takeUser();
  // Planned under its old name; renamed since to a break-glass name.
  const row: PlanRow = { ...rowFor(user), username: `${user.username}-before-rename` };
  assert.deepEqual(await runRow(row, { users: [user.username.toUpperCase()], groups: [] }), { outcome: 'skipped', error: 'the user is protected now' });
  assert.equal(inGroup(user.username, 'confluence-users'), true);
});

test('a plan stored with the old step kinds (revoke-use-grant) reads back unaltered, runs, and its undo (grant of confluence) puts the grant back', async () => {
  const user = takeUser();
  emulator.state.grantPermission(user.username, 'application/use');
  const legacy: PlanRow = { ...rowFor(user), steps: [{ kind: 'revoke-use-grant' }] };
  const body: Omit<Plan, 'hash'> = { kind: 'policy', undoOf: [], instance: 'wiki', scanId: 'scan_row', createdAt: new Date().toISOString(), policies: ['p'], licensedUsers: 1, rows: [legacy], summaries: [] };
  const stored = await store.plans.get(await store.plans.save({ ...body, hash: hashPlan(body) }, 'planned'));
  // Kept as stored, so its hash still holds.
  assert.deepEqual(stored?.plan.rows[0]?.steps, [{ kind: 'revoke-use-grant' }]);
  assert.ok(stored !== null && verifyPlanHash(stored.plan));

  assert.deepEqual(await runRow(legacy), { outcome: 'done', error: null });
  assert.equal(emulator.state.userPermissions(user.username).includes('application/use'), false);
  const [entry] = (await store.journal.listRuns('wiki')).slice(0, 1);
  assert.ok(entry);
  const journaled = (await store.journal.entries(entry.id))[0];
  assert.ok(journaled?.prior);
  assert.equal(journaled.step.kind, 'revoke-use-grant');
  const undo = inverseOf(journaled.step, journaled.prior);
  assert.deepEqual(undo, { kind: 'grant-application', application: 'confluence' });
  assert.deepEqual(await runRow({ ...legacy, steps: [undo] }), { outcome: 'done', error: null });
  assert.equal(emulator.state.userPermissions(user.username).includes('application/use'), true);
});
