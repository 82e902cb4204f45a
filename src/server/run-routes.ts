/** Runs: list, show (per-action results), undo (202, poll the undo's run), resume (202). */

import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { UndoScope } from '../domain/undo-planner.ts';
import type { WriteAnswer } from '../app/idempotent-write.ts';
import type { ApiApp, ApiDeps } from './api-deps.ts';
import { listRuns, runDetail } from '../app/list-runs.ts';
import { instanceOfRun, planUndo } from '../app/undo-run.ts';
import { applyPlan } from '../app/apply-plan.ts';
import { resumeRun } from '../app/resume-run.ts';
import { NotAllowed, NotFound } from '../domain/errors.ts';
import { idParams, runDetailResource, runResource, toRun, toRunDetail } from './api-resources.ts';
import { answerWrite, noteAudit } from './api-writes.ts';
import { startAndFind } from './background-work.ts';
import { problemSchema } from './problem-details.ts';

const undoAnswer = z
  .object({
    planId: z.string().nullable(),
    run: runResource.nullable(),
    drifted: z.array(z.object({ username: z.string(), changes: z.array(z.string()) })),
    held: z.array(z.object({ username: z.string(), text: z.string() })),
    leftAlone: z.array(z.object({ username: z.string(), text: z.string() })),
  })
  .meta({ id: 'UndoStarted' });

/**
 * Plans an undo in the request, so the answer names the undo plan and what it leaves out, then runs it in the
 * background and answers 202 with its run (null when nothing is left to undo).
 */
async function startUndo(request: FastifyRequest, deps: ApiDeps, input: { instance: string; scope: UndoScope; force: boolean }): Promise<WriteAnswer> {
  const { runtime } = deps;
  const principal = request.principal;
  if (principal === null) throw new NotAllowed('an undo needs an authenticated admin');
  const { instance, scope, force } = input;
  const planned = await runtime.withRunDeps(instance, { sendNotices: false, log: deps.log }, (runDeps) =>
    planUndo(runDeps, { instance, scope, force, actor: principal.admin, protectedGroups: runtime.protection.groups }),
  );
  const lists = {
    drifted: force ? [] : planned.drifted.map((d) => ({ username: d.username, changes: [...d.changes] })),
    held: planned.held.map((h) => ({ username: h.username, text: h.text })),
    leftAlone: planned.leftAlone.map((l) => ({ username: l.username, text: l.text })),
  };
  const planId = planned.planId;
  if (planId === null) return { statusCode: 202, body: { planId: null, run: null, ...lists } };
  noteAudit(request, { detail: { undoPlanId: planId, force } });
  const running = runtime.withRunDeps(instance, { sendNotices: false, log: deps.log }, (runDeps) => applyPlan(runDeps, { planId, limits: runtime.limits, protection: runtime.protection }));
  deps.background.track(`undo plan ${planId}`, running);
  const run = await startAndFind(running, async () => {
    const opened = await runtime.store.journal.runOfPlan(planId);
    return opened === null ? null : ((await listRuns(runtime.store, instance)).find((r) => r.id === opened.id) ?? null);
  });
  noteAudit(request, { detail: { runId: run.id } });
  return { statusCode: 202, body: { planId, run: toRun(run), ...lists } };
}

/** Registers the run routes. */
export function runRoutes(app: ApiApp, deps: ApiDeps): void {
  const { runtime } = deps;
  const runOf = async (instance: string, runId: string) => (await listRuns(runtime.store, instance)).find((r) => r.id === runId) ?? null;

  app.get(
    '/api/v1/runs',
    {
      config: { access: 'viewer' },
      schema: { tags: ['runs'], summary: 'Runs, newest first, with step counts', querystring: z.object({ instance: z.string().min(1).max(100).optional() }), response: { 200: z.array(runResource) } },
    },
    async (request) => {
      const instance = request.query.instance === undefined ? undefined : runtime.resolveInstance(request.query.instance);
      return (await listRuns(runtime.store, instance)).map(toRun);
    },
  );

  app.get(
    '/api/v1/runs/:id',
    { config: { access: 'viewer' }, schema: { tags: ['runs'], summary: 'One run: counts, steps not started, failed and claimed steps', params: idParams, response: { 200: runDetailResource, 404: problemSchema } } },
    async (request) => toRunDetail(await runDetail(runtime.store, request.params.id)),
  );

  app.post(
    '/api/v1/runs/:id/undo',
    {
      config: { access: 'operator', action: 'run.undo' },
      schema: {
        tags: ['runs'],
        summary: 'Put back what a run changed, as a run of its own: 202 with that run (null when nothing is left to undo)',
        params: idParams,
        body: z.object({ force: z.boolean().default(false) }).default({ force: false }),
        response: { 202: undoAnswer, 404: problemSchema, 409: problemSchema },
      },
    },
    async (request, reply) =>
      answerWrite(request, reply, deps, async () => {
        const instance = runtime.resolveInstance(await instanceOfRun(runtime.store, request.params.id));
        return startUndo(request, deps, { instance, scope: { kind: 'run', runId: request.params.id }, force: request.body.force });
      }),
  );

  app.post(
    '/api/v1/undo',
    {
      config: { access: 'operator', action: 'user.undo' },
      schema: {
        tags: ['runs'],
        summary: 'Put back every change Seatkeeper made to one user and still in effect, across runs: 202 with the undo run',
        body: z.object({ instance: z.string().min(1).max(100).optional(), username: z.string().min(1).max(255), force: z.boolean().default(false) }),
        response: { 202: undoAnswer, 400: problemSchema, 409: problemSchema },
      },
    },
    async (request, reply) =>
      answerWrite(request, reply, deps, async () => {
        const instance = runtime.resolveInstance(request.body.instance);
        noteAudit(request, { target: `${instance}/${request.body.username}` });
        return startUndo(request, deps, { instance, scope: { kind: 'user', username: request.body.username }, force: request.body.force });
      }),
  );

  app.post(
    '/api/v1/runs/:id/resume',
    {
      config: { access: 'operator', action: 'run.resume' },
      schema: {
        tags: ['runs'],
        summary: 'Continue an interrupted run (claimed steps are checked against the instance first): 202, poll the run',
        params: idParams,
        response: { 202: runResource, 404: problemSchema, 409: problemSchema },
      },
    },
    async (request, reply) =>
      answerWrite(request, reply, deps, async () => {
        const runId = request.params.id;
        const record = await runtime.store.journal.getRun(runId);
        if (record === null) throw new NotFound(`no run ${runId}`);
        const instance = runtime.resolveInstance(record.instance);
        const work = runtime.withRunDeps(instance, { sendNotices: true, log: deps.log }, (runDeps) => resumeRun(runDeps, { runId, protection: runtime.protection, limits: runtime.limits }));
        deps.background.track(`resume of run ${runId}`, work);
        // Reopened (running again) or already settled by the time it is read: either way the run is what to poll.
        const run = await startAndFind(work, async () => {
          const now = await runOf(instance, runId);
          return now !== null && (now.status === 'running' || now.finishedAt !== record.finishedAt) ? now : null;
        });
        return { statusCode: 202, body: toRun(run) };
      }),
  );
}
