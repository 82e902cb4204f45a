import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../config/config-schema.ts';
import { systemClock } from '../app/clock.ts';
import { InvalidInput } from '../domain/errors.ts';
import { openRuntime } from './runtime.ts';
import { instanceRegistry, instanceEntry, connectInstance, checkableProducts } from './instance-registry.ts';
import { connectDirectory } from './directory-registry.ts';

function configIn(dir: string) {
  return configSchema.parse({
    store: `sqlite:${join(dir, 'seatkeeper.db')}`,
    instances: {
      wiki: { product: 'confluence-dc', url: 'http://127.0.0.1:9/confluence', auth: { token: 't' }, concurrency: 3 },
      tracker: { product: 'jira-dc', url: 'http://127.0.0.1:9/jira', auth: { token: 't' } },
    },
    directories: { hr: { kind: 'http', url: 'http://127.0.0.1:9/people' }, okta: { kind: 'okta', domain: 'example.okta.com' } },
    policies: { inactive: { instance: 'wiki', select: { inactiveDays: 90 } }, 'okta-leavers': { instance: 'wiki', select: { orgStatus: ['disabled'], via: 'okta' } } },
  });
}

test('openRuntime reads the record key on the first use only: opening and reading leave no key file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sk-runtime-'));
  const keyFile = join(dir, 'seatkeeper.key');
  const runtime = await openRuntime(configIn(dir), { rehearsal: false, clock: systemClock, keyFile });
  try {
    assert.deepStrictEqual(await runtime.store.plans.list(undefined, 5), []);
    assert.equal(existsSync(keyFile), false, 'nothing asked for the key yet');
    runtime.key();
    assert.equal(existsSync(keyFile), true, 'the first use creates it');
    assert.equal(runtime.concurrency('wiki'), 3);
    assert.equal(runtime.policy('inactive').select.inactiveDays, 90);
    assert.throws(() => runtime.policy('okta-leavers'), (error: unknown) => error instanceof InvalidInput && /cannot run yet/.test(error.message));
  } finally {
    await runtime.close();
  }
});

test('the instance registry\'s default capabilities are what each product\'s connector says before it has read the instance', async () => {
  const config = configIn(mkdtempSync(join(tmpdir(), 'sk-runtime-')));
  const seen: string[] = [];
  for (const [id, settings] of Object.entries(config.instances)) {
    const connector = connectInstance(id, settings);
    try {
      assert.deepStrictEqual(instanceEntry(settings.product).capabilities(settings), connector.capabilities);
      seen.push(`${settings.product}:${connector.capabilities.productName}`);
    } finally {
      await connector.close();
    }
  }
  assert.deepStrictEqual(seen, ['confluence-dc:Confluence', 'jira-dc:Jira']);
});

test('every product of the config schema has a registry entry with a check and a redaction vocabulary of its own', () => {
  assert.deepStrictEqual(Object.keys(instanceRegistry), ['confluence-dc', 'jira-dc']);
  assert.deepStrictEqual(checkableProducts(), ['confluence-dc', 'jira-dc']);
  assert.notEqual(instanceRegistry['jira-dc'].vocabulary.origin, instanceRegistry['confluence-dc'].vocabulary.origin);
});

test('the directory registry connects http directories and refuses a kind the config accepts but no connector reads yet', () => {
  const config = configIn(mkdtempSync(join(tmpdir(), 'sk-runtime-')));
  assert.equal(connectDirectory('hr', config.directories['hr']).id, 'hr');
  assert.throws(() => connectDirectory('okta', config.directories['okta']), (error: unknown) => {
    assert.ok(error instanceof InvalidInput);
    assert.equal(error.message, 'directory "okta" cannot be read yet');
    assert.deepStrictEqual(error.problems, ['only kind: http directories are connected so far']);
    return true;
  });
});
