import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startJiraEmulator, type RunningJiraEmulator } from './jira-emulator.ts';
import { generateJiraOrganisation, JIRA_INTERNAL_DIRECTORY, JIRA_LDAP_DIRECTORY } from './jira-org-generator.ts';
import { callEmulator } from '../../../test/support/emulator-test-client.ts';

const NOW = new Date('2026-01-15T12:00:00Z');
const org = generateJiraOrganisation({ seed: 7, users: 400, now: NOW });

interface Stream { values: { name: string; key: string }[]; isLast: boolean; nextCursor?: string; nextPage?: string }
interface Role { userCount: number; remainingSeats: number; numberOfSeats: number }
interface Page { values: { name: string; active: boolean }[]; total: number; isLast: boolean; nextPage?: string; startAt: number }

describe('Jira emulator', () => {
  let jira: RunningJiraEmulator;
  before(async () => {
    jira = await startJiraEmulator({ org, clock: () => NOW });
  });
  after(() => jira.close());
  const role = async (key: string): Promise<Role> => (await callEmulator(jira, `/rest/api/2/applicationrole/${key}`)).body as Role;
  const internalPerson = () => jira.state.allUsers().find((u) => u.directory === JIRA_INTERNAL_DIRECTORY && u.active && u.username.includes('.')
    && !jira.state.applicationsOf(u.username).includes('jira-software'))!;

  test('auth: no or wrong credentials are 401, Basic and Bearer work, a non-admin gets 403 on admin routes only', async () => {
    assert.equal((await callEmulator(jira, '/rest/api/2/myself', { as: null })).status, 401);
    assert.equal((await callEmulator(jira, '/rest/api/2/myself', { as: { ...org.credentials.admin, token: 'nope' } })).status, 401);
    assert.equal((await callEmulator(jira, '/rest/api/2/myself', { auth: 'basic' })).status, 200);
    assert.equal((await callEmulator(jira, '/rest/api/2/serverInfo', { as: null })).status, 200, 'serverInfo is anonymous');
    const user = org.credentials.user;
    for (const path of ['/rest/api/2/user/list', '/rest/api/2/group/member?groupname=staff', '/rest/api/2/applicationrole']) {
      assert.equal((await callEmulator(jira, path, { as: user })).status, 403, path);
    }
    assert.equal((await callEmulator(jira, '/rest/api/2/user/search?username=a', { as: user })).status, 200);
    const mine = (await callEmulator(jira, '/rest/api/2/mypermissions', { as: user })).body as { permissions: Record<string, { havePermission: boolean }> };
    assert.equal(mine.permissions['ADMINISTER']?.havePermission, false);
    const admins = (await callEmulator(jira, '/rest/api/2/mypermissions?permissions=ADMINISTER')).body as typeof mine;
    assert.deepEqual(Object.keys(admins.permissions).sort(), ['ADMINISTER', 'SYSTEM_ADMIN'], 'permissions= is ignored by default');
    assert.equal(admins.permissions['SYSTEM_ADMIN']?.havePermission, true);
  });

  test('/user/list streams every user once, by app_user id, and never 404s on an unknown cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 50; pages++) {
      const page = (await callEmulator(jira, `/rest/api/2/user/list?maxResults=37${cursor === undefined ? '' : `&cursor=${cursor}`}`)).body as Stream;
      seen.push(...page.values.map((u) => u.key));
      if (page.isLast) {
        assert.equal(page.nextCursor, undefined);
        break;
      }
      assert.ok(page.nextPage?.includes(`cursor=${page.nextCursor ?? ''}`));
      cursor = page.nextCursor;
    }
    assert.deepEqual(seen, [...org.users].sort((a, b) => a.appUserId - b.appUserId).map((u) => u.key));
    const odd = await callEmulator(jira, '/rest/api/2/user/list?cursor=999999999');
    assert.equal(odd.status, 200);
    assert.deepEqual((odd.body as Stream).values, []);
  });

  test('/user/search: "." matches all, inactive only when asked, prefix of name, e-mail or a display-name word, capped at 1000', async () => {
    const active = org.users.filter((u) => u.active);
    const all = (await callEmulator(jira, '/rest/api/2/user/search?username=.&maxResults=1000')).body as { name: string }[];
    assert.equal(all.length, active.length);
    const both = (await callEmulator(jira, '/rest/api/2/user/search?username=.&maxResults=5000&includeInactive=true')).body as unknown[];
    assert.equal(both.length, org.users.length);
    const onlyInactive = (await callEmulator(jira, '/rest/api/2/user/search?username=.&includeActive=false&includeInactive=true&maxResults=1000')).body as unknown[];
    assert.equal(onlyInactive.length, org.users.length - active.length);
    const svc = (await callEmulator(jira, '/rest/api/2/user/search?username=SVC-')).body as { name: string }[];
    assert.deepEqual(svc.map((u) => u.name), ['svc-automation', 'svc-backup', 'svc-confluence-link']);
    const paged = (await callEmulator(jira, '/rest/api/2/user/search?username=.&startAt=10&maxResults=5')).body as { name: string }[];
    assert.deepEqual(paged.map((u) => u.name), all.slice(10, 15).map((u) => u.name));
    assert.equal((await callEmulator(jira, '/rest/api/2/user/search')).status, 400);
  });

  test('/user: usernames are case-insensitive, keys exact; expand=groups follows nesting; lastLoginTime in Jira\'s form', async () => {
    const person = org.users.find((u) => u.directory === JIRA_LDAP_DIRECTORY && u.lastLogin !== null
      && org.memberships.some((m) => m.username === u.username && m.group === 'engineering'))!;
    const reply = await callEmulator(jira, `/rest/api/2/user?username=${encodeURIComponent(person.username.toUpperCase())}&expand=groups,applicationRoles`);
    assert.equal(reply.status, 200);
    const bean = reply.body as { key: string; name: string; lastLoginTime: string; groups: { items: { name: string }[] }; applicationRoles: { items: { key: string }[] } };
    assert.equal(bean.key, person.key);
    assert.equal(bean.name, person.username);
    assert.match(bean.lastLoginTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
    assert.equal(new Date(bean.lastLoginTime.replace('+0000', 'Z')).getTime(), Math.floor(person.lastLogin!.getTime() / 1000) * 1000);
    assert.ok(bean.groups.items.some((g) => g.name === 'staff'), 'staff reached through engineering');
    assert.ok(bean.applicationRoles.items.some((r) => r.key === 'jira-software'));
    assert.equal((await callEmulator(jira, `/rest/api/2/user?key=${person.key}`)).status, 200);
    assert.equal((await callEmulator(jira, `/rest/api/2/user?key=${person.key.toUpperCase()}X`)).status, 404);
    const never = org.users.find((u) => u.lastLogin === null)!;
    assert.equal('lastLoginTime' in ((await callEmulator(jira, `/rest/api/2/user?username=${never.username}`)).body as object), false);
  });

  test('seats: userCount is the active members of granting groups, nesting included; each write moves it', async () => {
    const software = await role('jira-software');
    const expected = jira.state.allUsers().filter((u) => u.active && jira.state.effectiveGroupsOf(u.username)
      .some((g) => ['jira-software-users', 'jira-administrators', 'staff', 'ldap-jira-users'].includes(g.name))).length;
    assert.equal(software.userCount, expected);
    assert.equal(software.remainingSeats, software.numberOfSeats - software.userCount);
    const person = internalPerson();
    const add = await callEmulator(jira, '/rest/api/2/group/user?groupname=jira-software-users', { method: 'POST', body: { name: person.username.toUpperCase() } });
    assert.equal(add.status, 201);
    assert.equal((await role('jira-software')).userCount, expected + 1);
    const again = await callEmulator(jira, '/rest/api/2/group/user?groupname=jira-software-users', { method: 'POST', body: { name: person.username } });
    assert.equal(again.status, 400, 'the spec: 400 when the user already belongs to the group');
    const remove = await callEmulator(jira, `/rest/api/2/group/user?groupname=jira-software-users&username=${person.username}`, { method: 'DELETE' });
    assert.equal(remove.status, 200);
    assert.equal((await role('jira-software')).userCount, expected);
  });

  test('/user/application joins the default group and leaves every granting group; read-only groups refuse', async () => {
    const person = internalPerson();
    const grant = await callEmulator(jira, `/rest/api/2/user/application?username=${person.username}&applicationKey=jira-servicedesk`, { method: 'POST' });
    assert.equal(grant.status, 200);
    assert.ok(jira.state.groupsOf(person.username).some((g) => g.name === 'jira-servicedesk-users'));
    const revoke = await callEmulator(jira, `/rest/api/2/user/application?username=${person.username}&applicationKey=jira-servicedesk`, { method: 'DELETE' });
    assert.equal(revoke.status, 204);
    assert.equal(jira.state.applicationsOf(person.username).includes('jira-servicedesk'), false);
    const ldapOnly = org.memberships.find((m) => m.group === 'ldap-jira-users')!;
    const locked = await callEmulator(jira, `/rest/api/2/user/application?username=${ldapOnly.username}&applicationKey=jira-software`, { method: 'DELETE' });
    assert.equal(locked.status, 403);
    assert.ok(jira.state.applicationsOf(ldapOnly.username).includes('jira-software'), 'nothing changed');
    assert.equal((await callEmulator(jira, `/rest/api/2/user/application?username=${person.username}&applicationKey=nope`, { method: 'POST' })).status, 400);
  });

  test('rename keeps the key; a taken name (any case) is refused with 400; read-only users cannot change', async () => {
    const [a, b] = jira.state.allUsers().filter((u) => u.directory === JIRA_INTERNAL_DIRECTORY && u.username.includes('.'));
    const { key, username } = a!;
    const groupsBefore = jira.state.groupsOf(username).map((g) => g.name);
    const renamed = await callEmulator(jira, `/rest/api/2/user?username=${username}`, { method: 'PUT', body: { name: `${username}_inactive_20260115` } });
    assert.equal(renamed.status, 200);
    assert.equal((renamed.body as { key: string }).key, key);
    assert.equal(jira.state.findUser(username), undefined);
    assert.equal(jira.state.findUserByKey(key)?.username, `${username}_inactive_20260115`);
    assert.deepEqual(jira.state.groupsOf(`${username}_inactive_20260115`).map((g) => g.name), groupsBefore);
    assert.deepEqual(jira.state.changes.at(-1), { seq: jira.state.changes.length, at: NOW, kind: 'rename', key, username: `${username}_inactive_20260115`, previousUsername: username });
    const clash = await callEmulator(jira, `/rest/api/2/user?key=${key}`, { method: 'PUT', body: { name: b!.username.toUpperCase() } });
    assert.equal(clash.status, 400);
    assert.deepEqual(clash.body, { errorMessages: [], errors: { username: 'A user with that username already exists.' } });
    const ldap = jira.state.allUsers().find((u) => u.directory === JIRA_LDAP_DIRECTORY)!;
    assert.equal((await callEmulator(jira, `/rest/api/2/user?username=${ldap.username}`, { method: 'PUT', body: { displayName: 'X' } })).status, 403);
  });

  test('deactivate frees every seat and stops logins; reactivating into a full licence is refused (reading refuse-400)', async () => {
    const person = jira.state.allUsers().find((u) => u.directory === JIRA_INTERNAL_DIRECTORY && u.active && u.username.includes('.')
      && jira.state.applicationsOf(u.username).includes('jira-software'))!;
    const before = await role('jira-software');
    const off = await callEmulator(jira, `/rest/api/2/user?username=${person.username}`, { method: 'PUT', body: { active: false } });
    assert.equal(off.status, 200);
    assert.equal((off.body as { active: boolean }).active, false);
    assert.equal((await role('jira-software')).userCount, before.userCount - 1);
    jira.state.addCredential({ username: person.username, password: 'pw', token: 'tok-person' });
    assert.equal((await callEmulator(jira, '/rest/api/2/myself', { as: { username: person.username, password: 'pw', token: 'tok-person' } })).status, 401);
    jira.state.setSeats('jira-software', before.userCount - 1);
    const on = await callEmulator(jira, `/rest/api/2/user?username=${person.username}`, { method: 'PUT', body: { active: true } });
    assert.equal(on.status, 400);
    jira.state.licenceFull = 'refuse-403';
    const viaGroup = await callEmulator(jira, '/rest/api/2/group/user?groupname=jira-software-users', { method: 'POST', body: { name: internalPerson().username } });
    assert.equal(viaGroup.status, 403);
    jira.state.licenceFull = 'allow';
    assert.equal((await callEmulator(jira, `/rest/api/2/user?username=${person.username}`, { method: 'PUT', body: { active: true } })).status, 200);
    assert.equal((await role('jira-software')).remainingSeats, -1, 'under allow, seats run over the limit');
    jira.state.setSeats('jira-software', before.numberOfSeats);
    jira.state.licenceFull = 'refuse-400';
  });

  test('/group/member: flattened, active only unless asked, paged with total and nextPage', async () => {
    const flattened = jira.state.flattenedMembersOf('staff');
    const first = (await callEmulator(jira, '/rest/api/2/group/member?groupname=STAFF&includeInactiveUsers=true&maxResults=10')).body as Page;
    assert.equal(first.total, flattened.length);
    assert.ok(jira.state.membersOf('staff').length < flattened.length, 'the fixture nests departments in staff');
    assert.equal(first.isLast, false);
    assert.match(first.nextPage ?? '', /startAt=10/);
    const names: string[] = [];
    for (let startAt = 0; startAt < flattened.length; startAt += 50) {
      const page = (await callEmulator(jira, `/rest/api/2/group/member?groupname=staff&includeInactiveUsers=true&startAt=${startAt}&maxResults=500`)).body as Page;
      names.push(...page.values.map((u) => u.name));
    }
    assert.deepEqual(names, flattened.map((u) => u.username), 'maxResults is capped at 50 a page');
    const activeOnly = (await callEmulator(jira, '/rest/api/2/group/member?groupname=staff')).body as Page;
    assert.equal(activeOnly.total, flattened.filter((u) => u.active).length);
    assert.equal((await callEmulator(jira, '/rest/api/2/group/member?groupname=nope')).status, 404);
  });

  test('/groups/picker lists groups by substring, up to maxResults (default 20), with the spec\'s header', async () => {
    const picked = (await callEmulator(jira, '/rest/api/2/groups/picker?query=JIRA&maxResults=2')).body as { header: string; total: number; groups: { name: string; html: string }[] };
    assert.equal(picked.total, 5);
    assert.equal(picked.header, 'Showing 2 of 5 matching groups');
    assert.equal(picked.groups[0]?.html, '<b>jira</b>-administrators');
    const all = (await callEmulator(jira, '/rest/api/2/groups/picker?maxResults=1000')).body as { total: number; groups: unknown[] };
    assert.equal(all.groups.length, org.groups.length);
    assert.ok(org.groups.length < 20);
    const few = generateJiraOrganisation({ seed: 7, users: 40, now: NOW });
    assert.equal(((await callEmulator(jira, '/rest/api/2/groups/picker')).body as { groups: unknown[] }).groups.length, Math.min(20, few.groups.length));
  });
});

test('readings: user/list absent answers 404; first-100 caps user/search at the first 100 results', async () => {
  const jira = await startJiraEmulator({ org, readings: { userListRoute: 'absent', userSearchLimit: 'first-100' } });
  const literal = await startJiraEmulator({ org, readings: { dotQuery: 'literal' } });
  try {
    assert.equal((await callEmulator(jira, '/rest/api/2/user/list')).status, 404);
    const capped = (await callEmulator(jira, '/rest/api/2/user/search?username=.&startAt=98&maxResults=20')).body as unknown[];
    assert.equal(capped.length, 2, 'the Jira 10 code comment: startAt=98, maxResults=20 → 2 users');
    assert.deepEqual((await callEmulator(literal, '/rest/api/2/user/search?username=.')).body, []);
  } finally {
    await jira.close();
    await literal.close();
  }
});

test('readings: page caps as asked or capped; unlimited remainingSeats -1 or computed, hasUnlimitedSeats true either way', async () => {
  const unlimited = generateJiraOrganisation({ seed: 7, users: 400, now: NOW, softwareSeats: -1 });
  const capped = await startJiraEmulator({ org: unlimited });
  const asAsked = await startJiraEmulator({ org: unlimited, readings: { groupMemberCap: 'as-asked', userListCap: 'as-asked', unlimitedRemainingSeats: 'computed' } });
  try {
    const members = async (jira: RunningJiraEmulator): Promise<Page> =>
      (await callEmulator(jira, '/rest/api/2/group/member?groupname=staff&includeInactiveUsers=true&maxResults=1000')).body as Page;
    assert.equal((await members(capped)).values.length, 50);
    assert.equal((await members(asAsked)).values.length, asAsked.state.flattenedMembersOf('staff').length);
    assert.ok(asAsked.state.flattenedMembersOf('staff').length > 50, 'the fixture has more than one capped page of staff');
    const stream = async (jira: RunningJiraEmulator): Promise<Stream> => (await callEmulator(jira, '/rest/api/2/user/list?maxResults=3000')).body as Stream;
    assert.equal((await stream(capped)).values.length, 400, 'fewer users than either cap');
    const software = async (jira: RunningJiraEmulator): Promise<Role & { hasUnlimitedSeats: boolean }> =>
      (await callEmulator(jira, '/rest/api/2/applicationrole/jira-software')).body as Role & { hasUnlimitedSeats: boolean };
    const minusOne = await software(capped);
    const computed = await software(asAsked);
    assert.deepEqual([minusOne.numberOfSeats, minusOne.remainingSeats, minusOne.hasUnlimitedSeats], [-1, -1, true]);
    assert.deepEqual([computed.numberOfSeats, computed.remainingSeats, computed.hasUnlimitedSeats], [-1, -1 - computed.userCount, true]);
  } finally {
    await capped.close();
    await asAsked.close();
  }
});
