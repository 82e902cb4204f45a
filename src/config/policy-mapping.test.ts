import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from './config-schema.ts';
import { groupsToRead, policiesOf } from './policy-mapping.ts';
import { resolveInstance } from './instance-choice.ts';
import { limitsOf } from './safety-mapping.ts';
import { InvalidInput } from '../domain/errors.ts';

const config = configSchema.parse({
  instances: {
    wiki: { product: 'confluence-dc', url: 'https://wiki.example.com', auth: { token: 't' } },
    docs: { product: 'confluence-dc', url: 'https://docs.example.com', auth: { token: 't' } },
  },
  directories: {
    hr: { kind: 'http', url: 'https://hr.example.com/people' },
    'corp-ad': { kind: 'ldap', url: 'ldaps://dc1.example.com' },
  },
  policies: {
    inactive: { instance: 'wiki', select: { inactiveDays: 90, group: 'staff' }, exclude: { groups: ['vip'] } },
    leavers: { instance: 'wiki', select: { orgStatus: ['not-found'], via: 'hr' } },
    'ad-leavers': { instance: 'wiki', select: { orgStatus: ['disabled'], via: 'corp-ad' }, exclude: { groups: ['board'] } },
    elsewhere: { instance: 'docs', select: { inactiveDays: 30 } },
  },
  safety: { breakGlass: { groups: ['break-glass'] }, maxActions: 7 },
});

test('policiesOf maps the connected policies and leaves a policy on an unconnected directory kind pending, saying why', () => {
  const { policies, pending } = policiesOf(config, 'wiki');
  assert.deepStrictEqual(policies.map((p) => p.id), ['inactive', 'leavers']);
  assert.deepStrictEqual(pending, [
    {
      id: 'ad-leavers',
      reason: 'selects by organisation status via directory "corp-ad" (kind ldap), whose connector comes later (http works now); not evaluated',
    },
  ]);
  const inactive = policies[0];
  assert.deepStrictEqual(inactive?.select, { inactiveDays: 90, neverLoggedInDays: null, directories: [], group: 'staff', emailDomains: [] });
  assert.deepStrictEqual(inactive?.actions, { removeGroups: 'license', addGroups: [], deactivate: false, rename: null });
  assert.deepStrictEqual(policies[1]?.select.orgStatus, { statuses: ['not-found'], via: 'hr' });
});

test('policiesOf picks the named policies only, and refuses names the config does not have (own keys only)', () => {
  assert.deepStrictEqual(policiesOf(config, 'wiki', ['leavers']).policies.map((p) => p.id), ['leavers']);
  assert.throws(() => policiesOf(config, 'wiki', ['nope', 'toString']), (error: unknown) => {
    assert.ok(error instanceof InvalidInput);
    assert.deepStrictEqual(error.problems, ['no policy "nope" in the config', 'no policy "toString" in the config']);
    return true;
  });
});

test('groupsToRead: protected groups and the instance\'s excluded and processing groups, pending policies included, sorted', () => {
  assert.deepStrictEqual(groupsToRead(config, 'wiki'), ['board', 'break-glass', 'staff', 'vip']);
  assert.deepStrictEqual(groupsToRead(config, 'docs'), ['break-glass']);
});

test('resolveInstance: the one named, else the only one; several give the choice as a next step, not a flag', () => {
  assert.equal(resolveInstance(config, 'docs'), 'docs');
  assert.throws(() => resolveInstance(config, 'toString'), /no instance "toString" in the config/);
  assert.throws(() => resolveInstance(config, undefined), (error: unknown) => {
    assert.ok(error instanceof InvalidInput);
    assert.equal(error.message, 'several instances are configured');
    assert.deepStrictEqual(error.next, { kind: 'choose-instance', instances: ['wiki', 'docs'] });
    return true;
  });
  assert.equal(limitsOf(config).maxActions, 7);
});

test('application: the key of the one application a policy frees; absent is every application, and a malformed key is a config problem', () => {
  const withApp = configSchema.parse({
    instances: { jira: { product: 'jira-dc', url: 'https://jira.example.com', auth: { token: 't' } } },
    policies: {
      agents: { instance: 'jira', application: 'jira-servicedesk', select: { inactiveDays: 90 } },
      everyone: { instance: 'jira', select: { inactiveDays: 90 } },
    },
  });
  const { policies } = policiesOf(withApp, 'jira');
  assert.deepStrictEqual(policies.map((p) => [p.id, p.application]), [['agents', 'jira-servicedesk'], ['everyone', null]]);
  const bad = configSchema.safeParse({
    instances: { jira: { product: 'jira-dc', url: 'https://jira.example.com', auth: { token: 't' } } },
    policies: { agents: { instance: 'jira', application: 'Jira Service Management', select: { inactiveDays: 90 } } },
  });
  assert.equal(bad.success, false);
  assert.match(JSON.stringify(bad.error?.issues), /application is an application key such as jira-software or jira-servicedesk/);
});
