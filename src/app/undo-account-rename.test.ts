// `undo --user` finds the account, not the name, on a real store (SQLite and PostgreSQL) against the Jira DC emulator
// over real HTTP: an account renamed by a run is found under its new name and under its old one, and once another
// account has taken the old name (and a scan lists it) each name undoes its own account's changes only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect } from '../../test/support/dialect-fixture.ts';
import { startJiraEmulator, type RunningJiraEmulator } from '../emulators/jira-dc/jira-emulator.ts';
import { generateJiraOrganisation, JIRA_INTERNAL_DIRECTORY } from '../emulators/jira-dc/jira-org-generator.ts';
import type { JiraUser } from '../emulators/jira-dc/jira-model.ts';
import { createJiraDcConnector, type JiraDcConnector } from '../connectors/jira-dc/jira-dc-connector.ts';
import { jiraDcConfigSchema } from '../connectors/jira-dc/jira-dc-config.ts';
import { scanInstance } from './scan-instance.ts';
import { applyPlan } from './apply-plan.ts';
import { planUndo, undoRun } from './undo-run.ts';
import { fixedClock } from './clock.ts';
import { hashPlan } from '../domain/plan-hash.ts';
import type { ActionStep, Plan, PlanRow } from '../domain/plan.ts';
import { DEFAULT_LIMITS, type SafetyLimits } from '../domain/safety-guard.ts';
import type { Protection } from '../domain/policy.ts';
import type { Store } from './store-port.ts';
import type { RecordKey } from '../domain/record-signature.ts';
import { InvalidInput } from '../domain/errors.ts';
import { UntrustedRecord } from './record-signing.ts';

const INSTANCE = 'jira';
const NOW = new Date();
const limits: SafetyLimits = { ...DEFAULT_LIMITS, maxPercent: 100, minAdmins: 1 };
const protection: Protection = { users: [], groups: [] };
const describeStep = (s: ActionStep): string => ('group' in s ? `${s.kind} ${s.group}` : s.kind === 'rename' ? `rename ${s.to}` : s.kind);

describeEachDialect('undo of one user follows the account across a rename and a reused name', (fixture) => {
  let jira: RunningJiraEmulator;
  let connector: JiraDcConnector;
  let store: Store;
  let key: RecordKey;
  const clock = fixedClock(NOW);
  /** The two accounts of the first test, and the name both held. */
  let accounts: { alice: string; other: string; reusedName: string } | undefined;
  const deps = () => ({ store, connector, clock, concurrency: 2, key });

  before(async () => {
    jira = await startJiraEmulator({ org: generateJiraOrganisation({ seed: 23, users: 40, now: NOW }), clock: () => NOW });
    connector = createJiraDcConnector(INSTANCE, jiraDcConfigSchema.parse({ product: 'jira-dc', url: jira.url, auth: { token: jira.credentials.admin.token } }));
    ({ store, key } = fixture());
  });
  after(async () => {
    await connector.close();
    await jira.close();
  });

  /** A writable, active person who is in at least one group, none of them administrators'. */
  function person(skip: readonly string[]): { user: JiraUser; group: string } {
    for (const user of jira.state.allUsers()) {
      if (user.directory !== JIRA_INTERNAL_DIRECTORY || !user.active || jira.state.isAdministrator(user.username) || skip.includes(user.key)) continue;
      const group = jira.state.groupsOf(user.username)[0];
      if (group !== undefined) return { user, group: group.name };
    }
    assert.fail('the organisation has no writable person in a group');
  }

  async function scan(): Promise<string> {
    const result = await scanInstance({ connector, store, clock, concurrency: 2 });
    assert.equal(result.scan.status, 'complete', result.scan.error ?? '');
    return result.scan.id;
  }

  /** A signed plan of one row for the account, on the scan, applied; every step done. */
  async function apply(scanId: string, user: { username: string; key: string; displayName: string }, steps: ActionStep[]): Promise<string> {
    const row: PlanRow = {
      username: user.username, userKey: user.key, displayName: user.displayName, directory: JIRA_INTERNAL_DIRECTORY, policy: 'p', notes: [], steps,
      reason: { rule: 'inactive', text: 'inactive', lastLogin: null, referenceDate: null, days: 100, thresholdDays: 90 },
    };
    const body: Omit<Plan, 'hash'> = { kind: 'policy', undoOf: [], instance: INSTANCE, scanId, createdAt: clock.now().toISOString(), policies: ['p'], licensedUsers: 40, rows: [row], summaries: [] };
    const planId = await store.plans.save({ ...body, hash: hashPlan(body) }, 'planned');
    const report = await applyPlan(deps(), { planId, limits, protection });
    assert.equal(report.status, 'done', JSON.stringify(report));
    return report.runId;
  }

  const undoOf = (username: string) => planUndo(deps(), { instance: INSTANCE, scope: { kind: 'user', username }, force: false, actor: 'ops', protectedGroups: [] });
  const rowsOf = (undo: Awaited<ReturnType<typeof undoOf>>) => undo.plan?.rows.map((r) => [r.userKey, r.steps.map(describeStep)]);

  test('after a rename both names find the account; after its old name is reused each name undoes its own account', async () => {
    const { user: alice, group: aliceGroup } = person([]);
    const oldName = alice.username;
    const newName = `${oldName}_inactive_20261204`;
    const firstScan = await scan();
    // The leavers' run: out of a group, then renamed (the rename step last, as plans put it).
    await apply(firstScan, alice, [{ kind: 'remove-group', group: aliceGroup }, { kind: 'rename', to: newName }]);
    assert.equal(jira.state.findUserByKey(alice.key)?.username, newName);
    const aliceUndo = [[alice.key, [`rename ${oldName}`, `add-group ${aliceGroup}`]]];

    // No scan since the rename: the new name is known from the journal's own rename, the old one from the scan.
    const byNewName = await undoOf(newName);
    assert.deepEqual([byNewName.account?.userKey, byNewName.account?.foundBy], [alice.key, 'journal']);
    assert.deepEqual(rowsOf(byNewName), aliceUndo);
    // Names compare case-insensitively; the account is named as the scan lists it.
    const shouted = await undoOf(oldName.toUpperCase());
    assert.deepEqual([shouted.account?.username, shouted.account?.userKey, rowsOf(shouted)], [oldName, alice.key, aliceUndo]);
    const byOldName = await undoOf(oldName);
    assert.deepEqual([byOldName.account?.userKey, byOldName.account?.foundBy], [alice.key, 'scan']);
    assert.deepEqual(rowsOf(byOldName), aliceUndo);

    // A scan sees the rename: the new name is the scan's; the old one, held by no one, is still hers by the journal.
    await scan();
    assert.deepEqual([(await undoOf(newName)).account?.foundBy, rowsOf(await undoOf(newName))], ['scan', aliceUndo]);
    assert.deepEqual([(await undoOf(oldName)).account?.foundBy, rowsOf(await undoOf(oldName))], ['journal', aliceUndo]);

    // Another account takes the freed name, a scan lists it there, and a run changes it under that name.
    const { user: other, group: otherGroup } = person([alice.key]);
    assert.equal(jira.state.updateUser(other.username, { name: oldName }).result, 'changed');
    const reusedScan = await scan();
    await apply(reusedScan, { username: oldName, key: other.key, displayName: other.displayName }, [{ kind: 'remove-group', group: otherGroup }]);

    // The old name is the new holder's now: its undo is that account's change alone, alice's are not mixed in.
    const byReusedName = await undoOf(oldName);
    assert.deepEqual([byReusedName.account?.userKey, byReusedName.account?.foundBy], [other.key, 'scan']);
    assert.deepEqual(rowsOf(byReusedName), [[other.key, [`add-group ${otherGroup}`]]]);
    // Alice by her current name: her group comes back; the rename back is held, her old name being taken.
    const byAlice = await undoOf(newName);
    assert.deepEqual(rowsOf(byAlice), [[alice.key, [`add-group ${aliceGroup}`]]]);
    assert.match(byAlice.held.map((h) => h.text).join('\n'), new RegExp(`rename back to "${oldName}" not possible: another account \\(key ${other.key}\\)`));

    // Carried out: each undo reaches its own account only.
    const aliceRun = await undoRun(deps(), { instance: INSTANCE, scope: { kind: 'user', username: newName }, force: false, actor: 'ops', limits, protection });
    assert.equal(aliceRun.report?.status, 'done');
    assert.ok(jira.state.groupsOf(newName).some((g) => g.name === aliceGroup), 'alice is back in her group');
    assert.ok(!jira.state.groupsOf(oldName).some((g) => g.name === otherGroup), 'the new holder of the name was not touched');
    assert.equal(jira.state.findUserByKey(alice.key)?.username, newName);
    accounts = { alice: alice.key, other: other.key, reusedName: oldName };
    const otherRun = await undoRun(deps(), { instance: INSTANCE, scope: { kind: 'user', username: oldName }, force: false, actor: 'ops', limits, protection });
    assert.equal(otherRun.report?.status, 'done');
    assert.ok(jira.state.groupsOf(oldName).some((g) => g.name === otherGroup), 'the new holder is back in its group');
    assert.equal(jira.state.findUserByKey(other.key)?.username, oldName);
  });

  test('a name the journal gave to two accounts, which no scan or memory places, is refused naming both keys', async () => {
    // Both accounts of the test above are in the journal under the original name of the first; renamed away now and
    // scanned, nothing but the journal knows that name.
    const holders = await store.journal.holdersOfName(INSTANCE, 'nobody-scanned');
    assert.deepEqual(holders, []);
    const named = jira.state.allUsers().filter((u) => u.username.endsWith('_inactive_20261204'));
    assert.equal(named.length, 1);
    const [renamed] = named;
    assert.ok(renamed !== undefined);
    const oldName = renamed.username.slice(0, -'_inactive_20261204'.length);
    const holder = jira.state.findUser(oldName);
    assert.ok(holder !== undefined);
    assert.equal(jira.state.updateUser(oldName, { name: `${oldName}.moved` }).result, 'changed');
    await scan();
    await assert.rejects(undoOf(oldName), (error: unknown) => {
      assert.ok(error instanceof InvalidInput);
      assert.match(error.message, new RegExp(`2 accounts that had the name ${oldName.replace(/\./g, '\\.')} at different times \\(user keys ${holder.key}, ${renamed.key}\\)`));
      return true;
    });
  });

  test('an entry whose unsigned account column was altered in the database is refused, not undone on another account', async () => {
    assert.ok(accounts !== undefined, 'the first test ran');
    const { execute } = fixture();
    // Someone with write access files alice's entries under the account that holds her old name now.
    await execute('update journal_entries set user_key = $1 where user_key = $2', [accounts.other, accounts.alice]);
    await assert.rejects(undoOf(accounts.reusedName), (error: unknown) => {
      assert.ok(error instanceof UntrustedRecord, String(error));
      assert.match(error.message, new RegExp(`is recorded for account ${accounts?.other ?? ''} but its signed prior state is of account ${accounts?.alice ?? ''}`));
      return true;
    });
  });
});
