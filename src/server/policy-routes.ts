/**
 * Policies and the configuration: the configured policies, one run now (as `run POLICY`), what they would select now against the newest
 * scan (as `policy check`, storing nothing), and the validated config with secrets redacted (as `config show`).
 */

import { z } from 'zod';
import type { ApiApp, ApiDeps } from './api-deps.ts';
import { checkPolicies } from '../app/check-policies.ts';
import { checkPlanLimits } from '../domain/safety-guard.ts';
import { redactConfig } from '../config/config-redaction.ts';
import { idParams, planRowResource, runResource, toPlanRow, toRun } from './api-resources.ts';
import { answerWrite, noteAudit } from './api-writes.ts';
import { startAndFind } from './background-work.ts';
import { runPolicyJob } from '../jobs/policy-jobs.ts';
import { listRuns } from '../app/list-runs.ts';
import { planHasWork } from '../domain/plan.ts';
import { NotAllowed } from '../domain/errors.ts';
import type { PlanOutcome } from '../app/plan-instance.ts';
import { problemSchema } from './problem-details.ts';

const policyLine = z
  .object({ id: z.string(), instance: z.string(), schedule: z.string().nullable(), state: z.enum(['ready', 'pending']), pendingBecause: z.string().nullable() })
  .meta({ id: 'Policy' });

const summary = z.object({
  policy: z.string(),
  selected: z.number().int(),
  byRule: z.record(z.string(), z.number().int()),
  skipped: z.record(z.string(), z.number().int()),
  notYetDue: z.object({ neverLoggedIn: z.number().int() }),
});

const checkAnswer = z
  .object({
    instance: z.string(),
    scanId: z.string(),
    verdict: z.object({ ok: z.boolean(), guard: z.string().optional(), message: z.string().optional() }),
    pending: z.array(z.object({ policy: z.string(), reason: z.string() })),
    summaries: z.array(summary),
    total: z.number().int(),
    rows: z.array(planRowResource),
  })
  .meta({ id: 'PolicyCheck' });

const runAnswer = z
  .object({ policy: z.string(), planId: z.string().nullable(), outcome: z.string().nullable(), detail: z.string().nullable(), run: runResource.nullable() })
  .meta({ id: 'PolicyRunStarted' });

/** Registers the policy listing, check and run now, and the redacted config. */
export function policyRoutes(app: ApiApp, deps: ApiDeps): void {
  const { runtime } = deps;
  app.get(
    '/api/v1/policies',
    { config: { access: 'viewer' }, schema: { tags: ['policies'], summary: 'The configured policies of every instance, ready or pending (and why)', response: { 200: z.array(policyLine) } } },
    async () =>
      runtime.resolveInstances().flatMap((instance) => {
        const { policies, pending } = runtime.policies(instance);
        const schedule = (id: string): string | null => runtime.config.policies[id]?.schedule ?? null;
        return [
          ...policies.map((p) => ({ id: p.id, instance, schedule: schedule(p.id), state: 'ready' as const, pendingBecause: null })),
          ...pending.map((p) => ({ id: p.id, instance, schedule: schedule(p.id), state: 'pending' as const, pendingBecause: p.reason })),
        ];
      }),
  );

  app.get(
    '/api/v1/policies/check',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['policies'],
        summary: 'Validate the policies and show whom each would select and why, against the newest scan; stores nothing',
        querystring: z.object({
          instance: z.string().min(1).max(100).optional(),
          policy: z.union([z.string().min(1).max(100), z.array(z.string().min(1).max(100)).max(100)]).optional(),
          rows: z.coerce.number().int().min(0).max(10_000).default(100),
        }),
        response: { 200: checkAnswer, 400: problemSchema, 404: problemSchema },
      },
    },
    async (request) => {
      const q = request.query;
      const instance = runtime.resolveInstance(q.instance);
      const only = q.policy === undefined ? [] : typeof q.policy === 'string' ? [q.policy] : q.policy;
      const { policies, pending } = runtime.policies(instance, only);
      const { scan, plan } = await checkPolicies({ store: runtime.store, now: runtime.clock.now(), directories: runtime.directories(policies) }, { instance, policies, protection: runtime.protection });
      const verdict = checkPlanLimits(plan, runtime.limits);
      return {
        instance,
        scanId: scan.id,
        verdict: verdict.ok ? { ok: true } : { ok: false, guard: verdict.guard, message: verdict.message },
        pending: pending.map((p) => ({ policy: p.id, reason: p.reason })),
        summaries: plan.summaries.map((s) => ({ policy: s.policy, selected: s.selected, byRule: { ...s.byRule }, skipped: { ...s.skipped }, notYetDue: { ...s.notYetDue } })),
        total: plan.rows.length,
        rows: plan.rows.slice(0, q.rows).map(toPlanRow),
      };
    },
  );

  app.get(
    '/api/v1/config',
    {
      config: { access: 'admin' },
      schema: { tags: ['config'], summary: 'The validated config the server runs on, defaults filled in, secrets redacted', response: { 200: z.record(z.string(), z.unknown()) } },
    },
    async () => {
      const redacted = redactConfig(runtime.config);
      return typeof redacted === 'object' && redacted !== null ? Object.fromEntries(Object.entries(redacted)) : {};
    },
  );

  app.post(
    '/api/v1/policies/:id/run',
    {
      config: { access: 'operator', action: 'policy.run' },
      schema: {
        tags: ['policies'],
        summary: 'Run one policy now, as `run POLICY`: scan, plan, and apply when every guard lets it',
        description: '202 with the run to poll once the plan is applying; 200 with the outcome when nothing is applied (a guard holds the plan, or nobody to change).',
        params: idParams,
        response: { 200: runAnswer, 202: runAnswer, 400: problemSchema, 409: problemSchema, 502: problemSchema },
      },
    },
    async (request, reply) =>
      answerWrite(request, reply, deps, async () => {
        const actor = request.principal?.admin;
        if (actor === undefined) throw new NotAllowed('running a policy needs an authenticated admin');
        const policy = request.params.id;
        noteAudit(request, { target: policy });
        // The plan is seen before anything is applied; the answer names it and, once the apply opens it, the run.
        let seen: (planned: PlanOutcome) => void = () => undefined;
        const planned = new Promise<PlanOutcome>((resolve) => {
          seen = resolve;
        });
        const work = runPolicyJob(runtime, policy, { actor, log: deps.log, onPlanned: (p) => seen(p) });
        deps.background.track(`run of policy ${policy}`, work);
        const first = await Promise.race([planned, work]);
        const plan = 'planId' in first && 'plan' in first ? first : null;
        const willApply = plan !== null && plan.verdict.ok && planHasWork(plan.plan);
        if (!willApply) {
          const result = await work;
          noteAudit(request, { detail: { outcome: result.outcome, planId: result.planId } });
          return { statusCode: 200, body: { policy, planId: result.planId, outcome: result.outcome, detail: result.detail, run: null } };
        }
        const run = await startAndFind(work, async () => {
          const opened = await runtime.store.journal.runOfPlan(plan.planId);
          return opened === null ? null : ((await listRuns(runtime.store, plan.plan.instance)).find((r) => r.id === opened.id) ?? null);
        });
        noteAudit(request, { detail: { planId: plan.planId, runId: run.id } });
        return { statusCode: 202, body: { policy, planId: plan.planId, outcome: null, detail: null, run: toRun(run) } };
      }),
  );
}
