import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-harness.ts';
import { openStore } from '../../src/store/store-database.ts';

const DAY_MS = 86_400_000;

function capture(text: string, pattern: RegExp, what: string): RegExpExecArray {
  const found = pattern.exec(text);
  assert.ok(found, `${what} is missing from:\n${text}`);
  return found;
}

test('demo --exit: both emulators, one config, a scan and a plan of each, rows with reasons, and a config that checks out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sk-e2e-demo-'));
  const demo = await runCli(['demo', '--exit', '--users', '400', '--port', '0', '--dir', dir]);
  assert.equal(demo.code, 0, demo.stdout + demo.stderr);
  const out = demo.stdout;

  const url = capture(out, /^Emulated Confluence Data Center 10\.2 with 400 generated users at (http:\/\/127\.0\.0\.1:\d+\/confluence)$/m, 'the emulator URL')[1];
  const jiraUrl = capture(out, /^Emulated Jira Data Center 10\.3\.\d+ with 400 generated users at (http:\/\/127\.0\.0\.1:\d+\/jira)$/m, 'the Jira emulator URL')[1];
  const configFile = join(dir, 'seatkeeper.yaml');
  assert.match(out, new RegExp(`^Config written to ${configFile.replaceAll('.', '\\.')}$`, 'm'));
  assert.ok(existsSync(configFile));
  assert.ok(readFileSync(configFile, 'utf8').includes(`url: ${url}`), 'the config points at the Confluence emulator');
  assert.ok(readFileSync(configFile, 'utf8').includes(`url: ${jiraUrl}`), 'the config points at the Jira emulator');
  assert.equal(statSync(configFile).mode & 0o777, 0o600, 'the config holds the emulator token: its owner alone reads it');

  const scanId = capture(out, /^Scan (scan_\w+) of demo: complete$/m, 'the scan summary')[1];
  assert.match(out, /^ {2}users 400 · memberships [\d,]+ · last logins from rest$/m);

  const plan = capture(out, /^Plan (plan_\w+) for demo \(scan (scan_\w+) of \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\)$/m, 'the plan header');
  assert.equal(plan[2], scanId, 'the plan is built on the scan just taken');
  const seats = capture(out, /^ {2}licensed users ([\d,]+) of ([\d,]+) seats; one run may change at most ([\d,]+) users \(safety\.(maxActions|maxPercent)\)$/m, 'the licence line');
  const licensed = Number(seats[1]?.replaceAll(',', ''));
  const tier = Number(seats[2]?.replaceAll(',', ''));
  const limit = Number(seats[3]?.replaceAll(',', ''));
  assert.ok(licensed > 0 && licensed <= 400 && licensed <= tier, `licensed ${licensed} of ${tier}`);
  // The demo config says { maxActions: 500, maxPercent: 20 }; the stricter wins.
  assert.equal(limit, Math.min(500, Math.floor(licensed * 0.2)));

  const policy = capture(out, /^ {2}policy inactive-users: selects ([\d,]+) \(inactive ([\d,]+), never logged in ([\d,]+)\)/m, 'the policy summary');
  const [selected, inactive, never] = [policy[1], policy[2], policy[3]].map(Number);
  assert.ok(selected !== undefined && selected > 0, 'the demo organisation has users to reclaim');
  assert.equal(selected, (inactive ?? 0) + (never ?? 0));

  // Each printed row: the user, the policy and the reason, then on the next line what the plan will do to that user.
  const reasons = [
    ...out.matchAll(/^ {2}[\w.-]+ +inactive-users +last login (\d{4}-\d{2}-\d{2}), (\d+) days ago > 180\n {25}→ ([^\n]+)$/gm),
  ];
  assert.equal(reasons.length, Math.min(10, inactive ?? 0), 'the first rows are printed (--rows 10), each with its reason');
  for (const [line, date, days, steps] of reasons) {
    assert.ok(Number(days) > 180, line);
    assert.match(steps ?? '', /add to confluence-inactive-users$/, line);
    const gap = Math.floor((Date.now() - Date.parse(`${date ?? ''}T00:00:00Z`)) / DAY_MS);
    assert.ok(Math.abs(gap - Number(days)) <= 1, `${line}: ${date} is not ${days} days ago`);
  }
  // The Jira instance was scanned and planned by the same `plan` (no --instance plans every instance).
  const jiraScanId = capture(out, /^Scan (scan_\w+) of jira: complete$/m, 'the Jira scan summary')[1];
  assert.match(out, /^ {2}users 400 · memberships [\d,]+ · last logins from rest-per-user$/m);
  const jiraPlan = capture(out, /^Plan (plan_\w+) for jira \(scan (scan_\w+) of \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\)$/m, 'the Jira plan header');
  assert.equal(jiraPlan[2], jiraScanId, 'the Jira plan is built on the Jira scan just taken');
  const jiraPolicy = capture(out, /^ {2}policy jira-inactive: selects ([\d,]+) \(inactive ([\d,]+), never logged in ([\d,]+)\)/m, 'the Jira policy summary');
  assert.ok(Number(jiraPolicy[1]) > 0, 'the Jira organisation has users to reclaim');
  const jiraRows = [...out.matchAll(/^ {2}[\w.-]+ +jira-inactive +last login \d{4}-\d{2}-\d{2}, (\d+) days ago > 180\n {25}→ ([^\n]+)$/gm)];
  assert.equal(jiraRows.length, Math.min(10, Number(jiraPolicy[2])), 'the first Jira rows are printed, each with its reason');
  for (const [line, , steps] of jiraRows) assert.match(steps ?? '', /add to jira-inactive-users$/, line);
  assert.ok(out.includes(`Apply with: npx seatkeeper --config ${configFile} apply --plan ${jiraPlan[1]}\n`), 'the Jira plan has its apply hint');
  const stored = await openStore(`sqlite:${join(dir, 'seatkeeper.db')}`);
  try {
    assert.equal((await stored.plans.latest('demo'))?.id, plan[1]);
    assert.equal((await stored.plans.latest('jira'))?.id, jiraPlan[1]);
  } finally {
    await stored.close();
  }

  // The hint must work as printed, from any folder of the checkout: it names the demo's config, and `npx` finds the CLI.
  assert.ok(out.includes(`Apply with: npx seatkeeper --config ${configFile} apply --plan ${plan[1]}\n`), 'the apply hint names npx and the config');
  assert.doesNotMatch(out, /(^|[^x] )seatkeeper --config/m, 'every hint says npx seatkeeper');

  // --exit stops the emulator; the store the demo wrote stays usable and the config is valid.
  await assert.rejects(fetch(`${url}/rest/api/server-information`), 'the Confluence emulator is still listening after --exit');
  await assert.rejects(fetch(`${jiraUrl}/rest/api/2/serverInfo`), 'the Jira emulator is still listening after --exit');
  const check = await runCli(['--config', configFile, 'config', 'check']);
  assert.equal(check.code, 0, check.stderr);
  assert.equal(check.stdout, `${configFile} is valid\n`);
  const users = await runCli(['--config', configFile, '--json', 'users', '--instance', 'demo', '--inactive-days', '180', '--licensed']);
  assert.equal(users.code, 0, users.stderr);
  const listed = JSON.parse(users.stdout) as { scanId: string; count: number };
  assert.equal(listed.scanId, scanId);
  assert.ok(listed.count >= selected, `${listed.count} inactive seat holders, ${selected} selected`);
});

test('a second demo replaces a store of scans and plans, but refuses to delete one holding runs, saying why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sk-e2e-demo-again-'));
  const args = ['demo', '--exit', '--users', '60', '--port', '0', '--dir', dir];
  const first = await runCli(args);
  assert.equal(first.code, 0, first.stdout + first.stderr);
  const again = await runCli(args);
  assert.equal(again.code, 0, 'a store with only scans and plans is the last demo\'s: it is replaced\n' + again.stderr);

  // A run in the store: its journal is what undoes its changes in the emulator, which may still be running.
  const file = join(dir, 'seatkeeper.db');
  const store = await openStore(`sqlite:${file}`);
  assert.deepStrictEqual(await store.journal.listRuns(), []);
  const latest = await store.plans.latest('demo');
  assert.ok(latest !== null);
  const run = await store.journal.startRun({ planId: latest.id, instance: 'demo', startedAt: new Date() });
  await store.close();

  const refused = await runCli(args);
  assert.equal(refused.code, 2, refused.stdout + refused.stderr);
  assert.match(refused.stderr, new RegExp(`the demo will not delete ${file.replaceAll('.', '\\.')}: it holds 1 run whose journal undo needs`));
  assert.match(refused.stderr, /pass --dir with a new folder for this demo/);
  const kept = await openStore(`sqlite:${file}`);
  try {
    assert.deepStrictEqual((await kept.journal.listRuns()).map((r) => r.id), [run.id], 'the store and its run are still there');
  } finally {
    await kept.close();
  }
});

test('npm run demo builds, then runs the demo command from the build', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts['demo'], 'npm run build && node bin/seatkeeper.mjs demo');
  assert.ok(existsSync(new URL('../../bin/seatkeeper.mjs', import.meta.url)));
});

test('seatkeeper --version prints the version of package.json and exits 0', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const shown = await runCli([flag]);
    assert.deepStrictEqual(shown, { code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  }
});
