/**
 * How Jira Data Center's REST payloads carry names, for the redaction of `instance check` captures (field names of
 * the 10.3 spec's UserBean, UserJsonBean, GroupJsonBean, ApplicationRoleBean, GroupSuggestionsBean, ServerInfo).
 * Nothing in Jira carries a `type`: what an object is follows from the route and the field it sits under. A user's
 * `name` is its username and `key` its user key; a group's `name` is its name; an application role's or a
 * permission's `key` and `name` are Jira's own words and are kept.
 */

import { everywhere, type RedactionVocabulary } from '../../app/capture-redaction.ts';

/** Where the instance's own links point after redaction. */
export const JIRA_REDACTED_ORIGIN = 'https://jira.example.invalid';

/** Literal path segments of the routes the check reads and the links Jira sends (`/secure/useravatar`). */
export const JIRA_ROUTE_WORDS: ReadonlySet<string> = new Set([
  'rest', 'api', '2', 'latest', 'serverinfo', 'myself', 'mypermissions', 'applicationrole', 'user', 'list', 'search', 'group',
  'groups', 'member', 'picker', 'application', 'secure', 'useravatar', 'viewavatar',
]);

/** Jira's vocabulary for redactCaptures. */
export const JIRA_REDACTION: RedactionVocabulary = {
  origin: JIRA_REDACTED_ORIGIN,
  // Login times, zones, locales, expansions and versions: kept as sent (the check's rows read them).
  keptFields: new Set(['lastLoginTime', 'timeZone', 'locale', 'expand', 'version', 'buildNumber', 'buildDate', 'serverTime', 'deploymentType']),
  routeWords: JIRA_ROUTE_WORDS,
  nameFields: new Map([
    ['name', { user: 'username', group: 'group' }],
    ['key', { user: 'userKey' }],
    ['username', { user: 'username' }],
    ['displayName', { user: 'displayName', group: 'group', other: 'displayName' }],
    ['emailAddress', everywhere('email')],
    ['email', everywhere('email')],
  ]),
  // An application role's `groups` and `defaultGroups` are lists of group names.
  nameLists: new Map([['groups', 'group'], ['defaultGroups', 'group']]),
  typeValues: new Map(),
  childFields: new Map([
    // Pages (`values`) and list wrappers (`items`) hold what their holder is: `groups: {size, items}` holds groups.
    ['values', 'same'],
    ['items', 'same'],
    ['groups', 'group'],
    ['groupDetails', 'group'],
    ['defaultGroupsDetails', 'group'],
    ['users', 'user'],
    ['user', 'user'],
    ['applicationRoles', null],
  ]),
  subjectUserFields: [],
  routes: [
    // serverInfo, mypermissions, applicationrole and groups/picker answer with objects that are no user or group.
    { under: '/rest/api/2/myself', items: 'user' },
    { under: '/rest/api/2/user', items: 'user' },
    { under: '/rest/api/2/group/member', items: 'user' },
    { under: '/rest/api/2/group', items: 'group' },
  ],
  // The site title names the installation.
  installationFields: [{ template: '/rest/api/2/serverInfo', fields: { serverTitle: 'Jira site' } }],
  keptMarkup: null,
};
