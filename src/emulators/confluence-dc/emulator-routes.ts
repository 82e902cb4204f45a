/**
 * The emulator's route table: every (method, path template) it serves, the first version that has it,
 * who may call it, which query parameters it reads, and its handler. The contract test walks this table
 * against the OpenAPI spec, so it is the single list of what the emulator claims to be.
 */

import type { EmulatorState } from './emulator-state.ts';
import type { EmulatedGroup, EmulatedUser, Refusal, WriteOutcome } from './emulator-model.ts';
import type { FaultInjector } from './emulator-faults.ts';
import { PERMISSION_KEYS, type PermissionKey } from './org-generator.ts';
import {
  groupJson, pagedJson, parseExpand, permissionJson, personJson, RestFailure, statusWord,
  type JsonLinks, type LastLoginFormat,
} from './emulator-json.ts';
import type { LastLoginField, MemberLists, PermissionSubjects, ReadOnlyRefusal, StatusCase } from './emulator-readings.ts';
import {
  BUILD_INFO, loginPageHtml, manifestJson, versionAtLeast, type EmulatedVersion, type VersionThreshold,
} from './emulator-versions.ts';

// Kept importable from here, where callers found them before versions had a file of their own.
export { EMULATED_VERSIONS, versionAtLeast } from './emulator-versions.ts';
export type { EmulatedVersion } from './emulator-versions.ts';

/**
 * Server-side caps on `limit` (Atlassian says only "may be restricted by fixed system limits", so these
 * are the emulator's assumption): `users` for the two user listings, `groups` for every group listing,
 * group membership listing and memberof.
 */
export interface PageCaps {
  readonly users: number;
  readonly groups: number;
}

/** Emulator-wide response settings fixed at start-up; each undocumented one is explained in emulator-readings.ts. */
export interface RouteSettings {
  readonly pageCaps: PageCaps;
  readonly lastLoginFormat: LastLoginFormat;
  readonly lastLoginOffsetMinutes: number;
  readonly statusCase: StatusCase;
  readonly emailOnUserList: boolean;
  readonly lastLoginField: LastLoginField;
  readonly memberLists: MemberLists;
  readonly permissionSubjects: PermissionSubjects;
  readonly readOnlyRefusal: ReadOnlyRefusal;
}

/** What a handler gets for one request; `caller` is null only on anonymous routes. */
export interface RouteContext {
  readonly route: ConfluenceRoute;
  readonly state: EmulatorState;
  readonly version: EmulatedVersion;
  readonly caller: EmulatedUser | null;
  readonly callerIsAdmin: boolean;
  readonly links: JsonLinks;
  /** Seeds per-instance identifiers (the Applinks application id). */
  readonly instanceSeed: number;
  /** Request path below the context path, still URL-encoded, e.g. `/rest/api/group/my%20group/member`. */
  readonly path: string;
  readonly rawQuery: URLSearchParams;
  /** A query parameter the route declares (reading an undeclared one is a programming error). */
  query(name: string): string | null;
  /** A decoded path parameter. */
  param(name: string): string;
  readonly body: unknown;
  readonly settings: RouteSettings;
  readonly faults: FaultInjector;
}

/** A handler's answer: `body` is sent as JSON, `html` as `text/html;charset=UTF-8`; neither means no content. */
export interface RouteResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly html?: string;
}

/** One served route. */
export interface ConfluenceRoute {
  /** `METHOD template`, the key of `stats.byRoute` and of the paging faults. */
  readonly id: string;
  readonly method: 'GET' | 'PUT' | 'DELETE';
  /** Path template as the OpenAPI spec writes it, below the context path. */
  readonly template: string;
  /** The release the reference says the route arrived in; an emulated version serves it when at least that. */
  readonly since: VersionThreshold;
  /** `anonymous`: no credentials needed; `licensed`: holds a seat or administers; `admin`: system or Confluence administrator. */
  readonly access: 'anonymous' | 'authenticated' | 'licensed' | 'admin';
  readonly query: readonly string[];
  /** Why the route is served although the 10.0.3 spec lacks it, with the reference's source tags. */
  readonly notInSpec?: string;
  readonly handle: (ctx: RouteContext) => RouteResponse;
}

const PAGING = ['start', 'limit', 'expand'];
const LICENCE_REST = 'licence REST plugin (/rest/license/1.0), not in the 10.0.3 OpenAPI: [S7] CONFSERVER-37100, [S21] atlassian-python-api, [S22] {"count": n}';
const MANIFEST = 'Applinks plugin, not in the 10.0.3 OpenAPI [S1] nor in Atlassian\'s REST reference; reference "Corrections, second review", '
  + 'version route: "Routes every supported version has that carry the version: GET /rest/applinks/1.0/manifest (version, buildNumber; '
  + 'seen in public client code, not in Atlassian\'s REST reference)" (3RD-PARTY, no source tag of its own)';
const LOGIN_PAGE = 'an HTML page, not REST, so not in the 10.0.3 OpenAPI [S1]; reference "Corrections, second review", version route: '
  + '"the HTML of any page carries <meta name="ajs-version-number" content="…"> (used by public scripts)" (3RD-PARTY, no source tag of its own)';

function route(
  method: ConfluenceRoute['method'], template: string, since: VersionThreshold, access: ConfluenceRoute['access'],
  query: readonly string[], handle: ConfluenceRoute['handle'], notInSpec?: string,
): ConfluenceRoute {
  return { id: `${method} ${template}`, method, template, since, access, query, handle, ...(notInSpec === undefined ? {} : { notInSpec }) };
}

/**
 * Every route the emulator knows; a running emulator serves those its version has. `since` follows
 * reference §1.10: '8.2' AdminUserResource and membership writes, '8.4' the user list (and, as the oldest
 * emulated version, everything "before 8.x"), '9.1' server information, '9.3' the admin active list and
 * global permissions.
 */
export const CONFLUENCE_ROUTES: readonly ConfluenceRoute[] = [
  route('GET', '/rest/api/server-information', '9.1', 'authenticated', [], (ctx) => ({
    status: 200,
    body: { baseUrl: ctx.links.base, ...BUILD_INFO[ctx.version], marketplaceBuildNumber: BUILD_INFO[ctx.version].buildNumber },
  })),
  route('GET', '/rest/applinks/1.0/manifest', '8.4', 'anonymous', [], (ctx) =>
    ({ status: 200, body: manifestJson(ctx.version, ctx.links.base, ctx.instanceSeed) }), MANIFEST),
  route('GET', '/login.action', '8.4', 'anonymous', [], (ctx) => ({ status: 200, html: loginPageHtml(ctx.version) }), LOGIN_PAGE),
  route('GET', '/rest/api/user/current', '8.4', 'authenticated', ['expand'], (ctx) => ({ status: 200, body: person(ctx, callerOf(ctx), 'user-route') })),
  route('GET', '/rest/api/user/list', '8.4', 'licensed', PAGING, (ctx) =>
    page(ctx, ctx.state.allUsers(), 'users', 100, (user) => person(ctx, user, 'user-route'))),
  route('GET', '/rest/api/user/memberof', '8.4', 'licensed', ['username', 'key', ...PAGING], (ctx) =>
    page(ctx, ctx.state.groupsOf(userFromQuery(ctx).username), 'groups', 200, (group) => groupJson(group, ctx.links))),
  route('GET', '/rest/api/user', '8.4', 'licensed', ['username', 'key', 'expand'], (ctx) => ({ status: 200, body: person(ctx, userFromQuery(ctx), 'user-route') })),
  route('GET', '/rest/api/admin/users/list/active', '9.3', 'admin', PAGING, (ctx) =>
    page(ctx, ctx.state.activeLicensedUsers(), 'users', 100, (user) => person(ctx, user, 'admin-list'))),
  route('GET', '/rest/api/group', '8.4', 'licensed', PAGING, (ctx) =>
    page(ctx, ctx.state.allGroups(), 'groups', 200, (group) => groupJson(group, ctx.links))),
  route('GET', '/rest/api/group/{groupName}', '8.4', 'licensed', ['expand'], (ctx) => ({ status: 200, body: groupJson(groupFromPath(ctx), ctx.links) })),
  route('GET', '/rest/api/group/{groupName}/member', '8.4', 'admin', PAGING, (ctx) => {
    const group = groupFromPath(ctx).name;
    const members = ctx.settings.memberLists === 'flattened' ? ctx.state.flattenedMembersOf(group) : ctx.state.membersOf(group);
    return page(ctx, members, 'groups', 200, (user) => person(ctx, user, 'user-route'));
  }),
  route('GET', '/rest/api/group/{groupName}/groupmember', '8.4', 'licensed', PAGING, (ctx) =>
    page(ctx, ctx.state.childGroupsOf(groupFromPath(ctx).name), 'groups', 200, (group) => groupJson(group, ctx.links))),
  route('GET', '/rest/api/group/{groupName}/groupparent', '8.4', 'licensed', PAGING, (ctx) =>
    page(ctx, ctx.state.parentGroupsOf(groupFromPath(ctx).name), 'groups', 200, (group) => groupJson(group, ctx.links))),
  route('PUT', '/rest/api/user/{username}/group/{groupName}', '8.2', 'admin', [], (ctx) =>
    written(ctx, ctx.state.addMembership(ctx.param('username'), ctx.param('groupName')))),
  route('DELETE', '/rest/api/user/{username}/group/{groupName}', '8.2', 'admin', [], (ctx) =>
    written(ctx, ctx.state.removeMembership(ctx.param('username'), ctx.param('groupName')))),
  route('PUT', '/rest/api/admin/user/{username}/disable', '8.2', 'admin', [], (ctx) => written(ctx, ctx.state.setActive(ctx.param('username'), false))),
  route('PUT', '/rest/api/admin/user/{username}/enable', '8.2', 'admin', [], (ctx) => written(ctx, ctx.state.setActive(ctx.param('username'), true))),
  // First version with profile updates is unverified (present in the 10.0.3 spec); served from 10.2 only.
  route('PUT', '/rest/api/admin/user/{username}', '10.2', 'admin', [], (ctx) =>
    written(ctx, ctx.state.updateProfile(ctx.param('username'), profileBody(ctx.body)))),
  route('GET', '/rest/api/permissions', '9.3', 'admin', [], (ctx) =>
    ({ status: 200, body: ctx.state.permissions().map((entry) => permissionJson(entry, ctx.settings.permissionSubjects)) })),
  route('GET', '/rest/api/permissions/user/{user}', '9.3', 'admin', [], (ctx) => {
    const user = userFromPath(ctx);
    return {
      status: 200,
      body: ctx.state.userPermissions(user.username).map((permission) => permissionJson({ subject: 'user', user, permission }, ctx.settings.permissionSubjects)),
    };
  }),
  route('GET', '/rest/api/permissions/group/{groupName}', '9.3', 'admin', [], (ctx) => {
    const group = groupFromPath(ctx);
    return {
      status: 200,
      body: ctx.state.groupPermissions(group.name).map((permission) => permissionJson({ subject: 'group', group, permission }, ctx.settings.permissionSubjects)),
    };
  }),
  route('PUT', '/rest/api/permissions/user/{user}/grant', '9.3', 'admin', [], (ctx) => {
    const user = userFromPath(ctx);
    return writtenAll(ctx, operationsBody(ctx.body).map((permission) => () => ctx.state.grantPermission(user.username, permission)));
  }),
  route('PUT', '/rest/api/permissions/user/{user}/revoke', '9.3', 'admin', [], (ctx) => {
    const user = userFromPath(ctx);
    return writtenAll(ctx, operationsBody(ctx.body).map((permission) => () => ctx.state.revokePermission(user.username, permission)));
  }),
  route('GET', '/rest/license/1.0/license/userCount', '8.4', 'admin', [], (ctx) => ({ status: 200, body: { count: ctx.state.licensedCount() } }), LICENCE_REST),
  route('GET', '/rest/license/1.0/license/maxUsers', '8.4', 'admin', [], (ctx) => ({ status: 200, body: { count: ctx.state.maxUsers } }), LICENCE_REST),
  route('GET', '/rest/license/1.0/license/remainingSeats', '8.4', 'admin', [], (ctx) =>
    ({ status: 200, body: { count: ctx.state.maxUsers - ctx.state.licensedCount() } }), LICENCE_REST),
];

/**
 * A Person as this route sends it. E-mail: the 10.2 admin list documents it [S2]; the user routes send
 * none unless `emailOnUserList` (then to administrators only). `lastLogin`: the 10.2 admin list, expanded,
 * unless `lastLoginField` is 'absent'. `status`: the UserStatus word when expanded.
 */
function person(ctx: RouteContext, user: EmulatedUser, where: 'user-route' | 'admin-list'): Record<string, unknown> {
  const expand = parseExpand(ctx.query('expand'));
  const adminList = where === 'admin-list';
  const lastLogin = adminList && expand.has('lastLogin') && versionAtLeast(ctx.version, '10.2') && ctx.settings.lastLoginField === 'present'
    ? { format: ctx.settings.lastLoginFormat, offsetMinutes: ctx.settings.lastLoginOffsetMinutes }
    : null;
  return personJson(user, ctx.links, {
    status: expand.has('status') ? statusWord(ctx.state.statusOf(user.username), ctx.settings.statusCase) : null,
    email: adminList ? versionAtLeast(ctx.version, '10.2') : ctx.settings.emailOnUserList && ctx.callerIsAdmin,
    lastLogin,
  });
}

function callerOf(ctx: RouteContext): EmulatedUser {
  if (ctx.caller === null) throw new Error(`route ${ctx.route.id} needs an authenticated caller`);
  return ctx.caller;
}

/** Cuts one page out of a listing, applying the server-side cap and the paging faults. */
function page<T>(
  ctx: RouteContext, items: readonly T[], cap: keyof PageCaps, defaultLimit: number, render: (item: T) => Record<string, unknown>,
): RouteResponse {
  const start = integerQuery(ctx, 'start') ?? 0;
  if (start < 0) throw new RestFailure(400, 'start must be non-negative');
  const requested = integerQuery(ctx, 'limit') ?? defaultLimit;
  if (requested < 1) throw new RestFailure(400, 'limit must be positive');
  const limit = Math.min(requested, ctx.settings.pageCaps[cap]);
  if (ctx.faults.failPage(ctx.route.id, start)) throw new RestFailure(500, `Emulated failure while paging ${ctx.route.template} at start=${start}`);
  const visible = Math.max(0, items.length - ctx.faults.hiddenItems(ctx.route.id));
  const from = ctx.faults.servedStart(ctx.route.id, start, limit);
  const slice = items.slice(from, Math.min(from + limit, visible));
  const body = pagedJson({ items: slice, start, limit, totalCount: items.length, hasMore: start + limit < visible }, ctx.links,
    { path: ctx.path, query: ctx.rawQuery }, render);
  return { status: 200, body: ctx.faults.distortPage(ctx.route.id, start, body) };
}

function integerQuery(ctx: RouteContext, name: string): number | null {
  const raw = ctx.query(name);
  if (raw === null || raw === '') return null;
  if (!/^-?\d+$/.test(raw)) throw new RestFailure(400, `${name} must be an integer`);
  return Number(raw);
}

function userFromQuery(ctx: RouteContext): EmulatedUser {
  const key = ctx.query('key');
  const username = ctx.query('username');
  if (key !== null) return ctx.state.findUserByKey(key) ?? notFound(`No user found with key: ${key}`);
  if (username !== null) return ctx.state.findUser(username) ?? notFound(`No user found with username: ${username}`);
  throw new RestFailure(400, 'Either username or key is required');
}

/** `{user}` of the permissions API: a user key or a username. */
function userFromPath(ctx: RouteContext): EmulatedUser {
  const value = ctx.param('user');
  return ctx.state.findUserByKey(value) ?? ctx.state.findUser(value) ?? notFound(`No user found with key or username: ${value}`);
}

function groupFromPath(ctx: RouteContext): EmulatedGroup {
  const name = ctx.param('groupName');
  return ctx.state.findGroup(name) ?? notFound(`No group found with name: ${name}`);
}

function notFound(message: string): never {
  throw new RestFailure(404, message);
}

/**
 * The status of a refused write. Read-only directory and externally deleted account: undocumented, so the
 * `readOnlyRefusal` reading (the directory refuses the change either way); no seat left: 402, the status
 * user creation documents, sent only under the 'refuse-402' licence reading.
 */
function refusalStatus(reason: Refusal, settings: RouteSettings): number {
  switch (reason) {
    case 'user-not-found':
    case 'group-not-found':
      return 404;
    case 'read-only':
    case 'externally-deleted':
      return settings.readOnlyRefusal;
    case 'licence-full':
      return 402;
  }
}

function written(ctx: RouteContext, outcome: WriteOutcome): RouteResponse {
  if (outcome.result === 'refused') throw new RestFailure(refusalStatus(outcome.reason, ctx.settings), outcome.message);
  return { status: 204 };
}

/** Applies several permission writes; the body was validated first, so only the licence can stop one midway. */
function writtenAll(ctx: RouteContext, writes: readonly (() => WriteOutcome)[]): RouteResponse {
  for (const write of writes) written(ctx, write());
  return { status: 204 };
}

/** `[{targetType, operationKey}, …]` → permission keys; unsupported pairs are a 400, as in Confluence. */
function operationsBody(body: unknown): PermissionKey[] {
  if (!Array.isArray(body) || body.length === 0) throw new RestFailure(400, 'Expected a non-empty array of {targetType, operationKey}');
  return body.map((item: unknown) => {
    if (typeof item !== 'object' || item === null || !('targetType' in item) || !('operationKey' in item)) {
      throw new RestFailure(400, 'Each operation needs targetType and operationKey');
    }
    const pair = `${String(item.targetType)}/${String(item.operationKey)}`;
    const key = PERMISSION_KEYS.find((candidate) => candidate === pair);
    if (key === undefined) throw new RestFailure(400, `Unsupported global permission: ${pair}`);
    return key;
  });
}

/** `UserDetailsForUpdate`: fullName and email may change; currentPassword is accepted and ignored. */
function profileBody(body: unknown): { fullName?: string; email?: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RestFailure(400, 'Expected a JSON object');
  const fields: { fullName?: string; email?: string } = {};
  if ('fullName' in body && body.fullName !== undefined) {
    if (typeof body.fullName !== 'string' || body.fullName.trim() === '') throw new RestFailure(400, 'fullName must be a non-empty string');
    fields.fullName = body.fullName;
  }
  if ('email' in body && body.email !== undefined) {
    if (typeof body.email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(body.email)) throw new RestFailure(400, 'email is not a valid address');
    fields.email = body.email;
  }
  return fields;
}
