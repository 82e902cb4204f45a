/** The audit log for admins: its rows in order (paged by seq) and the check of its chain. */

import { z } from 'zod';
import type { ApiApp, ApiDeps } from './api-deps.ts';
import { verifyAudit } from '../app/audit-trail.ts';
import { problemSchema } from './problem-details.ts';

const auditRow = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    target: z.string().nullable(),
    address: z.string().nullable(),
    outcome: z.string(),
    detail: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditRow' });

/** Registers the audit log routes (admins only). */
export function auditRoutes(app: ApiApp, deps: ApiDeps): void {
  const { store } = deps.runtime;
  app.get(
    '/api/v1/audit',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['audit'],
        summary: 'Audit rows after a sequence number, oldest first, with their chain fields',
        querystring: z.object({ afterSeq: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(100), since: z.iso.datetime().optional() }),
        response: { 200: z.object({ rows: z.array(auditRow), next: z.number().int().nullable() }), 400: problemSchema },
      },
    },
    async (request) => {
      const { afterSeq, limit, since } = request.query;
      const rows = await store.audit.read({ afterSeq, limit, ...(since === undefined ? {} : { since: new Date(since) }) });
      const last = rows[rows.length - 1];
      return { rows: rows.map((r) => ({ ...r, detail: { ...r.detail } })), next: rows.length === limit && last !== undefined ? last.seq : null };
    },
  );

  app.get(
    '/api/v1/audit/verify',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['audit'],
        summary: 'Check the chain: every row edited, missing or relinked, and the head to compare with an outside copy',
        response: {
          200: z.object({
            ok: z.boolean(),
            rows: z.number().int(),
            breaks: z.array(z.object({ seq: z.number().int(), kind: z.string(), message: z.string() })),
            head: z.object({ seq: z.number().int(), hash: z.string() }),
          }),
        },
      },
    },
    async () => {
      const verified = await verifyAudit(store);
      return { ok: verified.ok, rows: verified.rows, breaks: verified.breaks.map((b) => ({ ...b })), head: { ...verified.head } };
    },
  );
}
