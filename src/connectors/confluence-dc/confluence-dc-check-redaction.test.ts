import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redactCaptures } from '../../app/capture-redaction.ts';
import { startConfluenceEmulator, type RunningConfluenceEmulator } from '../../emulators/confluence-dc/confluence-emulator.ts';
import { generateOrganisation, type OrgSeed } from '../../emulators/confluence-dc/org-generator.ts';
import { leakedIdentities, structureChanges } from '../../../test/support/capture-leaks.ts';
import { confluenceDcConfigSchema } from './confluence-dc-config.ts';
import { checkConfluenceDcInstance } from './confluence-dc-check.ts';
import { CONFLUENCE_REDACTION } from './confluence-dc-check-vocabulary.ts';

// Several hundred users, nested groups, groups with "/", and one user granted "can use" individually (a user subject).
const NOW = new Date('2025-11-26T08:00:00Z');
const generated = generateOrganisation({ seed: 1618, users: 360, now: NOW, slashGroups: 3 });
const granted = generated.users.find((user) => user.role === 'person')?.username ?? 'admin';
const org: OrgSeed = { ...generated, grants: [...generated.grants, { subject: { type: 'user', username: granted }, permission: 'application/use' }] };
const identities = [...org.users.flatMap((user) => [user.username, user.userKey, user.displayName, user.email]), ...org.groups.map((group) => group.name)];

describe('Confluence check captures, redacted', () => {
  const emulators = new Map<string, RunningConfluenceEmulator>();
  before(async () => {
    for (const version of ['8.5', '10.2'] as const) emulators.set(version, await startConfluenceEmulator({ org, version }));
  });
  after(async () => {
    for (const emulator of emulators.values()) await emulator.close();
  });

  for (const version of ['8.5', '10.2'] as const) {
    it(`${version}: no username, user key, display name, e-mail, group name or host survives, and the structure is kept`, async () => {
      const emulator = emulators.get(version);
      assert.ok(emulator);
      const config = confluenceDcConfigSchema.parse({ product: 'confluence-dc', url: emulator.url, auth: { token: emulator.credentials.admin.token }, licenseGroups: ['confluence-users', 'staff'] });
      const outcome = await checkConfluenceDcInstance({ instanceId: 'wiki', config, unwritableGroups: [] });
      assert.equal(outcome.vocabulary, CONFLUENCE_REDACTION);
      assert.ok(outcome.captures.some((capture) => capture.template === '/rest/api/group/{group}/member'));
      const redacted = redactCaptures(outcome.baseUrl, outcome.captures, outcome.vocabulary);
      assert.deepEqual(leakedIdentities(redacted, identities, CONFLUENCE_REDACTION, new URL(emulator.url).host), []);
      assert.deepEqual(structureChanges(outcome.captures, redacted), []);
      const users = redacted.find((capture) => capture.route.startsWith('/rest/api/user/list?'))?.body as { results: { username: string; userKey: string }[] } | undefined;
      assert.ok(users !== undefined && users.results.length > 0);
      assert.ok(users.results.every((user) => /^user-\d{4}$/.test(user.username) && /^key-\d{4}$/.test(user.userKey)), JSON.stringify(users.results.slice(0, 2)));
      assert.equal(new Set(users.results.map((user) => user.username)).size, users.results.length);
    });
  }
});
