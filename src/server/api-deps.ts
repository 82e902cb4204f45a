/** What the API's route modules share: the Fastify type with zod schemas, and the dependencies every route gets. */

import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Runtime } from '../runtime/runtime.ts';
import type { Clock } from '../app/clock.ts';
import type { SessionTimeouts } from '../app/admin-sessions.ts';
import type { ApiMetrics } from './api-metrics.ts';
import type { BackgroundWork } from './background-work.ts';
import type { EventTiming, OpenStreams } from './event-stream.ts';

/** The Fastify instance with zod schemas. */
export type ApiApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/** What every route module gets. */
export interface ApiDeps {
  readonly runtime: Runtime;
  /** The API's clock (sessions, tokens, idempotency, audit); the runtime's unless a test gives one. */
  readonly clock: Clock;
  readonly timeouts: SessionTimeouts;
  readonly background: BackgroundWork;
  readonly metrics: ApiMetrics;
  readonly signInPerMinute: number;
  /** Event streams: how often they read the store, and the ones open now. */
  readonly events: { readonly timing: EventTiming; readonly streams: OpenStreams };
  /** Lines for the operator (background failures). */
  readonly log: (line: string) => void;
}

