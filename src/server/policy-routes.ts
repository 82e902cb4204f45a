/**
 * Policies and the configuration, read-only: the configured policies, what they would select now against the newest
 * scan (as `policy check`, storing nothing), and the validated config with secrets redacted (as `config show`).
 */

import { z } from 'zod';
import type { ApiApp, ApiDeps } from './api-deps.ts';
import { checkPolicies } from '../app/check-policies.ts';
import { checkPlanLimits } from '../domain/safety-guard.ts';
import { redactConfig } from '../config/config-redaction.ts';
import { planRowResource, toPlanRow } from './api-resources.ts';
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

/** Registers the policy listing and check, and the redacted config. */
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
}
