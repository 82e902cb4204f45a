/**
 * How Confluence Data Center's REST payloads carry names, for the redaction of `instance check` captures: users
 * `{type: known, username, userKey, displayName, email}`, groups `{type: group, name}` (or without a `type` on the
 * group routes), permission subjects, the applinks manifest and the login page's version meta tags.
 */

import { everywhere, type RedactionVocabulary } from '../../app/capture-redaction.ts';

/** Where the instance's own links point after redaction. */
export const CONFLUENCE_REDACTED_ORIGIN = 'https://confluence.example.invalid';

/** Literal path segments of Confluence's REST routes (a user called `admin` is not told from `/rest/api/admin/…`). */
export const CONFLUENCE_ROUTE_WORDS: ReadonlySet<string> = new Set([
  'rest', 'api', 'user', 'users', 'group', 'groupmember', 'groupparent', 'member', 'memberof', 'list', 'active', 'admin',
  'current', 'permissions', 'license', '1.0', 'applinks', 'manifest', 'server-information', 'usercount', 'maxusers',
  'remainingseats', 'login.action', 'grant', 'revoke', 'disable', 'enable',
]);

/** Confluence's vocabulary for redactCaptures. */
export const CONFLUENCE_REDACTION: RedactionVocabulary = {
  origin: CONFLUENCE_REDACTED_ORIGIN,
  // Status words, operation keys, login times, versions: kept as sent.
  keptFields: new Set([
    'type', 'status', 'operation', 'targetType', 'operationKey', 'lastLogin', 'version', 'buildNumber', 'buildDate',
    'marketplaceBuildNumber', 'applinksVersion', 'typeId', 'statusCode',
  ]),
  routeWords: CONFLUENCE_ROUTE_WORDS,
  nameFields: new Map([
    ['username', everywhere('username')],
    ['userName', everywhere('username')],
    ['userKey', everywhere('userKey')],
    ['email', everywhere('email')],
    ['emailAddress', everywhere('email')],
    ['groupName', everywhere('group')],
    // A group's display name is its name.
    ['displayName', { user: 'displayName', group: 'group', other: 'displayName' }],
    ['fullName', { user: 'displayName', group: 'group', other: 'displayName' }],
    ['name', { user: 'username', group: 'group' }],
  ]),
  nameLists: new Map(),
  typeValues: new Map([['group', 'group'], ['known', 'user'], ['user', 'user'], ['anonymous', 'user']]),
  childFields: new Map([['group', 'group'], ['user', 'user'], ['results', 'same'], ['subject', 'subjects']]),
  subjectUserFields: ['username', 'userName', 'userKey', 'user'],
  routes: [
    { under: '/rest/api/permissions/group', items: null, subjects: 'group' },
    { under: '/rest/api/permissions/user', items: null, subjects: 'user' },
    { under: '/rest/api/permissions', items: null, subjects: 'subject' },
    // `/group/{group}/member` lists users; every other group route (list, one group, child and parent groups) groups.
    { under: '/rest/api/group', endsWith: '/member', items: 'user' },
    { under: '/rest/api/group', items: 'group' },
    { endsWith: '/memberof', items: 'group' },
    { under: '/rest/api/user', items: 'user' },
    { under: '/rest/api/admin/users', items: 'user' },
  ],
  // The application id and the site title identify the installation.
  installationFields: [{ template: '/rest/applinks/1.0/manifest', fields: { id: '00000000-0000-0000-0000-000000000000', name: 'Confluence site' } }],
  keptMarkup: /<meta\s[^>]*name\s*=\s*["']ajs-(?:version|build)-number["'][^>]*>/gi,
};
