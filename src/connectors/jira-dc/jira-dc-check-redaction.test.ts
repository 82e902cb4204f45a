import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redactCaptures, type CheckCapture, type RedactedCapture } from '../../app/capture-redaction.ts';
import { startJiraEmulator, type RunningJiraEmulator } from '../../emulators/jira-dc/jira-emulator.ts';
import { generateJiraOrganisation } from '../../emulators/jira-dc/jira-org-generator.ts';
import { leakedIdentities, structureChanges } from '../../../test/support/capture-leaks.ts';
import { jiraDcConfigSchema } from './jira-dc-config.ts';
import { checkJiraDcInstance, type JiraDcCheckOutcome } from './jira-dc-check.ts';
import { JIRA_REDACTED_ORIGIN, JIRA_REDACTION } from './jira-dc-check-vocabulary.ts';

// Several hundred users, groups nested into `staff` and `support-agents`, two application roles.
const NOW = new Date('2026-01-15T12:00:00Z');
const org = generateJiraOrganisation({ seed: 2718, users: 420, now: NOW });
const identities = [
  ...org.users.flatMap((user) => [user.username, user.key, user.displayName, user.email]),
  ...org.groups.map((group) => group.name),
];

/** The emulator's context path, kept by the redaction. */
const CONTEXT = '/jira';

function bodyOf(redacted: readonly RedactedCapture[], route: RegExp): unknown[] {
  return redacted.filter((capture) => route.test(capture.route) && capture.status === 200).map((capture) => capture.body);
}

describe('Jira check captures, redacted', () => {
  let jira: RunningJiraEmulator;
  let outcome: JiraDcCheckOutcome;
  let redacted: RedactedCapture[];
  before(async () => {
    jira = await startJiraEmulator({ org, readings: { groupMemberCap: 'cap-50' } });
    const config = jiraDcConfigSchema.parse({ product: 'jira-dc', url: jira.url, auth: { token: jira.credentials.admin.token } });
    outcome = await checkJiraDcInstance({ instanceId: 'jira', config, unwritableGroups: [] });
    redacted = redactCaptures(outcome.baseUrl, outcome.captures, outcome.vocabulary);
  });
  after(async () => {
    await jira.close();
  });

  it('reads every kind of answer that names people and groups', () => {
    const routes = new Set(outcome.captures.map((capture) => capture.template));
    for (const route of ['/rest/api/2/user/list', '/rest/api/2/user/search', '/rest/api/2/group/member', '/rest/api/2/user', '/rest/api/2/applicationrole', '/rest/api/2/groups/picker', '/rest/api/2/myself']) {
      assert.ok(routes.has(route), `no capture of ${route}`);
    }
    assert.equal(outcome.vocabulary, JIRA_REDACTION);
  });

  it('no username, user key, display name, e-mail, group name or host of the organisation survives in any route or body', () => {
    assert.deepEqual(leakedIdentities(redacted, identities, JIRA_REDACTION, new URL(jira.url).host), []);
    assert.ok(redacted.every((capture) => !capture.route.includes('127.0.0.1')));
  });

  it('keeps field names, counts and seats: only strings change', () => {
    assert.deepEqual(structureChanges(outcome.captures, redacted), []);
    const roles = bodyOf(redacted, /^\/rest\/api\/2\/applicationrole$/)[0] as { key: string; numberOfSeats: number; userCount: number; groups: string[]; defaultGroups: string[] }[];
    const seats = new Map(org.applications.map((application) => [application.key, application.numberOfSeats]));
    assert.equal(roles.length, org.applications.length);
    for (const role of roles) assert.equal(role.numberOfSeats, seats.get(role.key), role.key);
    for (const role of roles) assert.ok([...role.groups, ...role.defaultGroups].every((group) => /^group-\d{4}$/.test(group)), JSON.stringify(role));
  });

  it('replaces each name by field, one placeholder per person across every route', () => {
    const listed = bodyOf(redacted, /^\/rest\/api\/2\/user\/list\?/).flatMap((body) => (body as { values: Record<string, unknown>[] }).values);
    assert.equal(listed.length, org.users.length);
    for (const user of listed) {
      assert.match(String(user['name']), /^user-\d{4}$/);
      assert.match(String(user['key']), /^key-\d{4}$/);
      assert.match(String(user['displayName']), /^User \d{4}$/);
      assert.match(String(user['emailAddress']), /^user-\d{4}@example\.invalid$/);
      // In a link the kind is not known: a legacy key equal to the username gives whichever placeholder came first.
      const self = new URL(String(user['self']));
      assert.equal(`${self.origin}${self.pathname}`, `${JIRA_REDACTED_ORIGIN}${CONTEXT}/rest/api/2/user`);
      assert.ok([user['name'], user['key']].includes(self.searchParams.get('username')), String(user['self']));
    }
    // Distinct people stay distinct.
    assert.equal(new Set(listed.map((user) => user['name'])).size, org.users.length);
    // A sampled user's bean: the same placeholder as on the list, and its expand=groups items are groups.
    const sampled = redacted.filter((capture) => capture.route.startsWith('/rest/api/2/user?username='));
    assert.ok(sampled.length > 0);
    for (const capture of sampled) {
      const bean = capture.body as { name: string; groups: { size: number; items: { name: string; self: string }[] }; applicationRoles: { items: { key: string }[] } };
      assert.equal(capture.route, `/rest/api/2/user?username=${bean.name}&expand=groups%2CapplicationRoles`);
      assert.ok(listed.some((user) => user['name'] === bean.name));
      assert.equal(bean.groups.items.length, bean.groups.size);
      for (const group of bean.groups.items) {
        assert.match(group.name, /^group-\d{4}$/);
        assert.equal(group.self, `${JIRA_REDACTED_ORIGIN}${CONTEXT}/rest/api/2/group?groupname=${group.name}`);
      }
      assert.ok(bean.applicationRoles.items.every((role) => role.key.startsWith('jira-')), JSON.stringify(bean.applicationRoles));
    }
    const picker = bodyOf(redacted, /^\/rest\/api\/2\/groups\/picker\?/)[0] as { total: number; groups: { name: string; html: string }[] };
    assert.equal(picker.total, org.groups.length);
    assert.ok(picker.groups.every((group) => /^group-\d{4}$/.test(group.name) && group.html === group.name), JSON.stringify(picker.groups.slice(0, 3)));
    const members = redacted.filter((capture) => capture.route.startsWith('/rest/api/2/group/member?'));
    assert.ok(members.length > 0 && members.every((capture) => /^\/rest\/api\/2\/group\/member\?groupname=group-\d{4}&/.test(capture.route)), members[0]?.route);
  });
});

// HAND-BUILT from the 10.3 spec's beans (ServerInfo, ApplicationRoleBean, GroupSuggestionsBean, PermissionsJsonBean).
describe('Jira vocabulary on hand-built payloads', () => {
  const base = 'https://jira.acme.test/jira';
  const group = 'R&D "core"';
  const captures: CheckCapture[] = [
    { template: '/rest/api/2/serverInfo', names: [], query: {}, status: 200, body: { baseUrl: base, version: '10.3.24', buildNumber: 10030024, deploymentType: 'Server', serverTitle: 'ACME Jira' } },
    {
      template: '/rest/api/2/applicationrole', names: [], query: {}, status: 200,
      body: [{ key: 'jira-software', name: 'Jira Software', groups: [group, 'staff'], defaultGroups: ['staff'], groupDetails: [{ name: 'staff', self: `${base}/rest/api/2/group?groupname=staff` }], numberOfSeats: 50, remainingSeats: 8, userCount: 42, hasUnlimitedSeats: false }],
    },
    { template: '/rest/api/2/groups/picker', names: [], query: { query: '', maxResults: 10 }, status: 200, body: { header: 'Showing 2 of 2 matching groups', total: 2, groups: [{ name: group, html: 'R&amp;D &quot;core&quot;', labels: [] }, { name: 'staff', html: 'staff', labels: [] }] } },
    { template: '/rest/api/2/mypermissions', names: [], query: {}, status: 200, body: { permissions: { ADMINISTER: { id: '0', key: 'ADMINISTER', name: 'Administer Jira', type: 'GLOBAL', havePermission: true } } } },
  ];

  it('replaces the site title and the groups of roles and the picker, HTML-escaped too, and keeps role keys, names and seats', () => {
    const [info, roles, picker, permissions] = redactCaptures(base, captures, JIRA_REDACTION);
    assert.deepEqual(info?.body, { baseUrl: `${JIRA_REDACTED_ORIGIN}/jira`, version: '10.3.24', buildNumber: 10030024, deploymentType: 'Server', serverTitle: 'Jira site' });
    assert.deepEqual(roles?.body, [{
      key: 'jira-software', name: 'Jira Software', groups: ['group-0001', 'group-0002'], defaultGroups: ['group-0002'],
      groupDetails: [{ name: 'group-0002', self: `${JIRA_REDACTED_ORIGIN}/jira/rest/api/2/group?groupname=group-0002` }], numberOfSeats: 50, remainingSeats: 8, userCount: 42, hasUnlimitedSeats: false,
    }]);
    assert.deepEqual((picker?.body as { groups: unknown[] }).groups, [{ name: 'group-0001', html: 'group-0001', labels: [] }, { name: 'group-0002', html: 'group-0002', labels: [] }]);
    assert.deepEqual(permissions?.body, captures[3]?.body);
  });
});
