/** GET /api/v1/users: the users of the newest complete scan with the filters of `seatkeeper users`, paged by cursor. */

import { z } from 'zod';
import type { ApiApp, ApiDeps } from './api-deps.ts';
import { filterContradictions, listDeactivatedUsers, listInactiveUsers, listNeverLoggedInUsers, listUsers, type UserFilter, type UserListing } from '../app/list-users.ts';
import { Conflict, InvalidInput } from '../domain/errors.ts';
import { userResource } from './api-resources.ts';
import { problemSchema } from './problem-details.ts';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

/** The filters of the users search (those of `seatkeeper users`), shared by the search and the export. */
export const userFilterQuery = z.object({
  instance: z.string().min(1).max(100).optional(),
  inactiveDays: z.coerce.number().int().min(0).max(100_000).optional(),
  neverLoggedIn: flag.optional(),
  directory: z.string().min(1).max(200).optional(),
  group: z.string().min(1).max(200).optional(),
  licensed: flag.optional(),
});

const query = userFilterQuery.extend({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});

/** The filter the query asks for; InvalidInput (400) when its parameters contradict each other. */
export function userFilterOf(q: z.infer<typeof userFilterQuery>): UserFilter {
  if (filterContradictions(q).length > 0) {
    throw new InvalidInput('neverLoggedIn and inactiveDays ask two things', ['inactiveDays already lists those who never logged in with the inactive; give one of them']);
  }
  return {
    ...(q.inactiveDays === undefined ? {} : { inactiveDays: q.inactiveDays }),
    ...(q.neverLoggedIn === true ? { neverLoggedIn: true } : {}),
    ...(q.directory === undefined ? {} : { directory: q.directory }),
    ...(q.group === undefined ? {} : { group: q.group }),
    ...(q.licensed === undefined ? {} : { licensed: q.licensed }),
  };
}

const page = z
  .object({ scanId: z.string(), scannedAt: z.string(), runsSinceScan: z.array(z.string()), total: z.number().int(), users: z.array(userResource), next: z.string().nullable() })
  .meta({ id: 'UserPage' });

const cursorSchema = z.object({ scanId: z.string(), offset: z.number().int().min(0) });

/** A cursor names the scan it pages through, so a new scan between two pages is noticed rather than skipping rows. */
function readCursor(text: string): z.infer<typeof cursorSchema> {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidInput('the cursor is not one this API gave out');
  }
}

const writeCursor = (scanId: string, offset: number): string => Buffer.from(JSON.stringify({ scanId, offset }), 'utf8').toString('base64url');

/** One page of a listing from the cursor on; the cursor names the scan, so a newer scan is a 409, not skipped rows. */
function pageOf(listing: UserListing, q: { limit: number; cursor?: string | undefined }): z.infer<typeof page> {
  const from = q.cursor === undefined ? { scanId: listing.scanId, offset: 0 } : readCursor(q.cursor);
  if (from.scanId !== listing.scanId) throw new Conflict(`the cursor pages through scan ${from.scanId}, but scan ${listing.scanId} is newer: start again without a cursor`);
  const rows = [...listing.rows];
  const users = rows.slice(from.offset, from.offset + q.limit).map((u) => ({ ...u, groups: [...u.groups], changesSinceScan: [...u.changesSinceScan] }));
  const end = from.offset + users.length;
  return {
    scanId: listing.scanId,
    scannedAt: listing.scannedAt,
    runsSinceScan: [...listing.runsSinceScan],
    total: rows.length,
    users,
    next: end < rows.length ? writeCursor(listing.scanId, end) : null,
  };
}

const paging = { instance: query.shape.instance, limit: query.shape.limit, cursor: query.shape.cursor };
const days = z.coerce.number().int().min(0).max(100_000);

/** Registers the users search and the Manage Inactive Users listings (deactivated, never logged in, inactive). */
export function userRoutes(app: ApiApp, deps: ApiDeps): void {
  const { runtime } = deps;
  app.get(
    '/api/v1/users',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['users'],
        summary: 'Search the users of the newest complete scan; steps of runs since the scan are shown on the rows',
        querystring: query,
        response: { 200: page, 400: problemSchema, 409: problemSchema },
      },
    },
    async (request) => {
      const q = request.query;
      const filter = userFilterOf(q);
      const instance = runtime.resolveInstance(q.instance);
      return pageOf(await listUsers({ store: runtime.store, now: runtime.clock.now() }, { instance, filter }), q);
    },
  );

  const listingDeps = () => ({ store: runtime.store, now: runtime.clock.now() });
  app.get(
    '/api/v1/users/deactivated',
    {
      config: { access: 'viewer' },
      schema: { tags: ['users'], summary: 'Deactivated users of the newest complete scan (as the journal leaves them)', querystring: z.object(paging), response: { 200: page, 400: problemSchema, 409: problemSchema } },
    },
    async (request) => pageOf(await listDeactivatedUsers(listingDeps(), { instance: runtime.resolveInstance(request.query.instance) }), request.query),
  );

  app.get(
    '/api/v1/users/never-logged-in',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['users'],
        summary: 'Active users who never logged in, created (or first seen) more than createdBeforeDays days ago',
        querystring: z.object({ ...paging, createdBeforeDays: days }),
        response: { 200: page, 400: problemSchema, 409: problemSchema },
      },
    },
    async (request) => {
      const { createdBeforeDays } = request.query;
      return pageOf(await listNeverLoggedInUsers(listingDeps(), { instance: runtime.resolveInstance(request.query.instance), createdBeforeDays }), request.query);
    },
  );

  app.get(
    '/api/v1/users/inactive',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['users'],
        summary: 'Active users not logged in for more than `days` days (those who never logged in included)',
        querystring: z.object({ ...paging, days }),
        response: { 200: page, 400: problemSchema, 409: problemSchema },
      },
    },
    async (request) => pageOf(await listInactiveUsers(listingDeps(), { instance: runtime.resolveInstance(request.query.instance), days: request.query.days }), request.query),
  );
}
