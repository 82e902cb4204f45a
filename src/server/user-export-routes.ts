/**
 * GET /api/v1/users/export: the whole filtered users listing of the newest complete scan as CSV (the columns and writer
 * of `seatkeeper users --csv`) or NDJSON, streamed row by row from the same use case.
 */

import { Readable } from 'node:stream';
import { z } from 'zod';
import type { ApiApp, ApiDeps } from './api-deps.ts';
import { listUsers, USER_COLUMNS, type UserRow } from '../app/list-users.ts';
import { csvChunks } from '../app/csv-format.ts';
import { escapeJsonText } from '../app/text-escape.ts';
import { problemSchema } from './problem-details.ts';
import { userFilterOf, userFilterQuery } from './user-routes.ts';

const CONTENT_TYPE = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson' } as const;

// A stream is sent as it is, never through a serializer: the schemas only document the body (as a string) for OpenAPI.
const streamed = (what: string) => ({ schema: z.unknown().meta({ type: 'string', description: what }) });

const exportQuery = userFilterQuery.extend({
  format: z.enum(['csv', 'ndjson']).default('csv'),
  bom: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

/** One JSON object per line, 1,000 lines a chunk; bidi and C1 characters as JSON escapes, so the parsed value is the same. */
function* ndjsonChunks(rows: Iterable<UserRow>): Generator<string, void, undefined> {
  let chunk = '';
  let count = 0;
  for (const row of rows) {
    chunk += `${escapeJsonText(JSON.stringify(row))}\n`;
    count += 1;
    if (count % 1000 === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/** A byte-order mark first, for spreadsheets (Excel) that read CSV as UTF-8 only then. */
function* withBom(chunks: Iterable<string>): Generator<string, void, undefined> {
  yield '\uFEFF';
  yield* chunks;
}

/** A name of the export file made only of characters safe in a header and on any file system. */
export function exportFileName(instance: string, scanId: string, format: 'csv' | 'ndjson'): string {
  const safe = (text: string): string => text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  return `users-${safe(instance)}-${safe(scanId)}.${format}`;
}

/** Registers the users export (viewer). */
export function userExportRoutes(app: ApiApp, deps: ApiDeps): void {
  const { runtime } = deps;
  app.get(
    '/api/v1/users/export',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['users'],
        summary: 'Every user of the newest complete scan matching the filters of the users search, streamed as CSV (as `seatkeeper users --csv` writes it) or NDJSON',
        querystring: exportQuery,
        response: {
          200: {
            description: 'The listing as an attachment named users-<instance>-<scan id>.<format>',
            content: { 'text/csv': streamed('RFC 4180, CRLF, a header line, formulas neutralised'), 'application/x-ndjson': streamed('one user object per line') },
          },
          400: problemSchema,
          404: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      // The filter is checked and the listing's scan, group and directory are resolved before the first byte, so
      // every refusal is still a problem+json.
      const filter = userFilterOf(q);
      const instance = runtime.resolveInstance(q.instance);
      const listing = await listUsers({ store: runtime.store, now: runtime.clock.now() }, { instance, filter });
      const chunks = q.format === 'ndjson' ? ndjsonChunks(listing.rows) : q.bom === true ? withBom(csvChunks(listing.rows, USER_COLUMNS)) : csvChunks(listing.rows, USER_COLUMNS);
      return reply
        .type(CONTENT_TYPE[q.format])
        .header('content-disposition', `attachment; filename="${exportFileName(instance, listing.scanId, q.format)}"`)
        .send(Readable.from(chunks));
    },
  );
}
