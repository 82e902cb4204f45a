/**
 * The Manage Inactive Users app's changes as routes: requests for one user or a list (JSON), a CSV or JSON file as
 * the body, and the e-mail domain move. Each is checked against the newest scan first; a dry run answers the
 * verdicts and plan rows (200, nothing stored), else the plan is stored (201, approve and apply it through the plan
 * routes) or, with `apply`, applied at once when every guard lets it (202, poll the run). Undo is the run's undo.
 */

import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiApp, ApiDeps } from './api-deps.ts';
import type { WriteAnswer } from '../app/idempotent-write.ts';
import type { UserChangeRequest, UserChangeVerdict } from '../domain/user-changes.ts';
import type { GuardVerdict } from '../domain/safety-guard.ts';
import { emailDomainMoveRequests, planUserChanges, previewUserChanges, type UserChangesInput } from '../app/user-changes.ts';
import { parseChangeFile, userChangeRequestSchema } from '../app/user-change-file.ts';
import { heldPlanError, holdOf } from '../app/plan-guards.ts';
import { describeStep } from '../domain/action-step.ts';
import { InvalidInput, NotAllowed, NotFound } from '../domain/errors.ts';
import { planResource, planRowResource, runResource, toPlan, toPlanRow, toRun } from './api-resources.ts';
import { answerWrite, noteAudit } from './api-writes.ts';
import { startApply } from './apply-start.ts';
import { problemSchema } from './problem-details.ts';

/** How a list of requests is to be handled, the same for every form of the request. */
const handling = {
  instance: z.string().min(1).max(100).optional(),
  dryRun: z.boolean().default(false),
  apply: z.boolean().default(false),
  validOnly: z.boolean().default(false),
};
type Handling = { instance?: string | undefined; dryRun: boolean; apply: boolean; validOnly: boolean };

// The most requests one JSON body holds; a file (CSV or JSON) is bounded by the body limit and the file reader.
const MAX_CHANGES = 10_000;

const changesBody = z.object({
  ...handling,
  change: userChangeRequestSchema.optional(),
  changes: z.array(userChangeRequestSchema).min(1).max(MAX_CHANGES).optional(),
});

const flag = z.enum(['true', 'false']).default('false').transform((v) => v === 'true');
const fileQuery = z.object({ instance: handling.instance, dryRun: flag, apply: flag, validOnly: flag });
const domain = z.string().min(1).max(253).regex(/^[A-Za-z0-9.-]+$/);
const domainBody = z.object({ ...handling, from: domain, to: domain });

const verdictResource = z.object({
  index: z.number().int(),
  username: z.string(),
  status: z.enum(['ok', 'refused']),
  reasons: z.array(z.string()),
  notes: z.array(z.string()),
  steps: z.array(z.string()),
});
const guardResource = z.object({ ok: z.boolean(), guard: z.string().optional(), message: z.string().optional() });
const checked = { instance: z.string(), scanId: z.string(), refused: z.number().int(), verdicts: z.array(verdictResource) };

const previewAnswer = z
  .object({ ...checked, notPlanned: z.string().nullable(), plan: z.object({ status: z.string(), verdict: guardResource, rows: z.array(planRowResource) }).nullable() })
  .meta({ id: 'UserChangesPreview' });
const plannedAnswer = z.object({ ...checked, plan: planResource, verdict: guardResource }).meta({ id: 'UserChangesPlanned' });
const applyingAnswer = plannedAnswer.extend({ run: runResource }).meta({ id: 'UserChangesApplying' });

const responses = {
  200: previewAnswer,
  201: plannedAnswer,
  202: applyingAnswer,
  400: problemSchema,
  404: problemSchema,
  409: problemSchema,
  422: problemSchema,
};

const toVerdict = (v: UserChangeVerdict): z.infer<typeof verdictResource> => ({
  index: v.index,
  username: v.username,
  status: v.status,
  reasons: [...v.reasons],
  notes: [...v.notes],
  steps: v.steps.map(describeStep),
});
const toGuard = (verdict: GuardVerdict): z.infer<typeof guardResource> => (verdict.ok ? { ok: true } : { ok: false, guard: verdict.guard, message: verdict.message });

/** Checks the requests and answers as the handling asks: a dry run, a stored plan, or a plan applying. */
async function answerChanges(deps: ApiDeps, request: FastifyRequest, how: Handling, requestsOf: (instance: string) => Promise<readonly UserChangeRequest[]>): Promise<WriteAnswer> {
  const { runtime } = deps;
  const actor = request.principal?.admin;
  if (actor === undefined) throw new NotAllowed('a change needs an authenticated admin');
  if (how.dryRun && how.apply) throw new InvalidInput('dryRun and apply contradict each other', ['dryRun answers what would be planned; apply plans and applies']);
  const instance = runtime.resolveInstance(how.instance);
  noteAudit(request, { target: instance, detail: { dryRun: how.dryRun, apply: how.apply, validOnly: how.validOnly } });
  const requests = await requestsOf(instance);
  // A refused request refuses the whole list (422, or 409 where the instance cannot do what it asks) unless validOnly.
  const input: UserChangesInput = { instance, requests, protection: runtime.protection, limits: runtime.limits, actor, validOnly: how.validOnly, onRefusal: how.dryRun ? 'report' : 'throw' };
  const planning = { store: runtime.store, clock: runtime.clock };
  const base = (o: { instance: string; scanId: string; refused: number; verdicts: readonly UserChangeVerdict[] }) => ({ instance: o.instance, scanId: o.scanId, refused: o.refused, verdicts: o.verdicts.map(toVerdict) });
  if (how.dryRun) {
    const preview = await previewUserChanges(planning, input);
    const plan = preview.planned === null ? null : { status: preview.planned.status, verdict: toGuard(preview.planned.verdict), rows: preview.planned.plan.rows.map(toPlanRow) };
    return { statusCode: 200, body: { ...base(preview), notPlanned: preview.notPlanned, plan } };
  }
  const outcome = await planUserChanges(planning, input);
  if (outcome.planned === null) return { statusCode: 200, body: { ...base(outcome), notPlanned: outcome.notPlanned, plan: null } };
  const { planId, status, verdict } = outcome.planned;
  noteAudit(request, { detail: { planId, status, requests: requests.length, refused: outcome.refused } });
  const stored = await runtime.store.plans.get(planId);
  if (stored === null) throw new NotFound(`plan ${planId} disappeared after it was stored`);
  const planned = { ...base(outcome), plan: toPlan(stored), verdict: toGuard(verdict) };
  if (!how.apply) return { statusCode: 201, body: planned };
  // As `user change --yes`: a plan a guard holds is stored, and the answer says so instead of applying it.
  const hold = holdOf(verdict);
  if (hold !== null) throw heldPlanError(planId, status, hold);
  const run = await startApply(deps, planId, instance);
  noteAudit(request, { detail: { runId: run.id } });
  return { statusCode: 202, body: { ...planned, run: toRun(run) } };
}

/** The requests of a JSON body: one (`change`) or a list (`changes`). */
function bodyRequests(body: z.infer<typeof changesBody>): readonly UserChangeRequest[] {
  if ((body.change === undefined) === (body.changes === undefined)) throw new InvalidInput('give change (one request) or changes (a list), not both and not neither');
  return body.change === undefined ? (body.changes ?? []) : [body.change];
}

function answer(deps: ApiDeps, request: FastifyRequest, reply: FastifyReply, how: Handling, requestsOf: (instance: string) => Promise<readonly UserChangeRequest[]>): Promise<FastifyReply> {
  return answerWrite(request, reply, deps, () => answerChanges(deps, request, how, requestsOf));
}

/** Registers the change routes (operators). */
export function userChangeRoutes(app: ApiApp, deps: ApiDeps): void {
  app.post(
    '/api/v1/users/changes',
    {
      config: { access: 'operator', action: 'user.change' },
      schema: {
        tags: ['users'],
        summary: 'Change one user (change) or a list (changes): groups, deactivate, reactivate, e-mail, display name, rename',
        description: 'dryRun answers the verdicts and plan rows (200, nothing stored); otherwise the plan is stored (201) or, with apply, applied (202). A refused request refuses all (422; 409 when the instance cannot do what one asks) unless validOnly.',
        body: changesBody,
        response: responses,
      },
    },
    async (request, reply) => answer(deps, request, reply, request.body, async () => bodyRequests(request.body)),
  );

  app.post(
    '/api/v1/users/changes/email-domain',
    {
      config: { access: 'operator', action: 'user.change' },
      schema: {
        tags: ['users'],
        summary: 'Move every e-mail address of domain `from` to `to` (after an acquisition), as a list of changes',
        body: domainBody,
        response: responses,
      },
    },
    async (request, reply) =>
      answer(deps, request, reply, request.body, (instance) => emailDomainMoveRequests({ store: deps.runtime.store }, { instance, from: request.body.from, to: request.body.to })),
  );

  // A file as the body, read as text in this scope only, so the file reader (the CLI's) checks every line and lists each problem.
  void app.register(async (scope) => {
    const files = scope.withTypeProvider<ZodTypeProvider>();
    files.removeAllContentTypeParsers();
    files.addContentTypeParser(['text/csv', 'application/json'], { parseAs: 'string' }, (_request, text, done) => done(null, text));
    files.post(
      '/api/v1/users/changes/file',
      {
        config: { access: 'operator', action: 'user.change' },
        schema: {
          tags: ['users'],
          summary: 'Changes from a file: text/csv (a header line names the columns) or application/json (a list, or { changes })',
          consumes: ['text/csv', 'application/json'],
          querystring: fileQuery,
          body: z.string().min(1),
          response: responses,
        },
      },
      async (request, reply) => {
        const format = String(request.headers['content-type'] ?? '').toLowerCase().startsWith('text/csv') ? 'csv' : 'json';
        return answer(deps, request, reply, request.query, async () => parseChangeFile(request.body, format));
      },
    );
  });
}
