/**
 * The REST API (Fastify): built on the shared runtime, every route under /api/v1 with a zod schema that validates the
 * request and the answer and feeds the OpenAPI 3.1 document. Plugins: helmet (strict CSP), cookies, rate limits on
 * sign-in, swagger and its UI. Errors go through problemFor alone.
 */

import Fastify, { type FastifyReply } from 'fastify';
import helmet from '@fastify/helmet';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Runtime } from '../runtime/runtime.ts';
import type { Clock } from '../app/clock.ts';
import { registerAccess, type RegisteredRoute } from './api-access.ts';
import { registerWriteAudit } from './api-writes.ts';
import { problemFor, type Problem } from './problem-details.ts';
import { apiMetrics } from './api-metrics.ts';
import { backgroundWork, type BackgroundWork } from './background-work.ts';
import { DEFAULT_EVENT_TIMING, openStreams, type EventTiming } from './event-stream.ts';
import { progressRoutes } from './progress-routes.ts';
import { healthRoutes } from './health-routes.ts';
import { sessionRoutes } from './session-routes.ts';
import { instanceRoutes, scanRoutes } from './scan-routes.ts';
import { planRoutes } from './plan-routes.ts';
import { runRoutes } from './run-routes.ts';
import { userRoutes } from './user-routes.ts';
import { userExportRoutes } from './user-export-routes.ts';
import { userChangeRoutes } from './user-change-routes.ts';
import { policyRoutes } from './policy-routes.ts';
import { unwritableGroupRoutes } from './unwritable-group-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import { adminRoutes } from './admin-routes.ts';
import { alertRoutes } from './alert-routes.ts';
import { packageVersion } from '../config/package-version.ts';
import type { ApiApp, ApiDeps } from './api-deps.ts';

/** A built server: the Fastify app, the routes it registered, and its background work. */
export interface ApiServer {
  readonly app: ApiApp;
  readonly routes: readonly RegisteredRoute[];
  readonly background: BackgroundWork;
  /** How many event streams are open (each one polls the store). */
  openEventStreams(): number;
  /** Stops accepting requests, waits for background work, closes the app (not the runtime, which is the caller's). */
  close(): Promise<void>;
}

/** How the server is built. */
export interface ApiServerOptions {
  readonly runtime: Runtime;
  readonly clock?: Clock;
  readonly log?: (line: string) => void;
  /** How often event streams read the store and send a keep-alive (tests make it short). */
  readonly events?: Partial<EventTiming>;
}

// Nothing the API answers is a page, except the docs (whose plugin sets a CSP of its own, with hashes for its script).
const CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  },
};

/**
 * Answers the router's own refusals (a path parameter too long, a malformed URL) with a problem. They come before any
 * hook runs, so helmet's headers are set here too.
 */
function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply
    .code(problem.status)
    .headers({ 'content-security-policy': "default-src 'none'; frame-ancestors 'none'", 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' })
    .type('application/problem+json')
    .send(problem);
}

/** Builds the API on an open runtime. */
export async function buildApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { runtime } = options;
  const settings = runtime.config.server;
  const log = options.log ?? (() => undefined);
  const deps: ApiDeps = {
    runtime,
    clock: options.clock ?? runtime.clock,
    timeouts: { idleMs: settings.session.idleMinutes * 60_000, absoluteMs: settings.session.absoluteHours * 3_600_000 },
    background: backgroundWork(log),
    metrics: apiMetrics(runtime),
    signInPerMinute: settings.signInPerMinute,
    events: { timing: { ...DEFAULT_EVENT_TIMING, ...options.events }, streams: openStreams() },
    log,
  };
  const app: ApiApp = Fastify({
    logger: false,
    bodyLimit: settings.bodyLimitBytes,
    trustProxy: false,
    return503OnClosing: true,
    // The router's own refusals (a path parameter over 100 characters, a malformed URL) are problems like the rest.
    frameworkErrors: (error, _request, reply) => void sendProblem(reply, problemFor(error)),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(async (error, request, reply) => {
    const problem = problemFor(error);
    if (problem.status >= 500) log(`${request.method} ${request.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return reply.code(problem.status).type('application/problem+json').send(problem);
  });
  app.setNotFoundHandler({}, async (request, reply) => {
    const problem = problemFor(Object.assign(new Error(`no route ${request.method} ${request.url.split('?')[0] ?? ''}`), { statusCode: 404 }));
    return reply.code(404).type('application/problem+json').send(problem);
  });

  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    // The docs plugin's own routes (page, assets, its copy of the document) are public; every other route declares its access.
    if (route.url.startsWith('/api/docs') && route.config?.access === undefined) route.config = { ...route.config, access: 'public' };
  });
  registerAccess(app, deps, routes);
  // An open event stream would hold the close until its run ends: end them first.
  app.addHook('preClose', async () => deps.events.streams.endAll());
  registerWriteAudit(app, deps);
  // Answers hold names, e-mail addresses and CSRF tokens: no cache between the API and its caller keeps them.
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/api/v1/')) reply.header('cache-control', 'no-store');
  });
  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.observe({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, seconds: reply.elapsedTime / 1000 });
  });

  await app.register(helmet, { contentSecurityPolicy: CSP, crossOriginEmbedderPolicy: true, hsts: { maxAge: 31_536_000, includeSubDomains: true } });
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Seatkeeper API', version: packageVersion() },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token from `seatkeeper token create`.' },
          session: { type: 'apiKey', in: 'cookie', name: '__Host-seatkeeper-session', description: 'From POST /api/v1/session; writes also need X-CSRF-Token.' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  if (settings.docs) await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });

  await app.register(async (api) => {
    const typed = api.withTypeProvider<ZodTypeProvider>();
    healthRoutes(typed, deps);
    sessionRoutes(typed, deps);
    instanceRoutes(typed, deps);
    scanRoutes(typed, deps);
    planRoutes(typed, deps);
    runRoutes(typed, deps);
    progressRoutes(typed, deps);
    userRoutes(typed, deps);
    userExportRoutes(typed, deps);
    userChangeRoutes(typed, deps);
    policyRoutes(typed, deps);
    unwritableGroupRoutes(typed, deps);
    auditRoutes(typed, deps);
    adminRoutes(typed, deps);
    alertRoutes(typed, deps);
  });
  await app.ready();
  return {
    app,
    routes,
    background: deps.background,
    openEventStreams: () => deps.events.streams.count(),
    close: async () => {
      await app.close();
      await deps.background.settled();
    },
  };
}
