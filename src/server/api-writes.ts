/**
 * Every write through the API: answered once per Idempotency-Key, and recorded in the audit log with who, from where,
 * on what and how it ended, whatever the answer (401 and 403 included); a read only when it is refused with 401 or 403.
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../runtime/runtime.ts';
import type { Clock } from '../app/clock.ts';
import { idempotentWrite, requestHash, type WriteAnswer } from '../app/idempotent-write.ts';
import { recordAudit } from '../app/audit-trail.ts';
import { isWrite } from './api-access.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** What the audit row of this write says besides who and the outcome: its target and details. */
    audit: AuditNote | null;
  }
}

/** What a route adds to its audit row. */
export interface AuditNote {
  target: string | null;
  detail: Record<string, unknown>;
}

/** Sets the audit row's target and adds details to it. */
export function noteAudit(request: FastifyRequest, note: { target?: string | null; detail?: Record<string, unknown> }): void {
  const current = request.audit ?? { target: null, detail: {} };
  request.audit = { target: note.target === undefined ? current.target : note.target, detail: { ...current.detail, ...note.detail } };
}

/** Records each write request's outcome, and each refused read, in the audit log before the answer leaves. */
export function registerWriteAudit(app: FastifyInstance, deps: { runtime: Runtime; clock: Clock }): void {
  app.decorateRequest('audit', null);
  app.addHook('onSend', async (request, reply) => {
    const status = reply.statusCode;
    // Reads are recorded only when refused: failed authentication and authorisation are security events (ASVS 16.3.1–2).
    if (!isWrite(request.method) && status !== 401 && status !== 403) return;
    const principal = request.principal;
    const params: unknown = request.params;
    const id = typeof params === 'object' && params !== null ? Reflect.get(params, 'id') : undefined;
    await recordAudit(
      { store: deps.runtime.store, clock: deps.clock },
      {
        actor: principal?.admin ?? 'anonymous',
        action: request.routeOptions.config.action ?? `${request.method} ${request.routeOptions.url ?? request.url}`,
        target: request.audit?.target ?? (typeof id === 'string' ? id : null),
        address: request.ip,
        outcome: status < 400 ? 'ok' : status < 500 ? 'refused' : 'failed',
        detail: { status, ...(principal?.tokenId ? { token: principal.tokenId } : {}), ...(principal ? { via: principal.via } : {}), ...request.audit?.detail },
      },
    );
  });
}

/**
 * Answers a write: with an Idempotency-Key header the answer is looked up or stored under it (replayed answers say
 * so in `Idempotent-Replayed: true`); without one the write simply runs.
 */
export async function answerWrite(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: { runtime: Runtime; clock: Clock },
  write: () => Promise<WriteAnswer>,
): Promise<FastifyReply> {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string') {
    const answer = await write();
    return reply.code(answer.statusCode).send(answer.body);
  }
  const caller = request.principal?.admin.toLowerCase() ?? `address:${request.ip}`;
  const bodyHash = requestHash({ method: request.method, path: request.url, body: request.body });
  const answer = await idempotentWrite({ store: deps.runtime.store, clock: deps.clock }, { caller, key, bodyHash }, write);
  if (answer.replayed) {
    reply.header('idempotent-replayed', 'true');
    noteAudit(request, { detail: { replayed: true } });
  }
  return reply.code(answer.statusCode).send(answer.body);
}
