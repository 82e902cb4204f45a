/**
 * The Jira emulator's route table: every (method, path) it serves, who may call it, which query parameters
 * it reads, its success status, and its handler. The contract test walks this table against the 10.3.24
 * OpenAPI ([S50]), so it is the single list of what the emulator claims to be. Paths are below `/rest`, as
 * the spec's server URL `http://{baseurl}/rest` puts them.
 */

import type { FaultInjector } from '../confluence-dc/emulator-faults.ts';
import type { JiraGlobalPermission } from './jira-org-generator.ts';
import type { JiraGroup, JiraRefusal, JiraUser, JiraWriteOutcome } from './jira-model.ts';
import type { JiraState, JiraUserUpdate } from './jira-state.ts';
import type { JiraReadings } from './jira-readings.ts';
import { applicationRoleJson, groupJson, groupSuggestionsJson, JiraRestFailure, userBeanJson, userJson, userSelf } from './jira-json.ts';
import { pageBean, streamPage, type PageRequest } from './jira-paging.ts';

/**
 * The one version emulated: the spec's. No Atlassian document gives the build number. Public serverInfo answers show
 * one pattern for 9.x and 10.x, major·10⁶ + minor·10⁴ + patch: "9.12.15" → 9120015 (issues.redhat.com, printed in a
 * public scanner's README) and "10.3.16" → 10030016 (a public CLI's test), so 10.3.24 → 10030024 (3RD-PARTY pattern,
 * UNVERIFIED for this release; 8.x used another, "8.5.3" → 805003). Seatkeeper reads `version`, never the build.
 */
export const JIRA_VERSION = { version: '10.3.24', versionNumbers: [10, 3, 24], buildNumber: 10030024 } as const;

/** Server-side page caps, from the `userListCap` and `groupMemberCap` readings unless a test sets them. */
export interface JiraPageCaps {
  /** `/user/list`; the documented default is 2000. */
  readonly userList: number;
  /** `/group/member`; 50 under the default reading (3RD-PARTY, see jira-readings.ts). */
  readonly groupMembers: number;
}

/** What a handler gets for one request; `caller` is null only on anonymous routes. */
export interface JiraRouteContext {
  readonly route: JiraRoute;
  readonly state: JiraState;
  readonly caller: JiraUser | null;
  /** Base URL including the context path, e.g. `http://127.0.0.1:4123/jira`. */
  readonly base: string;
  readonly readings: JiraReadings;
  readonly pageCaps: JiraPageCaps;
  readonly lastLoginOffsetMinutes: number;
  readonly faults: FaultInjector;
  readonly clock: () => Date;
  /** A declared (or `extraQuery`) parameter; reading another is a programming error. */
  query(name: string): string | null;
  queryAll(name: string): string[];
  readonly rawQuery: URLSearchParams;
  readonly path: string;
  readonly body: unknown;
}

/** A handler's answer; no `body` means no content. */
export interface JiraRouteResponse {
  readonly status: number;
  readonly body?: unknown;
}

/** One served route. */
export interface JiraRoute {
  readonly id: string;
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Path below `/rest`'s parent, e.g. `/rest/api/2/user`; the spec's key is this without `/rest`. */
  readonly template: string;
  readonly access: 'anonymous' | 'authenticated' | 'admin';
  readonly query: readonly string[];
  /** Parameters read although the operation does not declare them, each with its reason. */
  readonly extraQuery: Readonly<Record<string, string>>;
  readonly success: number;
  readonly handle: (ctx: JiraRouteContext) => JiraRouteResponse;
}

const EXPAND = 'Jira REST\'s framework-wide `expand` (spec description: "Expansion" appendix), not declared per operation';
const PERMISSIONS = 'a Jira Cloud parameter; read only under the `myPermissionsFilter: filters` reading (jira-readings.ts)';
const GROUPNAME = 'declared with `in: path` although the path has no {groupname} (a generator slip); Jira reads it from the query';

function route(
  method: JiraRoute['method'], template: string, access: JiraRoute['access'], query: readonly string[], success: number,
  handle: JiraRoute['handle'], extraQuery: Record<string, string> = {},
): JiraRoute {
  return { id: `${method} ${template}`, method, template, access, query, extraQuery, success, handle };
}

/** Every route the emulator knows; `/user/list` is dropped under the `userListRoute: absent` reading. */
export const JIRA_ROUTES: readonly JiraRoute[] = [
  route('GET', '/rest/api/2/serverInfo', 'anonymous', [], 200, (ctx) => ({
    status: 200,
    // ServerInfoBean is `{}` in the spec; these fields are the ones public clients read (3RD-PARTY: rcarz jira-client ServerInfo).
    body: { baseUrl: ctx.base, ...JIRA_VERSION, deploymentType: 'Server', serverTime: jiraTime(ctx.clock()), serverTitle: 'Jira' },
  })),
  route('GET', '/rest/api/2/myself', 'authenticated', [], 200, (ctx) => ({ status: 200, body: userBean(ctx, callerOf(ctx), new Set()) })),
  route('GET', '/rest/api/2/mypermissions', 'authenticated', ['projectKey', 'projectId', 'issueKey', 'issueId'], 200, myPermissions,
    { permissions: PERMISSIONS }),
  route('GET', '/rest/api/2/user/list', 'admin', ['cursor', 'maxResults'], 200, (ctx) => {
    const cursor = integer(ctx, 'cursor');
    const limit = Math.min(positive(ctx, 'maxResults') ?? 2000, ctx.pageCaps.userList);
    return { status: 200, body: streamPage(pageRequest(ctx), ctx.state.streamUsers(), cursor, limit, (user) => userJson(ctx.base, user)) };
  }),
  route('GET', '/rest/api/2/user/search', 'authenticated', ['username', 'includeActive', 'includeInactive', 'startAt', 'maxResults'], 200, userSearch),
  route('GET', '/rest/api/2/user', 'authenticated', ['username', 'key', 'includeDeleted'], 200, (ctx) => {
    const expand = new Set((ctx.query('expand') ?? '').split(',').map((part) => part.trim()));
    return { status: 200, body: userBean(ctx, userFromQuery(ctx), expand) };
  }, { expand: EXPAND }),
  route('PUT', '/rest/api/2/user', 'admin', ['username', 'key'], 200, (ctx) => {
    const user = userFromQuery(ctx);
    written(ctx, ctx.state.updateUser(user.username, userWriteBody(ctx.body)));
    const now = ctx.state.findUserByKey(user.key) ?? user;
    return {
      status: 200,
      // The spec's 200 schema is UserWriteBean: its read fields, with the roles held now as applicationKeys.
      body: { self: userSelf(ctx.base, now), key: now.key, name: now.username, emailAddress: now.email, displayName: now.displayName,
        active: now.active, applicationKeys: ctx.state.applicationsOf(now.username) },
    };
  }),
  route('POST', '/rest/api/2/group/user', 'admin', ['groupname'], 201, (ctx) => {
    const group = groupFromQuery(ctx);
    written(ctx, ctx.state.addMembership(nameBody(ctx.body), group.name));
    // GroupBean with its `users` wrapper, unexpanded (PagedListWrapper fields per the spec; 3RD-PARTY for the empty items).
    return { status: 201, body: { ...groupJson(ctx.base, group), users: { size: ctx.state.flattenedMembersOf(group.name).length, items: [] }, expand: 'users' } };
  }),
  route('DELETE', '/rest/api/2/group/user', 'admin', ['groupname', 'username'], 200, (ctx) => {
    const group = groupFromQuery(ctx);
    written(ctx, ctx.state.removeMembership(required(ctx, 'username'), group.name));
    return { status: 200 };
  }),
  route('GET', '/rest/api/2/group/member', 'admin', ['includeInactiveUsers', 'startAt', 'maxResults'], 200, (ctx) => {
    const group = groupFromQuery(ctx);
    const members = ctx.readings.memberLists === 'flattened' ? ctx.state.flattenedMembersOf(group.name) : ctx.state.membersOf(group.name);
    const shown = ctx.query('includeInactiveUsers') === 'true' ? members : members.filter((user) => user.active);
    const startAt = integer(ctx, 'startAt') ?? 0;
    if (startAt < 0) throw new JiraRestFailure(400, 'startAt must be non-negative', 'startAt');
    const limit = Math.min(positive(ctx, 'maxResults') ?? 50, ctx.pageCaps.groupMembers);
    return { status: 200, body: pageBean(pageRequest(ctx), shown, startAt, limit, (user) => userJson(ctx.base, user)) };
  }, { groupname: GROUPNAME }),
  route('GET', '/rest/api/2/groups/picker', 'authenticated', ['query', 'exclude', 'maxResults', 'userName'], 200, (ctx) => {
    const text = ctx.query('query') ?? '';
    const excluded = new Set(ctx.queryAll('exclude').map((name) => name.toLowerCase()));
    const matching = ctx.state.allGroups().filter((g) => g.name.toLowerCase().includes(text.toLowerCase()) && !excluded.has(g.name.toLowerCase()));
    const limit = positive(ctx, 'maxResults') ?? ctx.readings.groupPickerDefault;
    return { status: 200, body: groupSuggestionsJson(matching, matching.slice(0, limit), text) };
  }),
  route('POST', '/rest/api/2/user/application', 'admin', ['username', 'applicationKey'], 200, (ctx) => {
    written(ctx, ctx.state.grantApplication(required(ctx, 'username'), required(ctx, 'applicationKey')));
    return { status: 200 };
  }),
  route('DELETE', '/rest/api/2/user/application', 'admin', ['username', 'applicationKey'], 204, (ctx) => {
    written(ctx, ctx.state.revokeApplication(required(ctx, 'username'), required(ctx, 'applicationKey')));
    return { status: 204 };
  }),
  route('GET', '/rest/api/2/applicationrole', 'admin', [], 200, (ctx) => ({
    status: 200,
    body: ctx.state.applicationRoles().map((role, index) => applicationRoleJson(role, index === 0, ctx.readings.unlimitedRemainingSeats)),
  })),
  route('GET', '/rest/api/2/applicationrole/{key}', 'admin', [], 200, (ctx) => {
    const key = decodeURIComponent(ctx.path.slice('/rest/api/2/applicationrole/'.length));
    const role = ctx.state.applicationRole(key) ?? notFound(`The application role '${key}' does not exist`);
    return { status: 200, body: applicationRoleJson(role, ctx.state.applicationRoles()[0]?.key === role.key, ctx.readings.unlimitedRemainingSeats) };
  }),
];

/**
 * Global permissions as PermissionsJsonBean entries: `id` = key as in the spec's example; names as Atlassian's
 * KB pages spell them ("'JIRA Administrators' or 'JIRA System Administrators' global permission"). No
 * description is sent: Jira's wording was not found.
 */
const GLOBAL_PERMISSIONS: readonly { key: JiraGlobalPermission; name: string }[] = [
  { key: 'ADMINISTER', name: 'Jira Administrators' },
  { key: 'SYSTEM_ADMIN', name: 'Jira System Administrators' },
];

function myPermissions(ctx: JiraRouteContext): JiraRouteResponse {
  const caller = callerOf(ctx);
  const wanted = ctx.readings.myPermissionsFilter === 'filters' && ctx.query('permissions') !== null
    ? new Set((ctx.query('permissions') ?? '').split(',').map((part) => part.trim())) : null;
  const permissions: Record<string, unknown> = {};
  for (const permission of GLOBAL_PERMISSIONS) {
    if (wanted !== null && !wanted.has(permission.key)) continue;
    permissions[permission.key] = { id: permission.key, key: permission.key, name: permission.name, type: 'GLOBAL',
      havePermission: ctx.state.hasPermission(caller.username, permission.key) };
  }
  return { status: 200, body: { permissions } };
}

/**
 * `/user/search`: case-insensitive prefix of the username, of any word of the display name, or of the
 * e-mail address (the spec: "search username, name or e-mail address"; prefix matching UNVERIFIED); sorted
 * by username; no paging metadata (JRASERVER-78650). A plain array: the spec's schema says UserBean.
 */
function userSearch(ctx: JiraRouteContext): JiraRouteResponse {
  const text = (ctx.query('username') ?? '').toLowerCase();
  if (text === '') throw new JiraRestFailure(400, 'The username query parameter was not provided', 'username');
  const active = ctx.query('includeActive') !== 'false';
  const inactive = ctx.query('includeInactive') === 'true';
  const all = ctx.readings.dotQuery === 'match-all' && text === '.';
  const found = ctx.state.allUsers().filter((user) => (user.active ? active : inactive)
    && (all || user.lower.startsWith(text) || user.email.toLowerCase().startsWith(text)
      || user.displayName.toLowerCase().split(/\s+/).some((word) => word.startsWith(text))));
  const startAt = integer(ctx, 'startAt') ?? 0;
  if (startAt < 0) throw new JiraRestFailure(400, 'startAt must be non-negative', 'startAt');
  const requested = positive(ctx, 'maxResults') ?? 50;
  const window = ctx.readings.userSearchLimit === 'first-100' ? found.slice(0, 100) : found;
  const limit = Math.min(requested, ctx.readings.userSearchLimit === 'first-100' ? 100 : 1000);
  return { status: 200, body: window.slice(startAt, startAt + limit).map((user) => userJson(ctx.base, user)) };
}

function userBean(ctx: JiraRouteContext, user: JiraUser, expand: ReadonlySet<string>): Record<string, unknown> {
  const groups = ctx.readings.userGroupsExpand === 'effective' ? ctx.state.effectiveGroupsOf(user.username) : ctx.state.groupsOf(user.username);
  const held = new Set(ctx.state.applicationsOf(user.username));
  return userBeanJson(ctx.base, user, {
    groups: expand.has('groups') ? groups : null,
    applicationRoles: expand.has('applicationRoles') ? ctx.state.applicationRoles().filter((role) => held.has(role.key)) : null,
    lastLoginOffsetMinutes: ctx.readings.lastLoginTimeField === 'present' ? ctx.lastLoginOffsetMinutes : null,
  });
}

/** `2026-01-15T12:00:00.000+0000`, the form Jira's REST dates take (UNVERIFIED for serverTime beyond its field name). */
function jiraTime(at: Date): string {
  return `${at.toISOString().slice(0, 23)}+0000`;
}

function pageRequest(ctx: JiraRouteContext): PageRequest {
  return { routeId: ctx.route.id, url: `${ctx.base}${ctx.path}`, query: ctx.rawQuery, faults: ctx.faults };
}

function callerOf(ctx: JiraRouteContext): JiraUser {
  if (ctx.caller === null) throw new Error(`route ${ctx.route.id} needs an authenticated caller`);
  return ctx.caller;
}

function required(ctx: JiraRouteContext, name: string): string {
  const value = ctx.query(name);
  if (value === null || value === '') throw new JiraRestFailure(400, `${name} is required`, name);
  return value;
}

function integer(ctx: JiraRouteContext, name: string): number | null {
  const raw = ctx.query(name);
  if (raw === null || raw === '') return null;
  if (!/^-?\d+$/.test(raw)) throw new JiraRestFailure(400, `${name} must be an integer`, name);
  return Number(raw);
}

function positive(ctx: JiraRouteContext, name: string): number | null {
  const value = integer(ctx, name);
  if (value !== null && value < 1) throw new JiraRestFailure(400, `${name} must be positive`, name);
  return value;
}

function userFromQuery(ctx: JiraRouteContext): JiraUser {
  const key = ctx.query('key');
  const username = ctx.query('username');
  if (username !== null && username !== '') return ctx.state.findUser(username) ?? notFound(`The user named '${username}' does not exist`);
  if (key !== null && key !== '') return ctx.state.findUserByKey(key) ?? notFound(`The user with the key '${key}' does not exist`);
  throw new JiraRestFailure(400, 'Either the username or the key query parameter must be provided');
}

function groupFromQuery(ctx: JiraRouteContext): JiraGroup {
  const name = ctx.query('groupname');
  if (name === null || name === '') throw new JiraRestFailure(400, 'Group name must be provided', 'groupname');
  return ctx.state.findGroup(name) ?? notFound(`Specified group does not exist: ${name}`);
}

function notFound(message: string): never {
  throw new JiraRestFailure(404, message);
}

/**
 * Refusal → status: the spec's 400/404 where it says so, the readings elsewhere. `not-member` is 400 with Jira's
 * "Cannot remove user 'x' from group 'g' since user is not a member of 'g'": the wording is in Jira's own tests
 * (public copies of DefaultGroupService's test and a func test), and public clients match 400 with it on
 * `DELETE /group/user` (ls1intum Artemis' Jira service; a PHP Jira client) — 3RD-PARTY, no other answer seen.
 * `name-taken` is 400 on the `username` field: Jira's DefaultUserService validates a rename with the sign-up check
 * (`signup.error.username.exists`, field "username"; public copy of Jira's source, 3RD-PARTY).
 */
function written(ctx: JiraRouteContext, outcome: JiraWriteOutcome): void {
  if (outcome.result !== 'refused') return;
  const status: Record<JiraRefusal, number> = {
    'user-not-found': 404, 'group-not-found': 404, 'application-not-found': 400, 'already-member': 400, 'not-member': 400,
    'name-taken': 400, invalid: 400, 'read-only': ctx.readings.readOnlyRefusal,
    'licence-full': ctx.state.licenceFull === 'refuse-403' ? 403 : 400,
  };
  throw new JiraRestFailure(status[outcome.reason], outcome.message, outcome.field);
}

/** `{"name": "<username>"}` (UpdateUserToGroupBean). */
function nameBody(body: unknown): string {
  if (typeof body !== 'object' || body === null || !('name' in body) || typeof body.name !== 'string' || body.name === '') {
    throw new JiraRestFailure(400, 'The user name must be provided', 'name');
  }
  return body.name;
}

/** UserWriteBean: name, displayName, emailAddress and active change; password, notification, applicationKeys are ignored. */
function userWriteBody(body: unknown): JiraUserUpdate {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new JiraRestFailure(400, 'Expected a JSON object');
  const update: { name?: string; displayName?: string; emailAddress?: string; active?: boolean } = {};
  if ('name' in body && body.name !== undefined) {
    if (typeof body.name !== 'string' || body.name.trim() === '' || /\s/.test(body.name)) throw new JiraRestFailure(400, 'The username is invalid', 'username');
    update.name = body.name;
  }
  if ('displayName' in body && body.displayName !== undefined) {
    if (typeof body.displayName !== 'string' || body.displayName.trim() === '') throw new JiraRestFailure(400, 'You must specify a full name', 'displayName');
    update.displayName = body.displayName;
  }
  if ('emailAddress' in body && body.emailAddress !== undefined) {
    if (typeof body.emailAddress !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(body.emailAddress)) {
      throw new JiraRestFailure(400, 'You must specify a valid email address', 'emailAddress');
    }
    update.emailAddress = body.emailAddress;
  }
  if ('active' in body && body.active !== undefined) {
    if (typeof body.active !== 'boolean') throw new JiraRestFailure(400, 'active must be true or false', 'active');
    update.active = body.active;
  }
  return update;
}
