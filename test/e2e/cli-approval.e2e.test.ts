import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli, setup, writeConfig } from './cli-harness.ts';
import type { RunningConfluenceEmulator } from '../../src/emulators/confluence-dc/confluence-emulator.ts';
import type { Plan } from '../../src/domain/plan.ts';
import type { Alert } from '../../src/app/store/alert-repository-port.ts';

interface PlanJson {
  planId: string;
  status: string;
  verdict: { ok: boolean; guard?: string };
  plan: Plan;
}

function changeKeys(emulator: RunningConfluenceEmulator): string[] {
  return emulator.state.changes.map((c) => `${c.kind} ${c.username}${c.group ? ` ${c.group}` : ''}`).sort();
}

function plannedKeys(plan: Plan): string[] {
  return plan.rows.flatMap((r) => r.steps.map((s) => `${s.kind} ${r.username}${'group' in s ? ` ${s.group}` : ''}`)).sort();
}

async function openAlerts(config: string, env: NodeJS.ProcessEnv): Promise<Alert[]> {
  const listed = await runCli(['--config', config, '--json', 'alerts'], env);
  assert.equal(listed.code, 0, listed.stderr);
  return JSON.parse(listed.stdout) as Alert[];
}

test('a plan over the limit waits; approve releases it; apply then runs exactly the approved plan', async () => {
  // No read-only LDAP users: every planned step can be carried out, so the change record is the whole plan.
  const { dir, emulator, env } = await setup({ users: 300, seed: 11, ldapShare: 0 });
  try {
    const config = writeConfig({ dir, emulator, safety: '{ maxActions: 5, maxPercent: 20 }' });
    const shown = await runCli(['--config', config, '--as', 'alice', 'plan'], env);
    assert.equal(shown.code, 3, shown.stdout + shown.stderr);
    const shownId = /Plan (plan_\w+)/.exec(shown.stdout)?.[1];
    assert.ok(shownId);
    assert.match(shown.stdout, /Waiting for approval \(safety\.maxActions\): the plan changes \d+ users; safety\.maxActions allows 5\./);
    assert.ok(shown.stdout.includes(`An admin releases it with: seatkeeper --config ${config} approve ${shownId}`), shown.stdout);

    const planned = await runCli(['--config', config, '--json', '--as', 'alice', 'plan', '--no-scan'], env);
    assert.equal(planned.code, 3, planned.stderr);
    const { planId, status, plan } = JSON.parse(planned.stdout) as PlanJson;
    assert.equal(status, 'waiting-approval');
    assert.ok(plan.rows.length > 5);
    assert.equal(emulator.state.changes.length, 0, 'a waiting plan changed something');

    const early = await runCli(['--config', config, 'apply', '--plan', planId], env);
    assert.equal(early.code, 3, early.stdout + early.stderr);
    assert.match(early.stderr, new RegExp(`stopped by safety\\.maxActions: plan ${planId} is waiting for approval: seatkeeper approve ${planId}`));
    assert.equal(emulator.state.changes.length, 0);

    const alerts = await openAlerts(config, env);
    const waiting = alerts.filter((a) => a.kind === 'safety.maxActions');
    // Deduplicated per scan and guard: two plans and an apply on one scan, one alert.
    assert.equal(waiting.length, 1, JSON.stringify(alerts));
    assert.match(waiting[0]!.message, new RegExp(`plan ${shownId} is waiting for approval`));

    const approved = await runCli(['--config', config, 'approve', planId, '--as', 'bob'], env);
    assert.equal(approved.code, 0, approved.stdout + approved.stderr);
    assert.match(approved.stdout, new RegExp(`Plan ${planId} for wiki approved by bob at \\d{4}-.* \\(made by alice;`));

    // The limit is still 5 in the config: an approved plan is not held to it again.
    const applied = await runCli(['--config', config, '--json', 'apply', '--plan', planId], env);
    assert.equal(applied.code, 0, applied.stdout.slice(-2000) + applied.stderr);
    assert.deepStrictEqual(changeKeys(emulator), plannedKeys(plan));

    const twice = await runCli(['--config', config, 'approve', planId, '--as', 'bob'], env);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, new RegExp(`plan ${planId} was already applied`));

    const acked = await runCli(['--config', config, 'alerts', 'ack', String(waiting[0]!.id)], env);
    assert.equal(acked.code, 0, acked.stderr);
    assert.match(acked.stdout, new RegExp(`Alert #${waiting[0]!.id} acknowledged by `));
    assert.deepStrictEqual((await openAlerts(config, env)).filter((a) => a.kind === 'safety.maxActions'), []);
    const none = await runCli(['--config', config, 'alerts', '--instance', 'wiki'], env);
    assert.match(none.stdout, /No open alerts for wiki\./);
  } finally {
    await emulator.close();
  }
});

test('four eyes: the approver proves who they are with an operator token; neither the plan maker nor the last changer of its policy may approve; someone else may', async () => {
  const { dir, emulator, env } = await setup({ users: 300, seed: 11 });
  try {
    const config = writeConfig({ dir, emulator, safety: '{ maxActions: 5, maxPercent: 20, fourEyes: true }' });
    const tokens: Record<string, string> = {};
    for (const [name, role, scope] of [['alice', 'operator', 'operate'], ['carol', 'operator', 'operate'], ['bob', 'operator', 'operate'], ['vic', 'viewer', 'read']] as const) {
      assert.equal((await runCli(['--config', config, 'admin', 'create', name, '--role', role], env, 'a long enough passphrase\n')).code, 0);
      const issued = await runCli(['--config', config, '--json', 'token', 'create', '--admin', name, '--scope', scope], env);
      tokens[name] = (JSON.parse(issued.stdout) as { token: string }).token;
    }
    // A plan's maker proves who they are too: a plan made under a colleague's name could otherwise be approved by its
    // real maker. Without a token nothing is planned, and --as never overrides the token's owner.
    const nameOnly = await runCli(['--config', config, '--as', 'carol', 'plan'], env);
    assert.equal(nameOnly.code, 2, nameOnly.stdout + nameOnly.stderr);
    assert.match(nameOnly.stderr, /safety\.fourEyes: a plan's maker must be identified: set SEATKEEPER_TOKEN to an API token of an operator/);
    const viewerPlan = await runCli(['--config', config, 'plan'], { ...env, SEATKEEPER_TOKEN: tokens.vic });
    assert.equal(viewerPlan.code, 2, viewerPlan.stdout + viewerPlan.stderr);
    assert.match(viewerPlan.stderr, /making a plan needs an operator; the token of vic acts as viewer/);
    // carol plans first: the policy is new to Seatkeeper, so carol is recorded as its last changer.
    const first = await runCli(['--config', config, 'plan'], { ...env, SEATKEEPER_TOKEN: tokens.carol });
    assert.equal(first.code, 3, first.stdout + first.stderr);
    const planned = await runCli(['--config', config, '--json', '--as', 'bob', 'plan', '--no-scan'], { ...env, SEATKEEPER_TOKEN: tokens.alice });
    const { planId } = JSON.parse(planned.stdout) as PlanJson;
    const made = await runCli(['--config', config, '--json', 'plans'], env);
    const listed = (JSON.parse(made.stdout) as { id: string; createdBy: string | null }[]).find((p) => p.id === planId);
    assert.equal(listed?.createdBy, 'alice', 'the token\'s owner made it, whatever --as said');

    // A name is no proof: --as bob without bob's token is refused.
    const unproven = await runCli(['--config', config, '--as', 'bob', 'approve', planId], env);
    assert.equal(unproven.code, 2, unproven.stdout + unproven.stderr);
    assert.match(unproven.stderr, /safety\.fourEyes: the approver must be identified: set SEATKEEPER_TOKEN to an API token of an operator/);
    const viewer = await runCli(['--config', config, 'approve', planId], { ...env, SEATKEEPER_TOKEN: tokens.vic });
    assert.equal(viewer.code, 2);
    assert.match(viewer.stderr, /approving needs an operator; the token of vic acts as viewer/);

    const byMaker = await runCli(['--config', config, 'approve', planId], { ...env, SEATKEEPER_TOKEN: tokens.alice });
    assert.equal(byMaker.code, 2, byMaker.stdout + byMaker.stderr);
    assert.match(byMaker.stderr, /safety\.fourEyes: alice made this plan; another administrator must approve it/);
    const byChanger = await runCli(['--config', config, 'approve', planId], { ...env, SEATKEEPER_TOKEN: tokens.carol });
    assert.equal(byChanger.code, 2);
    assert.match(byChanger.stderr, /safety\.fourEyes: carol last changed a policy of this plan; another administrator must approve it/);

    // The token decides, whatever --as says.
    const byOther = await runCli(['--config', config, '--as', 'alice', 'approve', planId], { ...env, SEATKEEPER_TOKEN: tokens.bob });
    assert.equal(byOther.code, 0, byOther.stdout + byOther.stderr);
    assert.match(byOther.stdout, /approved by bob/);
    assert.equal(emulator.state.changes.length, 0, 'approval alone changed something');
  } finally {
    await emulator.close();
  }
});

test('a plan older than safety.planTtlHours can be neither approved nor applied', async () => {
  const { dir, emulator, env } = await setup({ users: 300, seed: 11 });
  try {
    const config = writeConfig({ dir, emulator, safety: '{ maxActions: 5, maxPercent: 20, planTtlHours: 0.0001 }' });
    const planned = await runCli(['--config', config, '--json', 'plan'], env);
    const { planId, status } = JSON.parse(planned.stdout) as PlanJson;
    assert.equal(status, 'waiting-approval');
    await sleep(500); // 0.0001 h = 0.36 s
    const approve = await runCli(['--config', config, '--as', 'bob', 'approve', planId], env);
    assert.equal(approve.code, 2, approve.stdout + approve.stderr);
    assert.match(approve.stderr, new RegExp(`plan ${planId} was made \\d+ s ago, longer than safety\\.planTtlHours \\(0\\.0001 h\\) allows: plan again`));
    const apply = await runCli(['--config', config, 'apply', '--plan', planId], env);
    assert.equal(apply.code, 2);
    assert.match(apply.stderr, /longer than safety\.planTtlHours \(0\.0001 h\) allows: plan again/);
    assert.equal(emulator.state.changes.length, 0);
  } finally {
    await emulator.close();
  }
});

test('too few administrators refuses the plan outright, with an alert that alerts lists and ack clears', async () => {
  const { dir, emulator, env } = await setup({ users: 300, seed: 11 });
  try {
    const admins = emulator.state.allUsers().filter((u) => u.active && emulator.state.isAdministrator(u.username)).length;
    const config = writeConfig({ dir, emulator, safety: `{ maxActions: 500, maxPercent: 20, minAdmins: ${admins + 1} }` });
    const planned = await runCli(['--config', config, 'plan'], env);
    assert.equal(planned.code, 3, planned.stdout + planned.stderr);
    const planId = /Plan (plan_\w+)/.exec(planned.stdout)?.[1];
    assert.ok(planId);
    assert.match(planned.stdout, new RegExp(`Refused by safety\\.minAdmins: instance wiki has ${admins} active administrators .*fewer than safety\\.minAdmins = ${admins + 1}`));

    const apply = await runCli(['--config', config, 'apply', '--plan', planId], env);
    assert.equal(apply.code, 3);
    assert.match(apply.stderr, new RegExp(`stopped by safety\\.minAdmins: plan ${planId} was refused: instance wiki has ${admins} active administrators`));
    const approve = await runCli(['--config', config, '--as', 'bob', 'approve', planId], env);
    assert.equal(approve.code, 3);
    assert.match(approve.stderr, /no approval can release it/);
    assert.equal(emulator.state.changes.length, 0);

    const listed = await runCli(['--config', config, 'alerts'], env);
    assert.match(listed.stdout, /1 open alert:\n {2}#(\d+) .* wiki {2}safety\.minAdmins/);
    const id = /#(\d+)/.exec(listed.stdout)?.[1];
    assert.ok(id);
    const acked = await runCli(['--config', config, '--as', 'bob', 'alerts', 'ack', id], env);
    assert.equal(acked.code, 0);
    assert.match(acked.stdout, new RegExp(`Alert #${id} acknowledged by bob`));
    assert.deepStrictEqual(await openAlerts(config, env), []);
    const unknown = await runCli(['--config', config, 'alerts', 'ack', '9999'], env);
    assert.equal(unknown.code, 2);
  } finally {
    await emulator.close();
  }
});
