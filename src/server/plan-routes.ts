/** Plans: list, show (rows with reasons), create (scan and plan), approve (as the signed-in admin), apply (202, poll the run). */

import { z } from 'zod';
import type { ApiApp, ApiDeps } from './api-deps.ts';
import { listPlans } from '../app/list-plans.ts';
import { scanAndPlan } from '../app/scan-plan-apply.ts';
import { approvePlan } from '../app/approve-plan.ts';
import { NotAllowed, NotFound } from '../domain/errors.ts';
import { idParams, planResource, planSummaryResource, runResource, toPlan, toPlanSummary, toRun } from './api-resources.ts';
import { answerWrite, noteAudit } from './api-writes.ts';
import { startApply } from './apply-start.ts';
import { problemSchema } from './problem-details.ts';

const created = z
  .object({ plan: planResource, verdict: z.object({ ok: z.boolean(), guard: z.string().optional(), message: z.string().optional() }), pending: z.array(z.object({ policy: z.string(), reason: z.string() })) })
  .meta({ id: 'PlanCreated' });

function actorOf(principal: { admin: string } | null): string {
  if (principal === null) throw new NotAllowed('this write needs an authenticated admin');
  return principal.admin;
}

/** Registers the plan routes. */
export function planRoutes(app: ApiApp, deps: ApiDeps): void {
  const { runtime } = deps;
  app.get(
    '/api/v1/plans',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['plans'],
        summary: 'Stored plans, newest first',
        querystring: z.object({ instance: z.string().min(1).max(100).optional(), limit: z.coerce.number().int().min(1).max(200).default(20) }),
        response: { 200: z.array(planSummaryResource) },
      },
    },
    async (request) => {
      const instance = request.query.instance === undefined ? undefined : runtime.resolveInstance(request.query.instance);
      return (await listPlans(runtime.store, { ...(instance === undefined ? {} : { instance }), limit: request.query.limit })).map(toPlanSummary);
    },
  );

  app.get(
    '/api/v1/plans/:id',
    { config: { access: 'viewer' }, schema: { tags: ['plans'], summary: 'One plan with every row, its reason and steps', params: idParams, response: { 200: planResource, 404: problemSchema } } },
    async (request) => {
      const stored = await runtime.store.plans.get(request.params.id);
      if (stored === null) throw new NotFound(`no plan ${request.params.id}`);
      return toPlan(stored);
    },
  );

  app.post(
    '/api/v1/plans',
    {
      config: { access: 'operator', action: 'plan.create' },
      schema: {
        tags: ['plans'],
        summary: 'Scan (unless scan is false) and plan an instance\'s policies; changes nothing in the instance',
        body: z.object({ instance: z.string().min(1).max(100).optional(), policies: z.array(z.string().min(1).max(100)).max(100).optional(), scan: z.boolean().default(true) }),
        response: { 201: created, 400: problemSchema, 409: problemSchema, 502: problemSchema },
      },
    },
    async (request, reply) =>
      answerWrite(request, reply, deps, async () => {
        const instance = runtime.resolveInstance(request.body.instance);
        noteAudit(request, { target: instance });
        const { policies, pending } = runtime.policies(instance, request.body.policies ?? []);
        const input = { instance, policies, protection: runtime.protection, limits: runtime.limits, actor: actorOf(request.principal), mustRead: runtime.groupsToRead(instance) };
        const base = { store: runtime.store, clock: runtime.clock, directories: runtime.directories(policies) };
        const { planned } = request.body.scan
          ? await runtime.withConnector(instance, deps.log, (connector) => scanAndPlan({ ...base, connector, concurrency: runtime.concurrency(instance) }, input))
          : await scanAndPlan(base, input);
        const stored = await runtime.store.plans.get(planned.planId);
        if (stored === null) throw new NotFound(`plan ${planned.planId} disappeared after it was stored`);
        noteAudit(request, { detail: { planId: planned.planId, status: planned.status } });
        const verdict = planned.verdict.ok ? { ok: true } : { ok: false, guard: planned.verdict.guard, message: planned.verdict.message };
        return { statusCode: 201, body: { plan: toPlan(stored), verdict, pending: pending.map((p) => ({ policy: p.id, reason: p.reason })) } };
      }),
  );

  app.post(
    '/api/v1/plans/:id/approve',
    {
      config: { access: 'operator', action: 'plan.approve' },
      schema: {
        tags: ['plans'],
        summary: 'Approve a plan that waits for approval, as the authenticated admin (safety.fourEyes judges this identity)',
        params: idParams,
        response: { 200: planResource, 403: problemSchema, 404: problemSchema, 409: problemSchema },
      },
    },
    async (request, reply) =>
      answerWrite(request, reply, deps, async () => {
        const { fourEyes, planTtlHours } = runtime.config.safety;
        const approved = await approvePlan({ store: runtime.store, clock: runtime.clock, key: runtime.key() }, { planId: request.params.id, actor: actorOf(request.principal), fourEyes, planTtlHours });
        return { statusCode: 200, body: toPlan(approved) };
      }),
  );

  app.post(
    '/api/v1/plans/:id/apply',
    {
      config: { access: 'operator', action: 'plan.apply' },
      schema: {
        tags: ['plans'],
        summary: 'Apply a stored plan: 202 with its run, to poll at /api/v1/runs/{id}',
        params: idParams,
        response: { 202: runResource, 404: problemSchema, 409: problemSchema },
      },
    },
    async (request, reply) =>
      answerWrite(request, reply, deps, async () => {
        const planId = request.params.id;
        const stored = await runtime.store.plans.get(planId);
        if (stored === null) throw new NotFound(`no plan ${planId}`);
        const run = await startApply(deps, planId, runtime.resolveInstance(stored.plan.instance));
        noteAudit(request, { detail: { runId: run.id } });
        return { statusCode: 202, body: toRun(run) };
      }),
  );
}
