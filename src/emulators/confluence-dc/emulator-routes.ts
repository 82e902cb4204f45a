/**
 * The emulator's route table: every (method, path template) it serves, the first emulated version that
 * has it, who may call it, which query parameters it reads, and its handler. The contract test walks
 * this table against the OpenAPI spec, so it is the single list of what the emulator claims to be.
 */

import type { EmulatorState } from './emulator-state.ts';
import type { EmulatedGroup, EmulatedUser, Refusal, WriteOutcome } from './emulator-model.ts';
import type { FaultInjector } from './emulator-faults.ts';
import { PERMISSION_KEYS, type PermissionKey } from './org-generator.ts';
import {
  groupJson, pagedJson, parseExpand, permissionJson, personJson, RestFailure,
  type JsonLinks, type LastLoginFormat, type StatusValues,
} from './emulator-json.ts';

/** The Confluence DC versions the emulator can be; each switches routes and expansions on. */
export type EmulatedVersion = '8.4' | '9.3' | '10.2';

/** Emulated versions, oldest first. */
export const EMULATED_VERSIONS: readonly EmulatedVersion[] = ['8.4', '9.3', '10.2'];

/** True when `version` is `since` or newer. */
export function versionAtLeast(version: EmulatedVersion, since: EmulatedVersion): boolean {
  return EMULATED_VERSIONS.indexOf(version) >= EMULATED_VERSIONS.indexOf(since);
}

/**
 * Server-side caps on `limit` (Atlassian says only "may be restricted by fixed system limits", so these
 * are the emulator's assumption): `users` for the two user listings, `groups` for every group listing,
 * group membership listing and memberof.
 */
export interface PageCaps {
  readonly users: number;
  readonly groups: number;
}

/** Emulator-wide response settings fixed at start-up. */
export interface RouteSettings {
  readonly pageCaps: PageCaps;
  readonly lastLoginFormat: LastLoginFormat;
  readonly lastLoginOffsetMinutes: number;
  readonly statusValues: StatusValues;
}

/** What a handler gets for one request. */
export interface RouteContext {
  readonly route: ConfluenceRoute;
  readonly state: EmulatorState;
  readonly version: EmulatedVersion;
  readonly caller: EmulatedUser;
  readonly callerIsAdmin: boolean;
  readonly links: JsonLinks;
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

/** A handler's answer; `body` undefined means no content. */
export interface RouteResponse {
  readonly status: number;
  readonly body?: unknown;
}

/** One served route. */
export interface ConfluenceRoute {
  /** `METHOD template`, the key of `stats.byRoute` and of the paging faults. */
  readonly id: string;
  readonly method: 'GET' | 'PUT' | 'DELETE';
  /** Path template as the OpenAPI spec writes it, below the context path. */
  readonly template: string;
  readonly since: EmulatedVersion;
  /** `licensed`: holds a seat or administers; `admin`: system or Confluence administrator. */
  readonly access: 'authenticated' | 'licensed' | 'admin';
  readonly query: readonly string[];
  /** Why the route is served although the 10.0.3 spec lacks it, with the reference's source tags. */
  readonly notInSpec?: string;
  readonly handle: (ctx: RouteContext) => RouteResponse;
}

const SERVER_INFO: Readonly<Record<EmulatedVersion, { version: string; buildNumber: number; buildDate: string }>> = {
  '8.4': { version: '8.4.0', buildNumber: 9001, buildDate: '2023-06-20T00:00:00.000Z' },
  '9.3': { version: '9.3.1', buildNumber: 9301, buildDate: '2025-02-11T00:00:00.000Z' },
  '10.2': { version: '10.2.0', buildNumber: 10200, buildDate: '2025-11-18T00:00:00.000Z' },
};

const PAGING = ['start', 'limit', 'expand'];
/** How refusals answer: read-only directory → 403 (status unverified on a live instance), no seat left → 402 as user creation does. */
const REFUSAL_STATUS: Readonly<Record<Refusal, number>> = { 'user-not-found': 404, 'group-not-found': 404, 'read-only': 403, 'licence-full': 402 };
const LICENCE_REST = 'licence REST plugin (/rest/license/1.0), not in the 10.0.3 OpenAPI: [S7] CONFSERVER-37100, [S21] atlassian-python-api, [S22] {"count": n}';

function route(
  method: ConfluenceRoute['method'], template: string, since: EmulatedVersion, access: ConfluenceRoute['access'],
  query: readonly string[], handle: ConfluenceRoute['handle'], notInSpec?: string,
): ConfluenceRoute {
  return { id: `${method} ${template}`, method, template, since, access, query, handle, ...(notInSpec === undefined ? {} : { notInSpec }) };
}

/** Every route the emulator knows; a running emulator serves those its version has. */
export const CONFLUENCE_ROUTES: readonly ConfluenceRoute[] = [
  route('GET', '/rest/api/server-information', '8.4', 'authenticated', [], (ctx) => ({
    status: 200,
    body: { baseUrl: ctx.links.base, ...SERVER_INFO[ctx.version], marketplaceBuildNumber: SERVER_INFO[ctx.version].buildNumber },
  })),
  route('GET', '/rest/api/user/current', '8.4', 'authenticated', ['expand'], (ctx) => ({ status: 200, body: person(ctx, ctx.caller) })),
  route('GET', '/rest/api/user/list', '8.4', 'licensed', PAGING, (ctx) =>
    page(ctx, ctx.state.allUsers(), 'users', 100, (user) => person(ctx, user))),
  route('GET', '/rest/api/user/memberof', '8.4', 'licensed', ['username', 'key', ...PAGING], (ctx) =>
    page(ctx, ctx.state.groupsOf(userFromQuery(ctx).username), 'groups', 200, (group) => groupJson(group, ctx.links))),
  route('GET', '/rest/api/user', '8.4', 'licensed', ['username', 'key', 'expand'], (ctx) => ({ status: 200, body: person(ctx, userFromQuery(ctx)) })),
  route('GET', '/rest/api/admin/users/list/active', '9.3', 'admin', PAGING, (ctx) =>
    page(ctx, ctx.state.activeLicensedUsers(), 'users', 100, (user) => person(ctx, user, { lastLogin: true }))),
  route('GET', '/rest/api/group', '8.4', 'licensed', PAGING, (ctx) =>
    page(ctx, ctx.state.allGroups(), 'groups', 200, (group) => groupJson(group, ctx.links))),
  route('GET', '/rest/api/group/{groupName}', '8.4', 'licensed', ['expand'], (ctx) => ({ status: 200, body: groupJson(groupFromPath(ctx), ctx.links) })),
  route('GET', '/rest/api/group/{groupName}/member', '8.4', 'admin', PAGING, (ctx) =>
    page(ctx, ctx.state.membersOf(groupFromPath(ctx).name), 'groups', 200, (user) => person(ctx, user))),
  route('GET', '/rest/api/group/{groupName}/groupmember', '8.4', 'licensed', PAGING, (ctx) =>
    page(ctx, ctx.state.childGroupsOf(groupFromPath(ctx).name), 'groups', 200, (group) => groupJson(group, ctx.links))),
  route('GET', '/rest/api/group/{groupName}/groupparent', '8.4', 'licensed', PAGING, (ctx) =>
    page(ctx, ctx.state.parentGroupsOf(groupFromPath(ctx).name), 'groups', 200, (group) => groupJson(group, ctx.links))),
  route('PUT', '/rest/api/user/{username}/group/{groupName}', '8.4', 'admin', [], (ctx) =>
    written(ctx.state.addMembership(ctx.param('username'), ctx.param('groupName')))),
  route('DELETE', '/rest/api/user/{username}/group/{groupName}', '8.4', 'admin', [], (ctx) =>
    written(ctx.state.removeMembership(ctx.param('username'), ctx.param('groupName')))),
  route('PUT', '/rest/api/admin/user/{username}/disable', '8.4', 'admin', [], (ctx) => written(ctx.state.setActive(ctx.param('username'), false))),
  route('PUT', '/rest/api/admin/user/{username}/enable', '8.4', 'admin', [], (ctx) => written(ctx.state.setActive(ctx.param('username'), true))),
  // First version with profile updates is unverified (present in the 10.0.3 spec); served from 10.2 only.
  route('PUT', '/rest/api/admin/user/{username}', '10.2', 'admin', [], (ctx) =>
    written(ctx.state.updateProfile(ctx.param('username'), profileBody(ctx.body)))),
  route('GET', '/rest/api/permissions', '9.3', 'admin', [], (ctx) => ({ status: 200, body: ctx.state.permissions().map(permissionJson) })),
  route('GET', '/rest/api/permissions/user/{user}', '9.3', 'admin', [], (ctx) => {
    const user = userFromPath(ctx);
    return { status: 200, body: ctx.state.userPermissions(user.username).map((permission) => permissionJson({ subject: 'user', user, permission })) };
  }),
  route('GET', '/rest/api/permissions/group/{groupName}', '9.3', 'admin', [], (ctx) => {
    const group = groupFromPath(ctx);
    return { status: 200, body: ctx.state.groupPermissions(group.name).map((permission) => permissionJson({ subject: 'group', group, permission })) };
  }),
  route('PUT', '/rest/api/permissions/user/{user}/grant', '9.3', 'admin', [], (ctx) => {
    const user = userFromPath(ctx);
    return writtenAll(operationsBody(ctx.body).map((permission) => () => ctx.state.grantPermission(user.username, permission)));
  }),
  route('PUT', '/rest/api/permissions/user/{user}/revoke', '9.3', 'admin', [], (ctx) => {
    const user = userFromPath(ctx);
    return writtenAll(operationsBody(ctx.body).map((permission) => () => ctx.state.revokePermission(user.username, permission)));
  }),
  route('GET', '/rest/license/1.0/license/userCount', '8.4', 'admin', [], (ctx) => ({ status: 200, body: { count: ctx.state.licensedCount() } }), LICENCE_REST),
  route('GET', '/rest/license/1.0/license/maxUsers', '8.4', 'admin', [], (ctx) => ({ status: 200, body: { count: ctx.state.maxUsers } }), LICENCE_REST),
  route('GET', '/rest/license/1.0/license/remainingSeats', '8.4', 'admin', [], (ctx) =>
    ({ status: 200, body: { count: ctx.state.maxUsers - ctx.state.licensedCount() } }), LICENCE_REST),
];

/** A Person for this caller: e-mail for administrators and for oneself; `lastLogin` only where 10.2 has it. */
function person(ctx: RouteContext, user: EmulatedUser, options: { lastLogin?: boolean } = {}): Record<string, unknown> {
  const expand = parseExpand(ctx.query('expand'));
  const lastLogin = options.lastLogin === true && expand.has('lastLogin') && versionAtLeast(ctx.version, '10.2')
    ? { format: ctx.settings.lastLoginFormat, offsetMinutes: ctx.settings.lastLoginOffsetMinutes }
    : null;
  return personJson(user, ctx.links, {
    status: expand.has('status') ? ctx.settings.statusValues : null,
    email: ctx.callerIsAdmin || user.userKey === ctx.caller.userKey,
    lastLogin,
  });
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
  const slice = items.slice(start, Math.min(start + limit, visible));
  return {
    status: 200,
    body: pagedJson({ items: slice, start, limit, totalCount: items.length, hasMore: start + limit < visible }, ctx.links,
      { path: ctx.path, query: ctx.rawQuery }, render),
  };
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

function written(outcome: WriteOutcome): RouteResponse {
  if (outcome.result === 'refused') throw new RestFailure(REFUSAL_STATUS[outcome.reason], outcome.message);
  return { status: 204 };
}

/** Applies several permission writes; the body was validated first, so only the licence can stop one midway. */
function writtenAll(writes: readonly (() => WriteOutcome)[]): RouteResponse {
  for (const write of writes) written(write());
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
