import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig } from './config-loader.ts';
import { redactConfig } from './config-redaction.ts';
import { InvalidInput } from '../domain/errors.ts';

const DESIGN_EXAMPLE = `
store: sqlite:./data/seatkeeper.db
instances:
  wiki:
    product: confluence-dc
    url: https://confluence.example.com
    auth: { token: \${CONFLUENCE_TOKEN} }
    licenseGroups: auto
    lastLogin: rest
    concurrency: 4
directories:
  corp-ad:
    kind: ldap
    url: ldaps://dc1.corp.example.com
    bindDn: CN=svc-seatkeeper,OU=Service,DC=corp,DC=example,DC=com
    password: \${AD_PASSWORD}
    baseDn: DC=corp,DC=example,DC=com
    flavor: active-directory
    match: { user: username, directory: sAMAccountName }
policies:
  inactive-users:
    instance: wiki
    select:
      inactiveDays: 90
      neverLoggedInDays: 30
      directories: [Confluence Internal Directory]
      group: confluence-users
    exclude: { users: [svc-backup], groups: [confluence-administrators] }
    actions:
      removeGroups: license
      addGroups: [confluence-inactive-users]
      deactivate: false
    schedule: "0 3 * * *"
  leavers:
    instance: wiki
    select: { orgStatus: [not-found, disabled], via: corp-ad }
    actions:
      removeGroups: all
      addGroups: [confluence-deactivated-users]
      deactivate: true
      rename: "{username}_inactive_{yyyyMMdd}"
safety: { maxActions: 500, maxPercent: 20 }
server: { port: 8080 }
`;

function write(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sk-config-'));
  const file = join(dir, 'seatkeeper.yaml');
  writeFileSync(file, text);
  return file;
}

test('the config of shared/DESIGN.md loads, with secrets interpolated and defaults filled in', () => {
  const config = loadConfig(write(DESIGN_EXAMPLE), { CONFLUENCE_TOKEN: 'pat-123', AD_PASSWORD: 'hunter2' });
  const wiki = config.instances.wiki!;
  assert.deepEqual(wiki.auth, { token: 'pat-123' });
  assert.equal(wiki.pageSize, 1000);
  assert.equal(config.safety.maxShrinkPercent, 10);
  assert.equal(config.policies.leavers!.actions.rename, '{username}_inactive_{yyyyMMdd}');
  assert.equal(config.policies['inactive-users']!.schedule, '0 3 * * *');
  const shown = JSON.stringify(redactConfig(config));
  assert.equal(shown.includes('pat-123'), false);
  assert.equal(shown.includes('hunter2'), false);
});

test('a malformed config lists every problem at once, with its path', () => {
  const bad = `
instances:
  wiki:
    product: confluence-dc
    url: not a url
    auth: { token: \${MISSING_TOKEN} }
    concurrency: 0
policies:
  p1:
    instance: nowhere
    select: {}
    actions: { removeGroups: sometimes }
safety: { maxPercent: 150 }
`;
  assert.throws(
    () => loadConfig(write(bad), {}),
    (error: unknown) => {
      assert.ok(error instanceof InvalidInput);
      const text = error.problems.join('\n');
      for (const expected of [
        'instances.wiki.auth.token: environment variable MISSING_TOKEN is not set',
        'instances.wiki.url:',
        'instances.wiki.concurrency:',
        'policies.p1.actions.removeGroups: removeGroups must be license, all, none or a list of group names',
        'safety.maxPercent:',
        'policies.p1.instance: no instance "nowhere" under instances (known: wiki)',
        'policies.p1.select: set inactiveDays, neverLoggedInDays or orgStatus, or the policy selects nobody',
      ]) {
        assert.ok(text.includes(expected), `missing "${expected}" in:\n${text}`);
      }
      assert.equal(text.includes('token must not be empty'), false, 'an unset variable is reported once');
      assert.equal(error.message, `${error.message.split(' has ')[0]} has ${error.problems.length} problems`);
      return true;
    },
  );
});

test('invalid YAML names the line; a missing file says how to fix it', () => {
  assert.throws(() => loadConfig(write('instances:\n  wiki: [unclosed\n'), {}), /not valid YAML at line/);
  assert.throws(() => loadConfig('/nonexistent/seatkeeper.yaml', {}), /cannot read the config file/);
});

test('via: and instance: name own keys only: toString, constructor or __proto__ are configuration errors, listed at once', () => {
  const config = {
    instances: { wiki: { product: 'confluence-dc', url: 'https://wiki.example.com', auth: { token: 't' } } },
    directories: { hr: { kind: 'http', url: 'https://hr.example.com/people' } },
    policies: {
      a: { instance: 'wiki', select: { orgStatus: ['disabled'], via: 'toString' } },
      b: { instance: 'wiki', select: { orgStatus: ['disabled'], via: 'constructor' } },
      c: { instance: 'hasOwnProperty', select: { inactiveDays: 90 } },
      d: { instance: 'wiki', select: { orgStatus: ['disabled'], via: '__proto__' } },
    },
  };
  assert.throws(
    () => parseConfig(config, {}, 'seatkeeper.yaml'),
    (error: unknown) => {
      assert.ok(error instanceof InvalidInput);
      assert.deepEqual([...error.problems].sort(), [
        'policies.a.select.via: no directory "toString" under directories (known: hr)',
        'policies.b.select.via: no directory "constructor" under directories (known: hr)',
        'policies.c.instance: no instance "hasOwnProperty" under instances (known: wiki)',
        'policies.d.select.via: ids use letters, digits, "-", "_" and "."',
        'policies.d.select.via: no directory "__proto__" under directories (known: hr)',
      ]);
      return true;
    },
  );
});

test('a loaded config has no inherited entries: a policy, instance or directory named toString is simply absent', () => {
  const config = parseConfig(
    {
      instances: { wiki: { product: 'confluence-dc', url: 'https://wiki.example.com', auth: { token: 't' } } },
      policies: { p: { instance: 'wiki', select: { inactiveDays: 90 } } },
    },
    {},
    'seatkeeper.yaml',
  );
  for (const name of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
    assert.equal(config.policies[name], undefined, `policies.${name}`);
    assert.equal(config.instances[name], undefined, `instances.${name}`);
    assert.equal(config.directories[name], undefined, `directories.${name}`);
  }
  assert.deepEqual(Object.keys(config.policies), ['p']);
});

const BOTH_PRODUCTS = `
instances:
  wiki:
    product: confluence-dc
    url: https://confluence.example.com
    auth: { token: \${CONFLUENCE_TOKEN} }
    licenseGroups: [confluence-users]
  tracker:
    product: jira-dc
    url: https://jira.example.com
    auth: { username: seatkeeper, password: \${JIRA_PASSWORD} }
    userListing: search
    adminGroups: [jira-administrators, jira-ops]
policies:
  wiki-inactive: { instance: wiki, select: { inactiveDays: 90 } }
  tracker-inactive: { instance: tracker, select: { inactiveDays: 120 } }
`;

test('a Confluence and a Jira instance side by side load, each with its own keys and defaults', () => {
  const config = loadConfig(write(BOTH_PRODUCTS), { CONFLUENCE_TOKEN: 'pat-1', JIRA_PASSWORD: 'jira-secret' });
  const wiki = config.instances.wiki!;
  const tracker = config.instances.tracker!;
  assert.equal(wiki.product, 'confluence-dc');
  assert.equal(tracker.product, 'jira-dc');
  if (wiki.product !== 'confluence-dc' || tracker.product !== 'jira-dc') return;
  assert.deepEqual(wiki.licenseGroups, ['confluence-users']);
  assert.deepEqual(tracker.auth, { username: 'seatkeeper', password: 'jira-secret' });
  assert.equal(tracker.userListing, 'search');
  assert.equal(tracker.userSearchQuery, '.');
  assert.deepEqual(tracker.adminGroups, ['jira-administrators', 'jira-ops']);
  assert.equal(tracker.pageSize, 1000);
  assert.deepEqual(Object.keys(config.policies).map((id) => config.policies[id]!.instance), ['wiki', 'tracker']);
  const shown = JSON.stringify(redactConfig(config));
  assert.equal(shown.includes('jira-secret'), false);
  assert.equal(shown.includes('pat-1'), false);
});

test('Jira keys are checked with their paths, and neither product takes the other\'s keys', () => {
  const bad = {
    instances: {
      tracker: { product: 'jira-dc', url: 'https://jira.example.com', auth: { token: 't' }, userListing: 'sometimes', userSearchQuery: '', adminGroups: [], licenseGroups: 'auto' },
      probe: { product: 'jira-dc', url: 'https://jira2.example.com', auth: { token: 't' }, userSearchQuery: 'a\u0007b', adminGroups: [''] },
      wiki: { product: 'confluence-dc', url: 'https://wiki.example.com', auth: { token: 't' }, userListing: 'list' },
      cloud: { product: 'jira-cloud', url: 'https://x.atlassian.net', auth: { token: 't' } },
    },
  };
  assert.throws(
    () => parseConfig(bad, {}, 'seatkeeper.yaml'),
    (error: unknown) => {
      assert.ok(error instanceof InvalidInput);
      assert.deepEqual([...error.problems].sort(), [
        'instances.cloud.product: product must be confluence-dc or jira-dc (Confluence Cloud and Jira Cloud come later)',
        'instances.probe.adminGroups.0: an admin group name must not be empty',
        'instances.probe.userSearchQuery: userSearchQuery must not contain control characters',
        'instances.tracker.adminGroups: adminGroups must name at least one group',
        'instances.tracker.userListing: Invalid option: expected one of "auto"|"list"|"search"',
        'instances.tracker.userSearchQuery: userSearchQuery must not be empty',
        'instances.tracker: jira-dc instances have no key "licenseGroups" (a confluence-dc key)',
        'instances.wiki: confluence-dc instances have no key "userListing" (a jira-dc key)',
      ]);
      return true;
    },
  );
});

test('a policy for one application may remove only the groups that grant it, and may not deactivate', () => {
  const config = (actions: string) => `
instances:
  tracker:
    product: jira-dc
    url: https://jira.example.com
    auth: { token: secret }
policies:
  agents:
    instance: tracker
    application: jira-servicedesk
    select: { inactiveDays: 90 }
    actions: ${actions}
`;
  assert.doesNotThrow(() => loadConfig(write(config('{ removeGroups: license }')), {}));
  for (const [actions, expected] of [
    ['{ removeGroups: all }', 'policies.agents.actions.removeGroups: a policy with application: jira-servicedesk frees only that application\'s seats: removeGroups must be license (the groups that grant it), not "all"'],
    ['{ removeGroups: [jira-users] }', 'policies.agents.actions.removeGroups: a policy with application: jira-servicedesk frees only that application\'s seats: removeGroups must be license (the groups that grant it), not ["jira-users"]'],
    ['{ removeGroups: license, deactivate: true }', 'policies.agents.actions.deactivate: a policy with application: jira-servicedesk frees only that application\'s seats, but deactivate takes every application: drop one of them'],
  ] as const) {
    assert.throws(
      () => loadConfig(write(config(actions)), {}),
      (error: unknown) => error instanceof InvalidInput && error.problems.includes(expected),
      actions,
    );
  }
});
