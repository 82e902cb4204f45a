import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { runCli, setup, writeConfig, unusedPort, NOW } from './cli-harness.ts';
import { generateOrganisation } from '../../src/emulators/confluence-dc/org-generator.ts';
import { startConfluenceEmulator } from '../../src/emulators/confluence-dc/confluence-emulator.ts';

interface InstancesJson {
  instances: { instance: string; code: number; result: { scan?: { instance: string; status: string }; plan?: { instance: string; rows: unknown[] }; error?: string } }[];
}

/** Two Confluence instances in one config (wiki and docs), one policy each; optionally a third that nothing answers. */
async function twoInstances(options: { deadThird?: boolean } = {}) {
  const { dir, emulator, env } = await setup({ users: 200, seed: 11 });
  const docs = await startConfluenceEmulator({ org: generateOrganisation({ seed: 12, users: 150, now: NOW }) });
  const dead = options.deadThird === true ? `http://127.0.0.1:${await unusedPort()}/confluence` : null;
  const extra = `  docs:
    product: confluence-dc
    url: ${docs.url}
    auth: { token: \${DOCS_TOKEN} }
${dead === null ? '' : `  gone:
    product: confluence-dc
    url: ${dead}
    auth: { token: \${DOCS_TOKEN} }
`}`;
  const config = writeConfig({ dir, emulator, extraInstance: extra });
  // A policy on docs beside wiki's inactive-users.
  writeFileSync(
    config,
    readFileSync(config, 'utf8').replace(
      /^safety:/m,
      `  docs-inactive:
    instance: docs
    select: { inactiveDays: 180, neverLoggedInDays: 30 }
    actions: { removeGroups: license, addGroups: [confluence-inactive-users] }
safety:`,
    ),
  );
  return { dir, config, env: { ...env, DOCS_TOKEN: docs.credentials.admin.token }, close: async () => Promise.all([emulator.close(), docs.close()]) };
}

test('scan and plan without --instance work on every configured instance, each under its own header', async () => {
  const { config, env, close } = await twoInstances();
  try {
    const scan = await runCli(['--config', config, 'scan'], env);
    assert.equal(scan.code, 0, scan.stderr);
    const wikiAt = scan.stdout.indexOf('── wiki ──');
    const docsAt = scan.stdout.indexOf('── docs ──');
    assert.ok(wikiAt >= 0 && docsAt > wikiAt, `headers in config order:\n${scan.stdout}`);

    const plan = await runCli(['--config', config, '--json', 'plan', '--no-scan'], env);
    assert.equal(plan.code, 0, plan.stderr);
    const json = JSON.parse(plan.stdout) as InstancesJson;
    assert.deepEqual(json.instances.map((i) => [i.instance, i.code, i.result.plan?.instance]), [
      ['wiki', 0, 'wiki'],
      ['docs', 0, 'docs'],
    ]);

    // --instance still narrows to one, in the one-instance shape.
    const one = await runCli(['--config', config, '--json', 'plan', '--no-scan', '--instance', 'docs'], env);
    assert.equal(one.code, 0, one.stderr);
    assert.equal((JSON.parse(one.stdout) as { plan: { instance: string } }).plan.instance, 'docs');

    // --policy without --instance plans only the instance that policy belongs to.
    const byPolicy = await runCli(['--config', config, '--json', 'plan', '--no-scan', '--policy', 'docs-inactive'], env);
    assert.equal(byPolicy.code, 0, byPolicy.stderr);
    assert.equal((JSON.parse(byPolicy.stdout) as { plan: { instance: string; policies: string[] } }).plan.instance, 'docs');
  } finally {
    await close();
  }
});

test('an instance that does not answer fails on its own: the others are scanned, and the exit code says one failed', async () => {
  const { config, env, close } = await twoInstances({ deadThird: true });
  try {
    const scan = await runCli(['--config', config, '--json', 'scan'], env);
    const json = JSON.parse(scan.stdout) as InstancesJson;
    const byInstance = new Map(json.instances.map((i) => [i.instance, i]));
    assert.equal(byInstance.get('wiki')?.result.scan?.status, 'complete');
    assert.equal(byInstance.get('docs')?.result.scan?.status, 'complete');
    assert.notEqual(byInstance.get('gone')?.code, 0);
    assert.match(byInstance.get('gone')?.result.error ?? '', /gone/);
    assert.notEqual(scan.code, 0, 'the worst instance sets the exit code');
  } finally {
    await close();
  }
});
