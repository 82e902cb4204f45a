/** GET /healthz (the process answers), /readyz (the store answers too), /metrics (Prometheus text), /api/v1/openapi.json. */

import { z } from 'zod';
import type { ApiApp, ApiDeps } from './api-deps.ts';

/** Registers /healthz, /readyz, /metrics and the OpenAPI document (all public). */
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

  app.get('/metrics', { config: { access: 'public' }, schema: { tags: ['health'], hide: true } }, async (_request, reply) => {
    const text = await deps.metrics.render();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });

  app.get('/api/v1/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
}
