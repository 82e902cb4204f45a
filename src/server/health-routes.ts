/**
 * GET /healthz (the process answers), /readyz (the store answers too), /metrics (Prometheus text, for a viewer's
 * token), and /api/v1/openapi.json unless `server.docs: false`.
 */

import { z } from 'zod';
import type { ApiApp, ApiDeps } from './api-deps.ts';

/** Registers /healthz and /readyz (public), /metrics (viewer) and the OpenAPI document (public, unless docs are off). */
export function healthRoutes(app: ApiApp, deps: ApiDeps): void {
  app.get('/healthz', { config: { access: 'public' }, schema: { tags: ['health'], response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({ status: 'ok' as const }));

  app.get(
    '/readyz',
    { config: { access: 'public' }, schema: { tags: ['health'], response: { 200: z.object({ status: z.literal('ready') }), 503: z.object({ status: z.literal('unavailable'), reason: z.string() }) } } },
    async (_request, reply) => {
      try {
        await deps.runtime.store.now();
        return { status: 'ready' as const };
      } catch {
        // The store's error may name its host: the answer says only what is wrong.
        return reply.code(503).send({ status: 'unavailable' as const, reason: 'the store does not answer' });
      }
    },
  );

  // Seat counts and instance names are not for anyone on the network (ASVS 13.4.5): Prometheus scrapes with a read token.
  app.get('/metrics', { config: { access: 'viewer' }, schema: { tags: ['health'], hide: true } }, async (_request, reply) => {
    const text = await deps.metrics.render();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });

  if (deps.runtime.config.server.docs) app.get('/api/v1/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
}
