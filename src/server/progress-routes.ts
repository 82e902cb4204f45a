/** Live progress of runs and scans as Server-Sent Events, read from the store (issue 11). */

import { z } from 'zod';
import type { ApiApp, ApiDeps } from './api-deps.ts';
import { runProgressReader, scanProgress } from '../app/run-progress.ts';
import { idParams } from './api-resources.ts';
import { streamEvents } from './event-stream.ts';
import { problemSchema } from './problem-details.ts';

const EVENT_FORMAT =
  'text/event-stream: `progress` events (id increasing; data the JSON below) at once and on every change, a keep-alive comment ' +
  'every 15 s, and a last `end` event with the finished resource, after which the stream closes. Last-Event-ID continues the ids.';

const counts = z.object({ claimed: z.number().int(), done: z.number().int(), 'already-done': z.number().int(), failed: z.number().int(), skipped: z.number().int() });

/** The data of a run's progress and end events. */
const runProgressEvent = z
  .object({
    id: z.string(),
    planId: z.string(),
    instance: z.string(),
    status: z.string(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    counts,
    plannedSteps: z.number().int(),
    rowsTotal: z.number().int(),
  })
  .meta({ id: 'RunProgressEvent' });

/** The data of a scan's progress and end events. */
const scanProgressEvent = z
  .object({ id: z.string(), instance: z.string(), status: z.string(), startedAt: z.string(), finishedAt: z.string().nullable(), error: z.string().nullable(), userCount: z.number().int() })
  .meta({ id: 'ScanProgressEvent' });

/** Registers the event streams of runs and scans. */
export function progressRoutes(app: ApiApp, deps: ApiDeps): void {
  const { runtime } = deps;
  const { timing, streams } = deps.events;

  app.get(
    '/api/v1/runs/:id/events',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['runs'],
        summary: 'Follow a run live: its step counts as Server-Sent Events until it finishes',
        description: EVENT_FORMAT,
        params: idParams,
        response: { 200: { description: EVENT_FORMAT, content: { 'text/event-stream': { schema: runProgressEvent } } }, 404: problemSchema },
      },
    },
    async (request, reply) => streamEvents(request, reply, { read: runProgressReader(runtime.store, request.params.id), timing, streams, log: deps.log }),
  );

  app.get(
    '/api/v1/scans/:id/events',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['scans'],
        summary: 'Follow a scan live: its status and user count as Server-Sent Events until it is complete or incomplete',
        description: EVENT_FORMAT,
        params: idParams,
        response: { 200: { description: EVENT_FORMAT, content: { 'text/event-stream': { schema: scanProgressEvent } } }, 404: problemSchema },
      },
    },
    async (request, reply) => streamEvents(request, reply, { read: () => scanProgress(runtime.store, request.params.id), timing, streams, log: deps.log }),
  );
}
