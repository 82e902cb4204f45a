import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  PayloadError,
  mapApplicationRole,
  mapApplicationRoles,
  mapGroupPicker,
  mapMemberPage,
  mapMyPermissions,
  mapServerInfo,
  mapUser,
  mapUserArray,
  mapUserStreamPage,
} from './jira-dc-mapping.ts';

// None of these payloads was recorded from a live Jira. SPEC_* objects copy the `example` values of the schema's
// properties in Jira Software DC 10.3's OpenAPI (components.schemas.UserBean / ApplicationRoleBean /
// GroupSuggestionsBean / PermissionsJsonBean); everything marked HAND-BUILT is written from the schema's field list
// or from Jira's REST docs where the spec leaves the schema empty.

/** UserBean, every property's `example` from the spec. */
const SPEC_USER_BEAN = {
  active: true,
  deleted: false,
  displayName: 'Fred F. User',
  emailAddress: 'fred@example.com',
  key: 'JIRAUSER10100',
  lastLoginTime: '2023-08-30T16:37:01+1000',
  locale: 'en_AU',
  name: 'fred',
  self: 'http://www.example.com/jira/rest/api/2.0/user?username=fred',
  timeZone: 'Australia/Sydney',
  avatarUrls: { '48x48': 'http://www.example.com/jira/secure/useravatar?size=large&ownerId=fred' },
};

/** ApplicationRoleBean, every property's `example` from the spec. */
const SPEC_APPLICATION_ROLE = {
  defaultGroups: ['jira-software-users'],
  defined: false,
  groups: ['jira-software-users', 'jira-testers'],
  hasUnlimitedSeats: false,
  key: 'jira-software',
  name: 'Jira Software',
  numberOfSeats: 10,
  platform: false,
  remainingSeats: 5,
  selectedByDefault: false,
  userCount: 5,
  userCountDescription: '5 developers',
};

describe('mapUser', () => {
  it('reads the spec example of UserBean, lastLoginTime in its documented "+1000" form', () => {
    assert.deepEqual(mapUser(SPEC_USER_BEAN), {
      key: 'JIRAUSER10100',
      name: 'fred',
      displayName: 'Fred F. User',
      emailAddress: 'fred@example.com',
      status: 'active',
      deleted: false,
      lastLoginTime: new Date('2023-08-30T06:37:01Z'),
      lastLoginSent: true,
      directory: null,
      groups: null,
      applicationKeys: null,
    });
  });

  it('reads expand=groups,applicationRoles lists (HAND-BUILT: SimpleListWrapper {size, items})', () => {
    const user = mapUser({
      ...SPEC_USER_BEAN,
      groups: { size: 2, items: [{ name: 'jira-software-users' }, { name: 'jira-testers' }] },
      applicationRoles: { size: 1, items: [{ key: 'jira-software', name: 'Jira Software' }] },
    });
    assert.deepEqual(user.groups, ['jira-software-users', 'jira-testers']);
    assert.deepEqual(user.applicationKeys, ['jira-software']);
  });

  it('a list cut short by the expansion cap (size above the items) is null, not a partial truth', () => {
    const user = mapUser({ ...SPEC_USER_BEAN, groups: { size: 3, items: [{ name: 'a' }] } });
    assert.equal(user.groups, null);
  });

  it('active false is disabled; anything but a boolean is unknown, never disabled', () => {
    assert.equal(mapUser({ ...SPEC_USER_BEAN, active: false }).status, 'disabled');
    for (const active of ['false', 0, null, undefined]) {
      assert.equal(mapUser({ ...SPEC_USER_BEAN, active }).status, 'unknown', String(active));
    }
  });

  it('no lastLoginTime key: null and not sent; null, "" or 0: null but sent', () => {
    const { lastLoginTime: _omit, ...without } = SPEC_USER_BEAN;
    assert.deepEqual([mapUser(without).lastLoginTime, mapUser(without).lastLoginSent], [null, false]);
    for (const value of [null, '', 0]) {
      const user = mapUser({ ...SPEC_USER_BEAN, lastLoginTime: value });
      assert.deepEqual([user.lastLoginTime, user.lastLoginSent], [null, true], String(value));
    }
  });

  it('an unreadable lastLoginTime throws instead of reading as "never logged in"', () => {
    assert.throws(() => mapUser({ ...SPEC_USER_BEAN, lastLoginTime: '30/08/2023 16:37' }), PayloadError);
    // A local time without an offset would be a guess of the zone.
    assert.throws(() => mapUser({ ...SPEC_USER_BEAN, lastLoginTime: '2023-08-30T16:37:01' }), PayloadError);
  });

  it('a record without key or name throws; a blank display name falls back to the username', () => {
    assert.throws(() => mapUser({ name: 'fred' }), /without key/);
    assert.throws(() => mapUser({ key: 'JIRAUSER1' }), /without name/);
    assert.throws(() => mapUser('fred'), PayloadError);
    assert.equal(mapUser({ key: 'k', name: 'fred', displayName: ' ' }).displayName, 'fred');
  });
});

describe('listings', () => {
  it('user/search answers an array of UserBeans; anything else throws', () => {
    assert.deepEqual(mapUserArray([SPEC_USER_BEAN]).map((u) => u.key), ['JIRAUSER10100']);
    assert.throws(() => mapUserArray({ values: [] }), PayloadError);
  });

  it('user/list: a StreamPageBean (HAND-BUILT from its schema: values, isLast, nextCursor, nextPage)', () => {
    const page = mapUserStreamPage({ values: [SPEC_USER_BEAN], isLast: false, nextCursor: '10100', nextPage: 'https://jira.example.com/rest/api/2/user/list?cursor=10100', maxResults: 1 });
    assert.deepEqual([page.users.length, page.isLast, page.nextCursor], [1, false, '10100']);
    // The cursor parameter is an int64: a numeric nextCursor is kept as its text.
    assert.equal(mapUserStreamPage({ values: [], isLast: false, nextCursor: 42 }).nextCursor, '42');
    assert.equal(mapUserStreamPage({ values: [], isLast: true }).nextCursor, null);
  });

  it('user/list: a page without a boolean isLast throws rather than ending early', () => {
    assert.throws(() => mapUserStreamPage({ values: [], nextCursor: '1' }), /boolean isLast/);
    assert.throws(() => mapUserStreamPage({ values: [], isLast: 'true' }), /boolean isLast/);
  });

  it('group/member: a PageBean (HAND-BUILT from Jira REST docs; the spec names UserJsonBean here)', () => {
    const page = mapMemberPage({ startAt: 0, maxResults: 50, total: 1, isLast: true, values: [{ key: 'fred', name: 'Fred', active: true }] });
    assert.deepEqual([page.members.map((m) => m.name), page.startAt, page.total, page.isLast], [['Fred'], 0, 1, true]);
    // A bogus total is no count and no loop bound.
    assert.equal(mapMemberPage({ values: [], total: 1e300 }).total, null);
  });
});

describe('application roles', () => {
  it('reads the spec example of ApplicationRoleBean', () => {
    assert.deepEqual(mapApplicationRole(SPEC_APPLICATION_ROLE), {
      key: 'jira-software',
      name: 'Jira Software',
      groups: ['jira-software-users', 'jira-testers'],
      defaultGroups: ['jira-software-users'],
      numberOfSeats: 10,
      remainingSeats: 5,
      userCount: 5,
      hasUnlimitedSeats: false,
      defined: false,
    });
  });

  it('unlimited seats have no seat figures; a negative count is none (HAND-BUILT)', () => {
    const role = mapApplicationRole({ ...SPEC_APPLICATION_ROLE, hasUnlimitedSeats: true, numberOfSeats: -1, remainingSeats: -1 });
    assert.deepEqual([role.numberOfSeats, role.remainingSeats, role.hasUnlimitedSeats], [null, null, true]);
    assert.equal(mapApplicationRole({ ...SPEC_APPLICATION_ROLE, numberOfSeats: -1 }).numberOfSeats, null);
  });

  it('the list route answers an array (a single bean, as the spec has it, is read as a list of one)', () => {
    assert.deepEqual(mapApplicationRoles([SPEC_APPLICATION_ROLE, { ...SPEC_APPLICATION_ROLE, key: 'jira-servicedesk' }]).map((r) => r.key), ['jira-software', 'jira-servicedesk']);
    assert.deepEqual(mapApplicationRoles(SPEC_APPLICATION_ROLE).map((r) => r.key), ['jira-software']);
  });

  it('a role without a key, or groups that are not names, throws', () => {
    assert.throws(() => mapApplicationRole({ name: 'Jira Software' }), PayloadError);
    assert.throws(() => mapApplicationRole({ ...SPEC_APPLICATION_ROLE, groups: [{ name: 'x' }] }), /not a list of names/);
  });
});

describe('groups, permissions, server info', () => {
  it('groups/picker: names and total (spec example values: "Showing 20 of 25 matching groups", total 25, jdog-developers)', () => {
    const pick = mapGroupPicker({ header: 'Showing 20 of 25 matching groups', total: 25, groups: [{ name: 'jdog-developers', html: '<b>j</b>dog-developers', labels: [] }] });
    assert.deepEqual(pick, { names: ['jdog-developers'], total: 25 });
    assert.throws(() => mapGroupPicker({ groups: [{ html: 'x' }] }), PayloadError);
  });

  it('mypermissions: the spec example {permissions: {EDIT_ISSUE: {havePermission: true}}}', () => {
    const held = mapMyPermissions({ permissions: { EDIT_ISSUE: { id: 'EDIT_ISSUE', type: 'USER', description: 'Ability to edit issues.', name: 'Edit Issues', havePermission: true }, ADMINISTER: { havePermission: false }, ODD: { havePermission: 'yes' } } });
    assert.deepEqual([...held], [['EDIT_ISSUE', true], ['ADMINISTER', false]]);
  });

  it('serverInfo (HAND-BUILT: the spec\'s ServerInfoBean is empty; fields as Jira\'s REST docs list them)', () => {
    const info = mapServerInfo({ baseUrl: 'https://jira.example.com', version: '10.3.24', versionNumbers: [10, 3, 24], deploymentType: 'Server', buildNumber: 10030024, serverTitle: 'Jira' });
    assert.deepEqual(info, { version: '10.3.24', parsed: [10, 3, 24], deploymentType: 'Server', baseUrl: 'https://jira.example.com' });
    assert.throws(() => mapServerInfo({ title: 'Log in' }), /Jira Data Center base URL/);
    assert.throws(() => mapServerInfo({ version: 'latest' }), /cannot read the Jira version/);
  });
});
