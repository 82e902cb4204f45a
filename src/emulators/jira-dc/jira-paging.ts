/**
 * Jira's two paged envelopes, cut from a listing with the shared paging faults applied:
 * - PageBean `{self, nextPage, maxResults, startAt, total, isLast, values}` (spec schema; `/group/member`),
 * - StreamPageBean `{self, nextPage, nextCursor, maxResults, isLast, values}` (spec schema; `/user/list`),
 *   "not indicating the total … the same user will not be returned twice … never returns 404 code, even if
 *   called with a cursor parameter that was not returned in the previous call" (spec description, VERIFIED).
 *   The cursor is "the id of the user to start after" (Jira 11.3 Javadoc of UserResource.getUserList,
 *   VERIFIED for 11.3; taken as the same on 10.3). `nextCursor`/`nextPage` are left out on the last page
 *   (Jira's beans drop null fields; UNVERIFIED for this bean).
 */

import type { FaultInjector } from '../confluence-dc/emulator-faults.ts';
import { JiraRestFailure } from './jira-json.ts';

/** The request a page answers: its route id (for faults), absolute URL and query. */
export interface PageRequest {
  readonly routeId: string;
  readonly url: string;
  readonly query: URLSearchParams;
  readonly faults: FaultInjector;
}

/** A PageBean of `items` from `startAt`, at most `limit` of them. */
export function pageBean<T>(request: PageRequest, items: readonly T[], startAt: number, limit: number, render: (item: T) => unknown): Record<string, unknown> {
  const { faults, routeId } = request;
  if (faults.failPage(routeId, startAt)) throw new JiraRestFailure(500, `Emulated failure while paging at startAt=${startAt}`);
  const visible = Math.max(0, items.length - faults.hiddenItems(routeId));
  const from = faults.servedStart(routeId, startAt, limit);
  const values = items.slice(from, Math.min(from + limit, visible)).map(render);
  const isLast = startAt + limit >= visible;
  const body: Record<string, unknown> = { self: withQuery(request, {}), maxResults: limit, startAt, total: items.length, isLast, values };
  if (!isLast) body['nextPage'] = withQuery(request, { startAt: String(startAt + limit), maxResults: String(limit) });
  return distort(request, body, startAt);
}

/**
 * A StreamPageBean of the users after `cursor` (ids ascending). `position` of the first item feeds the
 * paging faults as a `start` does elsewhere.
 */
export function streamPage<T extends { readonly appUserId: number }>(
  request: PageRequest, items: readonly T[], cursor: number | null, limit: number, render: (item: T) => unknown,
): Record<string, unknown> {
  const { faults, routeId } = request;
  const position = cursor === null ? 0 : firstAfter(items, cursor);
  if (faults.failPage(routeId, position)) throw new JiraRestFailure(500, `Emulated failure while streaming at cursor=${cursor ?? ''}`);
  const visible = Math.max(0, items.length - faults.hiddenItems(routeId));
  const from = faults.servedStart(routeId, position, limit);
  const slice = items.slice(from, Math.min(from + limit, visible));
  const isLast = from + limit >= visible;
  const body: Record<string, unknown> = { self: withQuery(request, {}), maxResults: limit, isLast, values: slice.map(render) };
  const last = slice[slice.length - 1];
  if (!isLast && last !== undefined) {
    const next = String(last.appUserId);
    body['nextCursor'] = next;
    body['nextPage'] = withQuery(request, { cursor: next, maxResults: String(limit) });
  }
  return distort(request, body, position);
}

/** Index of the first item whose id is above `cursor` (items sorted by id). */
function firstAfter(items: readonly { readonly appUserId: number }[], cursor: number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((items[middle]?.appUserId ?? Infinity) <= cursor) low = middle + 1;
    else high = middle;
  }
  return low;
}

function withQuery(request: PageRequest, overrides: Record<string, string>): string {
  const query = new URLSearchParams(request.query);
  for (const [name, value] of Object.entries(overrides)) query.set(name, value);
  const text = query.toString();
  return `${request.url}${text === '' ? '' : `?${text}`}`;
}

/**
 * The hostile paging faults of EmulatorFaults, on Jira's fields: `lyingTotal` rewrites `total` (PageBean
 * only, the stream has none); `selfNext` points `nextPage` (and `nextCursor`) back at this page;
 * `replaceNext` puts its link into `nextPage`.
 */
function distort(request: PageRequest, body: Record<string, unknown>, position: number): Record<string, unknown> {
  const faults = request.faults.faults;
  const out = { ...body };
  if (faults.lyingTotal?.route === request.routeId && 'total' in out) out['total'] = faults.lyingTotal.totalCount;
  if (faults.selfNext?.route === request.routeId && typeof out['nextPage'] === 'string') {
    out['nextPage'] = out['self'];
    if ('nextCursor' in out) out['nextCursor'] = request.query.get('cursor') ?? '0';
    if ('startAt' in out) out['nextPage'] = withQuery(request, { startAt: String(position) });
  }
  if (faults.replaceNext?.route === request.routeId) out['nextPage'] = faults.replaceNext.link;
  return out;
}
