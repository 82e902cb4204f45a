/** The JSON shapes Confluence DC answers with: Person, Group, GlobalPermission, the paged envelope and RestError. */

import { STATUS_CODES } from 'node:http';
import type { EmulatedGroup, EmulatedUser, PermissionEntry, UserStatus } from './emulator-model.ts';
import type { PermissionKey } from './org-generator.ts';
import type { PermissionSubjects, StatusCase } from './emulator-readings.ts';

/** A failure a route handler raises; the server turns it into a RestError response. */
export class RestFailure extends Error {
  override readonly name = 'RestFailure';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Where links point: `base` is the absolute URL incl. context path, `context` the context path alone. */
export interface JsonLinks {
  readonly base: string;
  readonly context: string;
}

/** How `lastLogin` is written (the 10.2 docs do not say; both are served so the connector's parsing is tested). */
export type LastLoginFormat = 'iso' | 'epoch-millis';

/** `UserStatus` as `expand=status` writes it: `current` or `CURRENT` (see StatusCase). */
export function statusWord(status: UserStatus, statusCase: StatusCase): string {
  return statusCase === 'upper' ? status : status.toLowerCase();
}

/**
 * What a Person carries beyond the always-present fields: `status` is the word to send (null: not
 * expanded); `lastLogin` null leaves the key out.
 */
export interface PersonOptions {
  readonly status: string | null;
  readonly email: boolean;
  readonly lastLogin: { readonly format: LastLoginFormat; readonly offsetMinutes: number } | null;
}

/** The RestError body, with Confluence's `data` (ValidationResult) block. */
export function restErrorJson(status: number, message: string): Record<string, unknown> {
  return {
    statusCode: status,
    data: {
      authorized: status !== 401 && status !== 403,
      valid: status !== 400,
      allowedInReadOnlyMode: true,
      // Live Confluence sends an array here; the generated 10.0.3 schema says object (see the contract test).
      errors: [],
      successful: false,
    },
    message,
    reason: STATUS_CODES[status] ?? 'Error',
  };
}

/** A `known` Person, as the user resources return it. */
export function personJson(user: EmulatedUser, links: JsonLinks, options: PersonOptions): Record<string, unknown> {
  const person: Record<string, unknown> = {
    type: 'known',
    username: user.username,
    userKey: user.userKey,
    profilePicture: { path: `${links.context}/images/icons/profilepics/default.svg`, width: 48, height: 48, isDefault: true },
    displayName: user.displayName,
  };
  if (options.email) person['email'] = user.email;
  if (options.status !== null) person['status'] = options.status;
  if (options.lastLogin !== null) {
    person['lastLogin'] = user.lastLogin === null ? null : formatLastLogin(user.lastLogin, options.lastLogin.format, options.lastLogin.offsetMinutes);
  }
  person['_links'] = { self: `${links.base}/rest/api/user?key=${encodeURIComponent(user.userKey)}` };
  const expandable: Record<string, string> = { operations: '', details: '', personalSpace: '' };
  if (options.status === null) expandable['status'] = '';
  person['_expandable'] = expandable;
  return person;
}

/** A group, as the group resources return it. */
export function groupJson(group: EmulatedGroup, links: JsonLinks): Record<string, unknown> {
  return {
    type: 'group',
    name: group.name,
    _links: { self: `${links.base}/rest/api/group/${encodeURIComponent(group.name)}` },
  };
}

/**
 * A GlobalPermission. The spec's Subject has only `type` and `displayName`, which cannot identify a user
 * (display names repeat); 'identified' adds `username`/`userKey` (users) and `name` (groups), one of the
 * two readings (see PermissionSubjects).
 */
export function permissionJson(entry: PermissionEntry, subjects: PermissionSubjects): Record<string, unknown> {
  const displayName = entry.subject === 'group' ? entry.group.name : entry.user.displayName;
  const identity = subjects === 'display-name-only' ? {}
    : entry.subject === 'group' ? { name: entry.group.name } : { username: entry.user.username, userKey: entry.user.userKey };
  return { operation: operationJson(entry.permission), subject: { type: entry.subject, displayName, ...identity } };
}

/** `application/use` → `{targetType: 'application', operationKey: 'use'}`. */
export function operationJson(permission: PermissionKey): { targetType: string; operationKey: string } {
  const [targetType = '', operationKey = ''] = permission.split('/');
  return { targetType, operationKey };
}

/** ISO-8601 with an explicit offset (e.g. `2026-01-15T11:00:00.000+01:00`) or epoch milliseconds. */
export function formatLastLogin(at: Date, format: LastLoginFormat, offsetMinutes: number): string | number {
  if (format === 'epoch-millis') return at.getTime();
  const shifted = new Date(at.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${shifted}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** `expand=status,lastLogin` → {'status', 'lastLogin'}. */
export function parseExpand(value: string | null): Set<string> {
  return new Set((value ?? '').split(',').map((part) => part.trim()).filter((part) => part !== ''));
}

/** One page of a listing, already cut, with what the envelope needs to say about the rest. */
export interface PageSlice<T> {
  readonly items: readonly T[];
  readonly start: number;
  readonly limit: number;
  readonly totalCount: number;
  readonly hasMore: boolean;
}

/**
 * The paged envelope. `_links.next` is relative to `_links.base` and present only when more results exist;
 * `self` is absolute. Other query parameters (e.g. `expand`) are carried into `next`.
 */
export function pagedJson<T>(
  page: PageSlice<T>,
  links: JsonLinks,
  request: { readonly path: string; readonly query: URLSearchParams },
  render: (item: T) => Record<string, unknown>,
): Record<string, unknown> {
  const linkFor = (start: number): string => {
    const query = new URLSearchParams(request.query);
    query.set('start', String(start));
    query.set('limit', String(page.limit));
    return `${request.path}?${query.toString()}`;
  };
  const selfQuery = request.query.toString();
  const pageLinks: Record<string, string> = {
    base: links.base,
    context: links.context,
    self: `${links.base}${request.path}${selfQuery === '' ? '' : `?${selfQuery}`}`,
  };
  if (page.hasMore) pageLinks['next'] = linkFor(page.start + page.limit);
  return {
    results: page.items.map(render),
    start: page.start,
    limit: page.limit,
    size: page.items.length,
    totalCount: page.totalCount,
    _links: pageLinks,
  };
}
