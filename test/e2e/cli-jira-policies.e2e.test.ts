// Policies on Jira Data Center end to end: one that frees a single application's seats, and one that deactivates and
// renames, interrupted part-way, resumed and undone. Judged by the Jira emulator's accounts, groups and applications.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NOW, runCli, type CliResult } from './cli-harness.ts';
import { generateJiraOrganisation } from '../../src/emulators/jira-dc/jira-org-generator.ts';
import { startJiraEmulator, type RunningJiraEmulator } from '../../src/emulators/jira-dc/jira-emulator.ts';
import type { JiraChangeRecord } from '../../src/emulators/jira-dc/jira-model.ts';
import type { Plan } from '../../src/domain/plan.ts';

const DAY = 86_400_000;
const INACTIVE_DAYS = 180;
const SERVICE_DESK = 'jira-servicedesk';
// Only one account administers the generated Jira; the guard's default of two would refuse every plan.
const SAFETY = '{ maxActions: 500, maxPercent: 50, minAdmins: 1 }';

interface PlanJson {
  planId: string;
  plan: Plan;
}

const dir = mkdtempSync(join(tmpdir(), 'sk-e2e-jira-policies-'));

function parsed<T>(result: CliResult): T {
  assert.equal(result.code, 0, result.stdout.slice(-2000) + result.stderr.slice(-2000));
  return JSON.parse(result.stdout) as T;
}

function writeJiraConfig(jira: RunningJiraEmulator, name: string, policy: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `store: sqlite:${join(dir, `${name}.db`)}
instances:
  tracker:
    product: jira-dc
    url: ${jira.url}
    auth: { token: \${JIRA_TOKEN} }
policies:
${policy}safety: ${SAFETY}
`,
  );
  return file;
}

/** Every account by its key (stable across renames): name, active flag, direct groups and the applications it holds. */
function accounts(jira: RunningJiraEmulator): Map<string, { username: string; active: boolean; groups: string; applications: string }> {
  return new Map(
    jira.state.allUsers().map((user) => [
      user.key,
      {
        username: user.username,
        active: user.active,
        groups: jira.state.groupsOf(user.username).map((g) => g.name).sort().join(','),
        applications: [...jira.state.applicationsOf(user.username)].sort().join(','),
      },
    ]),
  );
}

/** Inactive seat holders of `application` per the emulator: active, not administrators, last login over the threshold. */
function inactiveHolders(jira: RunningJiraEmulator, application: string | null): string[] {
  const now = Date.now();
  return jira.state
    .allUsers()
    .filter((user) => user.active && !jira.state.isAdministrator(user.username))
    .filter((user) => (application === null ? jira.state.applicationsOf(user.username).length > 0 : jira.state.applicationsOf(user.username).includes(application)))
    .filter((user) => user.lastLogin !== null && now - user.lastLogin.getTime() > INACTIVE_DAYS * DAY)
    .map((user) => user.username)
    .sort();
}

describe('a policy for one application (jira-servicedesk)', () => {
  let jira: RunningJiraEmulator;
  const env: NodeJS.ProcessEnv = {};
  before(async () => {
    // Every account in the internal directory, many of them agents: their groups can be changed through Jira.
    jira = await startJiraEmulator({ org: generateJiraOrganisation({ seed: 5, users: 160, now: NOW, ldapShare: 0, agentShare: 0.5 }) });
    env['JIRA_TOKEN'] = jira.credentials.admin.token;
  });
  after(async () => {
    await jira.close();
  });

  it('plan, apply and undo: the inactive agents lose Jira Service Management and keep Jira Software, then have it back', async () => {
    const config = writeJiraConfig(
      jira,
      'agents',
      `  inactive-agents:
    instance: tracker
    application: ${SERVICE_DESK}
    select: { inactiveDays: ${INACTIVE_DAYS} }
    actions: { removeGroups: license }
`,
    );
    const before = accounts(jira);
    assert.equal((await runCli(['--config', config, 'scan'], env)).code, 0);
    const { planId, plan } = parsed<PlanJson>(await runCli(['--config', config, '--json', 'plan', '--no-scan'], env));
    const expected = inactiveHolders(jira, SERVICE_DESK);
    assert.ok(expected.length >= 3, `the organisation has ${expected.length} inactive agents`);
    assert.deepEqual(plan.rows.map((r) => r.username).sort(), expected);
    for (const row of plan.rows) {
      assert.deepEqual(row.steps, [{ kind: 'remove-group', group: 'jira-servicedesk-users' }], row.username);
      assert.deepEqual(row.freesApplications, [SERVICE_DESK], row.username);
    }
    const bothBefore = plan.rows.filter((r) => jira.state.applicationsOf(r.username).includes('jira-software'));
    assert.ok(bothBefore.length > 0, 'some inactive agents also hold Jira Software');

    // Seats per application, counted as the emulator holds them.
    const agents = jira.state.allUsers().filter((u) => u.active && jira.state.applicationsOf(u.username).includes(SERVICE_DESK)).length;
    const printed = await runCli(['--config', config, 'plan', '--no-scan'], env);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, new RegExp(`^  Seats of Jira Service Management: ${agents} → ${agents - plan.rows.length}$`, 'm'));
    const software = jira.state.allUsers().filter((u) => u.active && jira.state.applicationsOf(u.username).includes('jira-software')).length;
    assert.match(printed.stdout, new RegExp(`^  Seats of Jira Software: ${software} → ${software}$`, 'm'));

    const applied = await runCli(['--config', config, '--json', 'apply', '--plan', planId], env);
    const report = parsed<{ runId: string; status: string }>(applied);
    assert.equal(report.status, 'done');
    const afterApply = accounts(jira);
    const rowUsers = new Set(plan.rows.map((r) => r.username));
    for (const [key, was] of before) {
      const now = afterApply.get(key);
      if (!rowUsers.has(was.username)) {
        assert.deepEqual(now, was, `${was.username} was not in the plan and changed`);
        continue;
      }
      const held = (now?.applications ?? '').split(',');
      assert.equal(held.includes(SERVICE_DESK), false, `${was.username} still holds Jira Service Management`);
      assert.equal(held.includes('jira-software'), was.applications.split(',').includes('jira-software'), `${was.username}: Jira Software changed`);
      assert.equal(now?.active, true);
    }
    const listed = await runCli(['--config', config, 'apply', '--plan', planId], env);
    assert.notEqual(listed.code, 0, 'an applied plan is not applied twice');

    const undone = await runCli(['--config', config, '--json', 'undo', '--run', report.runId], env);
    assert.equal(undone.code, 0, undone.stdout.slice(-2000) + undone.stderr.slice(-2000));
    assert.deepEqual(accounts(jira), before);
  });

  it('an application the instance does not have: the plan says so and changes nothing', async () => {
    const config = writeJiraConfig(
      jira,
      'unknown-app',
      `  inactive-core:
    instance: tracker
    application: jira-core
    select: { inactiveDays: ${INACTIVE_DAYS} }
    actions: { removeGroups: license }
`,
    );
    const from = jira.state.changes.length;
    const planned = await runCli(['--config', config, 'plan'], env);
    assert.equal(planned.code, 2, planned.stdout + planned.stderr);
    assert.match(planned.stdout + planned.stderr, /policies\.inactive-core\.application: instance tracker has no application "jira-core"; it has jira-servicedesk \(Jira Service Management\), jira-software \(Jira Software\)/);
    assert.equal(jira.state.changes.length, from);
  });
});

/** Starts `seatkeeper ...args`; `interrupt` sends SIGINT as Ctrl-C in a terminal does. */
function startCli(args: readonly string[], env: NodeJS.ProcessEnv): { done: Promise<CliResult>; interrupt: () => void } {
  const bin = fileURLToPath(new URL('../../bin/seatkeeper.mjs', import.meta.url));
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, SEATKEEPER_FROM_SOURCE: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  return { done, interrupt: () => child.kill('SIGINT') };
}

/** Calls `then` once, from inside the emulator, when its change log reaches `count` entries. */
function onChangeCount(jira: RunningJiraEmulator, count: number, then: () => void): void {
  const log = jira.state.changes as JiraChangeRecord[];
  const push = log.push.bind(log);
  let fired = false;
  log.push = (...items: JiraChangeRecord[]): number => {
    const length = push(...items);
    if (!fired && length >= count) {
      fired = true;
      then();
    }
    return length;
  };
}

describe('a policy that deactivates and renames, interrupted, resumed and undone', () => {
  let jira: RunningJiraEmulator;
  const env: NodeJS.ProcessEnv = {};
  before(async () => {
    jira = await startJiraEmulator({ org: generateJiraOrganisation({ seed: 9, users: 160, now: NOW, ldapShare: 0 }) });
    env['JIRA_TOKEN'] = jira.credentials.admin.token;
  });
  after(async () => {
    await jira.close();
  });

  it('each account is untouched or wholly done at the interrupt; resume finishes the rest; undo puts names, flags and groups back', async () => {
    const config = writeJiraConfig(
      jira,
      'rename',
      `  inactive-rename:
    instance: tracker
    select: { inactiveDays: ${INACTIVE_DAYS} }
    actions: { removeGroups: license, deactivate: true, rename: "{username}_inactive_{yyyyMMdd}" }
`,
    );
    const before = accounts(jira);
    const { planId, plan } = parsed<PlanJson>(await runCli(['--config', config, '--json', 'plan'], env));
    assert.deepEqual(plan.rows.map((r) => r.username).sort(), inactiveHolders(jira, null));
    assert.ok(plan.rows.length >= 4, `${plan.rows.length} rows`);
    const renamedTo = new Map<string, string>();
    for (const row of plan.rows) {
      const last = row.steps[row.steps.length - 1];
      assert.ok(last?.kind === 'rename', `${row.username}: the rename is not the last step`);
      assert.match(last.to, new RegExp(`^${row.username.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_inactive_\\d{8}$`));
      assert.equal(row.steps[row.steps.length - 2]?.kind, 'disable', row.username);
      renamedTo.set(row.userKey, last.to);
    }
    const removed = new Map(plan.rows.map((r) => [r.userKey, r.steps.flatMap((s) => (s.kind === 'remove-group' ? [s.group] : []))]));
    const done = (key: string): boolean => {
      const now = accounts(jira).get(key);
      const groups = (now?.groups ?? '').split(',');
      return now !== undefined && now.username === renamedTo.get(key) && !now.active && !(removed.get(key) ?? []).some((g) => groups.includes(g));
    };

    // Slow writes, and Ctrl-C from inside the emulator right after its third change: the run stops part-way.
    jira.faults.latencyMs = 40;
    const from = jira.state.changes.length;
    const applying = startCli(['--config', config, '--json', 'apply', '--plan', planId], env);
    onChangeCount(jira, from + 3, applying.interrupt);
    const stopped = await applying.done;
    jira.faults.latencyMs = 0;
    assert.equal(stopped.code, 130, stopped.stdout + stopped.stderr);
    const runId = (JSON.parse(stopped.stdout) as { runId: string }).runId;
    const rowKeys = [...renamedTo.keys()];
    const whole = rowKeys.filter(done);
    const untouched = rowKeys.filter((key) => JSON.stringify(accounts(jira).get(key)) === JSON.stringify(before.get(key)));
    assert.ok(whole.length >= 1, 'no account was finished before the interrupt');
    assert.ok(untouched.length >= 1, 'every account was finished: the interrupt came too late to test a resume');
    assert.equal(whole.length + untouched.length, rowKeys.length, 'an account was left half-changed by the interrupt');

    const resumed = parsed<{ status: string }>(await runCli(['--config', config, '--json', 'resume', runId], env));
    assert.equal(resumed.status, 'done');
    for (const key of rowKeys) assert.ok(done(key), `${before.get(key)?.username} is not renamed, deactivated and out of its licence groups`);
    for (const [key, was] of before) if (!renamedTo.has(key)) assert.deepEqual(accounts(jira).get(key), was, `${was.username} changed`);

    const undone = await runCli(['--config', config, '--json', 'undo', '--run', runId], env);
    assert.equal(undone.code, 0, undone.stdout.slice(-2000) + undone.stderr.slice(-2000));
    assert.deepEqual(accounts(jira), before);
  });
});
