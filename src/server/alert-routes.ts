/** Alerts (open, or all with when and why they ended), acknowledging one, and the schedule of each policy. */

import { z } from 'zod';
import type { ApiApp, ApiDeps } from './api-deps.ts';
import { acknowledgeAlert, listAlerts } from '../app/guard-alerts.ts';
import { NotAllowed } from '../domain/errors.ts';
import { answerWrite } from './api-writes.ts';
import { problemSchema } from './problem-details.ts';

const alertResource = z
  .object({
    id: z.number().int(),
    instance: z.string(),
    scanId: z.string(),
    runId: z.string().nullable(),
    kind: z.string(),
    message: z.string(),
    createdAt: z.string(),
    acknowledgedAt: z.string().nullable(),
    acknowledgedBy: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    resolvedReason: z.string().nullable(),
  })
  .meta({ id: 'Alert' });

const scheduleResource = z
  .object({
    instance: z.string(),
    policy: z.string(),
    cron: z.string(),
    timeZone: z.string(),
    nextRunAt: z.string(),
    lastDueAt: z.string().nullable(),
    lastOutcome: z.string().nullable(),
    lastDetail: z.string().nullable(),
  })
  .meta({ id: 'Schedule' });

/** Registers the alert listing, acknowledging an alert, and the schedule listing. */
export function alertRoutes(app: ApiApp, deps: ApiDeps): void {
  const { runtime } = deps;
  app.get(
    '/api/v1/alerts',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['alerts'],
        summary: 'Open alerts (all=true: resolved and acknowledged ones too)',
        querystring: z.object({ instance: z.string().min(1).max(100).optional(), all: z.enum(['true', 'false']).default('false') }),
        response: { 200: z.array(alertResource) },
      },
    },
    async (request) => {
      const instance = request.query.instance === undefined ? undefined : runtime.resolveInstance(request.query.instance);
      return listAlerts(runtime.store, { ...(instance === undefined ? {} : { instance }), all: request.query.all === 'true' });
    },
  );

  app.post(
    '/api/v1/alerts/:id/ack',
    {
      config: { access: 'operator', action: 'alert.ack' },
      schema: { tags: ['alerts'], summary: 'Acknowledge an alert as the authenticated admin', params: z.object({ id: z.string().regex(/^\d{1,15}$/) }), response: { 200: alertResource, 404: problemSchema } },
    },
    async (request, reply) =>
      answerWrite(request, reply, deps, async () => {
        const principal = request.principal;
        if (principal === null) throw new NotAllowed('acknowledging needs an authenticated admin');
        const alert = await acknowledgeAlert(runtime.store, { id: request.params.id, actor: principal.admin, now: runtime.clock.now() });
        return { statusCode: 200, body: alert };
      }),
  );

  app.get(
    '/api/v1/schedule',
    { config: { access: 'viewer' }, schema: { tags: ['schedule'], summary: 'Each policy\'s cron, next run and last outcome, from the store', response: { 200: z.array(scheduleResource) } } },
    async () =>
      (await runtime.store.schedules.list()).map((s) => ({
        instance: s.instance,
        policy: s.policy,
        cron: s.cron,
        timeZone: s.timeZone,
        nextRunAt: s.nextRunAt,
        lastDueAt: s.lastDueAt,
        lastOutcome: s.lastOutcome,
        lastDetail: s.lastDetail,
      })),
  );
}
