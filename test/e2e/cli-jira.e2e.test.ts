import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOW, runCli } from './cli-harness.ts';
import { generateJiraOrganisation } from '../../src/emulators/jira-dc/jira-org-generator.ts';
import { startJiraEmulator, type RunningJiraEmulator } from '../../src/emulators/jira-dc/jira-emulator.ts';
import { generateOrganisation } from '../../src/emulators/confluence-dc/org-generator.ts';
import { startConfluenceEmulator, type RunningConfluenceEmulator } from '../../src/emulators/confluence-dc/confluence-emulator.ts';
import type { Plan } from '../../src/domain/plan.ts';
import type { InstanceCheckReport } from '../../src/app/instance-check.ts';
import { JIRA_ROUTE_WORDS } from '../../src/connectors/jira-dc/jira-dc-check-vocabulary.ts';

/**
 * The CLI on a Jira Data Center instance: scan, plan, users and instance check against the Jira emulator, judged by
 * the emulator's organisation (who is inactive, who holds which application), and one config with a Confluence and a
 * Jira instance side by side.
 */

interface PlanJson {
  planId: string;
  plan: Plan;
}

const DAY = 86_400_000;
const INACTIVE_DAYS = 180;
// Only one account administers the generated Jira; the guard's default of two would refuse every plan.
const SAFETY = '{ maxActions: 500, maxPercent: 50, minAdmins: 1 }';

let jira: RunningJiraEmulator;
const dir = mkdtempSync(join(tmpdir(), 'sk-e2e-jira-'));
const env: NodeJS.ProcessEnv = {};

before(async () => {
  jira = await startJiraEmulator({ org: generateJiraOrganisation({ seed: 7, users: 200, now: NOW }) });
  env['JIRA_TOKEN'] = jira.credentials.admin.token;
});
after(async () => {
  await jira.close();
});

function jiraInstance(id = 'tracker'): string {
  return `  ${id}:\n    product: jira-dc\n    url: ${jira.url}\n    auth: { token: \${JIRA_TOKEN} }\n`;
}

function writeJiraConfig(name: string, actions: string, excludedGroups = '[]'): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `store: sqlite:${join(dir, `${name}.db`)}
instances:
${jiraInstance()}policies:
  tracker-inactive:
    instance: tracker
    select: { inactiveDays: ${INACTIVE_DAYS}, neverLoggedInDays: 30 }
    exclude: { users: [svc-backup], groups: ${excludedGroups} }
    actions: ${actions}
safety: ${SAFETY}
`,
  );
  return file;
}

/** The groups that grant a Jira application, lower-case, as the emulator holds them. */
function grantingGroups(): Set<string> {
  return new Set(jira.state.applicationRoles().flatMap((role) => role.groups.map((g) => g.toLowerCase())));
}

/**
 * Who the policy selects, from the emulator itself: active accounts holding a seat in some application, not
 * administrators, not excluded, last logged in more than INACTIVE_DAYS ago. Nobody who never logged in is due on a
 * first scan: Jira's REST API gives no creation date, so the count starts the day Seatkeeper first sees them.
 */
function expectedInactive(now: number): string[] {
  return jira.state
    .allUsers()
    .filter((user) => user.active && jira.state.applicationsOf(user.username).length > 0)
    .filter((user) => !jira.state.isAdministrator(user.username) && user.username !== 'svc-backup')
    .filter((user) => user.lastLogin !== null && now - user.lastLogin.getTime() > INACTIVE_DAYS * DAY)
    .map((user) => user.username)
    .sort();
}

function parsed<T>(result: { code: number; stdout: string; stderr: string }): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    assert.fail(`not JSON (exit ${result.code}): ${result.stdout.slice(0, 500)} ${result.stderr.slice(0, 1500)}`);
  }
}

describe('the CLI on a Jira instance', () => {
  it('scan and plan an inactive-users policy: the rows are the emulator\'s inactive seat holders, each leaving the groups that seat them', async () => {
    const config = writeJiraConfig('plan', '{ removeGroups: license, addGroups: [jira-inactive-users] }');
    const scanned = await runCli(['--config', config, 'scan', '--instance', 'tracker'], env);
    assert.equal(scanned.code, 0, scanned.stdout + scanned.stderr);
    assert.match(scanned.stdout, new RegExp(`users ${jira.state.allUsers().length} `));

    const started = Date.now();
    const planned = await runCli(['--config', config, '--json', 'plan', '--instance', 'tracker'], env);
    assert.equal(planned.code, 0, planned.stdout.slice(-2000) + planned.stderr.slice(-2000));
    const { plan } = parsed<PlanJson>(planned);
    assert.equal(plan.instance, 'tracker');
    assert.equal(jira.state.changes.length, 0, 'planning changed something in Jira');

    const expected = expectedInactive(started);
    assert.ok(expected.length > 10, `the generated organisation should have inactive seat holders, got ${expected.length}`);
    assert.deepEqual(plan.rows.map((row) => row.username).sort(), expected);
    const granting = grantingGroups();
    for (const row of plan.rows) {
      const held = new Set(jira.state.effectiveGroupsOf(row.username).map((g) => g.name.toLowerCase()));
      const removed = row.steps.flatMap((step) => (step.kind === 'remove-group' ? [step.group.toLowerCase()] : []));
      assert.ok(removed.length > 0, `${row.username} loses no group`);
      for (const group of removed) {
        assert.ok(granting.has(group), `${row.username}: ${group} grants no Jira application`);
        assert.ok(held.has(group), `${row.username}: not in ${group}`);
      }
      // Every granting group the user is directly in is left, or the seat would stay.
      const direct = jira.state.groupsOf(row.username).map((g) => g.name.toLowerCase()).filter((g) => granting.has(g));
      for (const group of direct) assert.ok(removed.includes(group), `${row.username} keeps ${group}`);
      assert.ok(row.steps.some((step) => step.kind === 'add-group' && step.group === 'jira-inactive-users'), `${row.username} is not tracked`);
    }

    const printed = await runCli(['--config', config, 'plan', '--no-scan', '--instance', 'tracker'], env);
    assert.equal(printed.code, 0, printed.stderr);
    assert.doesNotMatch(printed.stdout, /Confluence/, 'a Jira plan is printed in Jira\'s words');
  });

  it('users lists every Jira account with its seat and status as the emulator holds them', async () => {
    const config = writeJiraConfig('users', '{ removeGroups: license }');
    assert.equal((await runCli(['--config', config, 'scan'], env)).code, 0);
    const listed = await runCli(['--config', config, '--json', 'users'], env);
    assert.equal(listed.code, 0, listed.stderr);
    const { users } = parsed<{ users: { username: string; licensed: boolean; status: string }[] }>(listed);
    const seen = new Map(users.map((user) => [user.username, user]));
    assert.equal(seen.size, jira.state.allUsers().length);
    for (const user of jira.state.allUsers()) {
      const row = seen.get(user.username);
      assert.ok(row, `${user.username} is not listed`);
      assert.equal(row.status, user.active ? 'active' : 'disabled', user.username);
      assert.equal(row.licensed, user.active && jira.state.applicationsOf(user.username).length > 0, user.username);
    }
  });

  it('instance check prints Jira\'s rows, and --capture keeps no name, key or host of the instance', async () => {
    const config = writeJiraConfig('check', '{ removeGroups: license }');
    const captures = join(dir, 'captures');
    const printed = await runCli(['--config', config, 'instance', 'check', 'tracker', '--capture', captures], env);
    assert.equal(printed.code, 0, printed.stdout + printed.stderr);
    assert.match(printed.stdout, /^tracker \(Jira 10\.3\.\d+\): PASS/m);
    assert.match(printed.stdout, /PASS {2}version \(\/rest\/api\/2\/serverInfo\)/);
    assert.match(printed.stdout, /application roles and seats .*"jira-software"/);
    assert.doesNotMatch(printed.stdout, /Confluence/);
    assert.doesNotMatch(printed.stdout, /\*\*\*/, 'no row text is mistaken for a secret');

    const json = parsed<{ instances: InstanceCheckReport[] }>(await runCli(['--config', config, '--json', 'instance', 'check', 'tracker'], env));
    const report = json.instances[0];
    assert.ok(report);
    assert.equal(report.verdict, 'pass');
    assert.deepEqual(report.rows.filter((row) => row.verdict === 'fail'), []);
    assert.equal(jira.state.changes.length, 0, 'the check wrote to Jira');

    const files = readdirSync(join(captures, 'tracker'));
    assert.ok(files.some((file) => file.startsWith('rest-api-2-serverinfo')), files.join(' '));
    assert.ok(files.some((file) => file.startsWith('rest-api-2-applicationrole')), files.join(' '));
    const text = files.map((file) => readFileSync(join(captures, 'tracker', file), 'utf8')).join('\n');
    assert.equal(text.includes(new URL(jira.url).host), false, 'the host is in a capture');
    assert.equal(text.includes(jira.credentials.admin.token), false, 'the token is in a capture');
    const leaked = jira.state
      .allUsers()
      .flatMap((user) => [user.username, user.email, user.displayName, ...(user.key.startsWith('JIRAUSER') ? [user.key] : [])])
      .filter((value) => value.length > 3 && !JIRA_ROUTE_WORDS.has(value.toLowerCase()) && text.includes(value));
    assert.deepEqual(leaked, []);
  });

  it('apply and undo of a plan removing one group: Jira holds the removals, then every user\'s groups as before', async () => {
    // Users seated through any other granting group are excluded, so removing this one group frees each row's seat.
    const config = writeJiraConfig('apply', '{ removeGroups: [jira-software-users] }', '[staff, ldap-jira-users, support-agents, jira-servicedesk-users]');
    const groupsBefore = new Map(jira.state.allUsers().map((user) => [user.username, jira.state.groupsOf(user.username).map((g) => g.name).join(',')]));
    const { planId, plan } = parsed<PlanJson>(await runCli(['--config', config, '--json', 'plan'], env));
    assert.ok(plan.rows.length > 5, `expected users to remove, got ${plan.rows.length}`);
    const from = jira.state.changes.length;
    const applied = await runCli(['--config', config, '--json', 'apply', '--plan', planId], env);
    assert.equal(applied.code, 0, applied.stdout.slice(-2000) + applied.stderr.slice(-2000));
    const changes = jira.state.changes.slice(from).map((c) => `${c.kind} ${c.username} ${c.group ?? ''}`).sort();
    const stepsPlanned = plan.rows.flatMap((row) => row.steps.map((step) => `${step.kind} ${row.username} ${'group' in step ? step.group : ''}`)).sort();
    assert.equal(changes.length, stepsPlanned.length);
    for (const row of plan.rows) {
      assert.equal(jira.state.groupsOf(row.username).some((g) => g.name === 'jira-software-users'), false, `${row.username} is still in jira-software-users`);
    }

    const report = parsed<{ runId: string }>(applied);
    assert.ok(report.runId, applied.stdout.slice(0, 500));
    const undone = await runCli(['--config', config, '--json', 'undo', '--run', report.runId], env);
    assert.equal(undone.code, 0, undone.stdout.slice(-2000) + undone.stderr.slice(-2000));
    const groupsAfter = new Map(jira.state.allUsers().map((user) => [user.username, jira.state.groupsOf(user.username).map((g) => g.name).join(',')]));
    assert.deepEqual(groupsAfter, groupsBefore);
  });
});

describe('one config with a Confluence and a Jira instance', () => {
  let confluence: RunningConfluenceEmulator;
  before(async () => {
    confluence = await startConfluenceEmulator({ org: generateOrganisation({ seed: 7, users: 150, now: NOW }) });
    env['WIKI_TOKEN'] = confluence.credentials.admin.token;
  });
  after(async () => {
    await confluence.close();
  });

  it('scan without --instance scans both, each with its own product\'s reading', async () => {
    const file = join(dir, 'both.yaml');
    writeFileSync(
      file,
      `store: sqlite:${join(dir, 'both.db')}
instances:
  wiki:
    product: confluence-dc
    url: ${confluence.url}
    auth: { token: \${WIKI_TOKEN} }
${jiraInstance()}`,
    );
    const scanned = await runCli(['--config', file, '--json', 'scan'], env);
    assert.equal(scanned.code, 0, scanned.stdout.slice(-2000) + scanned.stderr.slice(-2000));
    const { instances } = parsed<{ instances: { instance: string; code: number; result: { scan: { status: string; userCount: number; capabilities: { productName: string } } } }[] }>(scanned);
    const byId = new Map(instances.map((entry) => [entry.instance, entry.result.scan]));
    assert.deepEqual([...byId.keys()].sort(), ['tracker', 'wiki']);
    assert.equal(byId.get('wiki')?.status, 'complete');
    assert.equal(byId.get('tracker')?.status, 'complete');
    assert.equal(byId.get('wiki')?.capabilities.productName, 'Confluence');
    assert.equal(byId.get('tracker')?.capabilities.productName, 'Jira');
    assert.equal(byId.get('wiki')?.userCount, confluence.state.allUsers().length);
    assert.equal(byId.get('tracker')?.userCount, jira.state.allUsers().length);
  });
});
