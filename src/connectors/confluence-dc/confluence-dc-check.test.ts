import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { ConnectorError } from '../../app/connector-error.ts';
import { startConfluenceEmulator, type RunningConfluenceEmulator } from '../../emulators/confluence-dc/confluence-emulator.ts';
import { generateOrganisation } from '../../emulators/confluence-dc/org-generator.ts';
import { confluenceDcConfigSchema } from './confluence-dc-config.ts';
import { checkConfluenceDcInstance } from './confluence-dc-check.ts';

describe('checkConfluenceDcInstance against the emulator', () => {
  const NOW = new Date('2025-11-26T08:00:00Z');
  const org = generateOrganisation({ seed: 31, users: 120, now: NOW, slashGroups: 2 });
  const emulators = new Map<string, RunningConfluenceEmulator>();
  before(async () => {
    for (const version of ['8.5', '10.2'] as const) emulators.set(version, await startConfluenceEmulator({ org, version }));
  });
  after(async () => {
    for (const emulator of emulators.values()) await emulator.close();
  });
  const configFor = (emulator: RunningConfluenceEmulator, token = emulator.credentials.admin.token) =>
    confluenceDcConfigSchema.parse({ product: 'confluence-dc', url: emulator.url, auth: { token }, licenseGroups: ['confluence-users', 'staff'] });
  const verdicts = (rows: readonly { id: string; verdict: string }[]) => Object.fromEntries(rows.map((row) => [row.id, row.verdict]));

  for (const [version, expected] of [
    ['8.5', { 'version-route': 'pass', 'admin-rights': 'pass', 'status-values': 'pass', 'email-presence': 'pass', 'last-login': 'skip', 'total-count': 'pass', 'page-caps': 'pass', 'member-lists': 'pass', 'permission-subjects': 'skip', 'slash-groups': 'warn', 'licence-counts': 'pass', writes: 'skip' }],
    // This organisation grants "can use" to one user individually, so the 9.3+ permissions API can tell.
    ['10.2', { 'version-route': 'pass', 'admin-rights': 'pass', 'status-values': 'pass', 'email-presence': 'pass', 'last-login': 'pass', 'total-count': 'pass', 'page-caps': 'pass', 'member-lists': 'pass', 'permission-subjects': 'pass', 'slash-groups': 'warn', 'licence-counts': 'pass', writes: 'skip' }],
  ] as const) {
    it(`${version}: every row, with GET requests only`, async () => {
      const emulator = emulators.get(version)!;
      const before = emulator.stats.requests;
      const outcome = await checkConfluenceDcInstance({ instanceId: 'wiki', config: configFor(emulator), unwritableGroups: [] });
      assert.deepEqual(verdicts(outcome.report.rows), expected);
      assert.equal(outcome.report.verdict, 'warn');
      assert.equal(emulator.stats.writes, 0);
      assert.deepEqual([...emulator.stats.byRoute.keys()].filter((route) => !route.startsWith('GET ')), []);
      // readConfluenceVersion's own reads are not captured: server-information only on 10.2, then the manifest on 8.5.
      assert.equal(outcome.captures.length, emulator.stats.requests - before - (version === '8.5' ? 2 : 1), 'one capture per request');
      const versionRow = outcome.report.rows[0]!;
      assert.match(versionRow.saw, version === '8.5' ? /^8\.5\.16 from applinks-manifest \(server-information \(9\.1\+\): 404/ : /^10\.2\.0 from server-information/);
      assert.match(outcome.report.rows.find((row) => row.id === 'member-lists')!.saw, /^flattened: /);
    });
  }

  it('fails the administrator row for a licensed non-administrator, quoting Confluence', async () => {
    const emulator = emulators.get('10.2')!;
    const outcome = await checkConfluenceDcInstance({ instanceId: 'wiki', config: configFor(emulator, emulator.credentials.user.token), unwritableGroups: [] });
    const row = outcome.report.rows.find((r) => r.id === 'admin-rights')!;
    assert.equal(row.verdict, 'fail');
    assert.match(row.saw, /answered 403/);
    assert.equal(outcome.report.verdict, 'fail');
  });

  it('an unreachable URL is a fixable ConnectorError, not a report', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const config = confluenceDcConfigSchema.parse({ product: 'confluence-dc', url: `http://127.0.0.1:${port}/confluence`, auth: { token: 't' } });
    await assert.rejects(
      checkConfluenceDcInstance({ instanceId: 'wiki', config, unwritableGroups: [] }, { sleep: async () => undefined }),
      (error) => error instanceof ConnectorError && error.fixable && /ECONNREFUSED/.test(error.message),
    );
  });
});
