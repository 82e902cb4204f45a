/**
 * A Jira Data Center 10.3 stand-in: a real HTTP server on loopback with Jira's paths, auth, paging, errors
 * and seat rules, backed by a JiraState and the Confluence emulator's fault switchboard (emulator-faults.ts
 * is product-neutral). Used by the connector tests, `npm run demo` and the benchmarks.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { FaultInjector, noFaults, type EmulatorFaults } from '../confluence-dc/emulator-faults.ts';
import type { CredentialSeed } from '../confluence-dc/org-generator.ts';
import type { JiraOrgSeed } from './jira-org-generator.ts';
import { JiraState } from './jira-state.ts';
import type { JiraUser } from './jira-model.ts';
import { errorCollectionJson, JiraRestFailure } from './jira-json.ts';
import { DEFAULT_JIRA_READINGS, type JiraReadings } from './jira-readings.ts';
import { JIRA_ROUTES, type JiraPageCaps, type JiraRoute, type JiraRouteContext, type JiraRouteResponse } from './jira-routes.ts';

/** Options of {@link startJiraEmulator}; only `org` is required. */
export interface JiraEmulatorOptions {
  readonly org: JiraOrgSeed;
  /** Default '/jira'; '' serves at the root. No trailing slash. */
  readonly contextPath?: string;
  readonly host?: string;
  readonly port?: number;
  readonly pageCaps?: Partial<JiraPageCaps>;
  /** Undocumented behaviours, each explained in jira-readings.ts; defaults DEFAULT_JIRA_READINGS. */
  readonly readings?: Partial<JiraReadings>;
  readonly faults?: Partial<EmulatorFaults>;
  readonly faultSeed?: number;
  /** Server time zone of `lastLoginTime`, minutes east of UTC; default 0 (`+0000`). */
  readonly lastLoginOffsetMinutes?: number;
  readonly clock?: () => Date;
  /** Serve an existing state instead of building one from `org`. */
  readonly state?: JiraState;
  /** Keep the path and query of every GET request in `stats.reads` (the benchmark replays them as its raw-fetch baseline). */
  readonly recordReads?: boolean;
}

/** Request counters; `writes` counts authorised requests to write routes, whatever their outcome. */
export interface JiraEmulatorStats {
  requests: number;
  byRoute: Map<string, number>;
  writes: number;
  /** Path and query of each GET request in arrival order, when the emulator was started with `recordReads`. */
  reads: string[];
}

/** A started emulator. */
export interface RunningJiraEmulator {
  /** Base URL including the context path, no trailing slash. */
  readonly url: string;
  readonly state: JiraState;
  readonly readings: JiraReadings;
  readonly faults: EmulatorFaults;
  readonly stats: JiraEmulatorStats;
  readonly routes: readonly JiraRoute[];
  readonly credentials: { readonly admin: CredentialSeed; readonly user: CredentialSeed };
  resetFaults(): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1_048_576;

/** Starts the emulator and resolves once it listens. */
export async function startJiraEmulator(options: JiraEmulatorOptions): Promise<RunningJiraEmulator> {
  const contextPath = options.contextPath ?? '/jira';
  if (contextPath !== '' && (!contextPath.startsWith('/') || contextPath.endsWith('/'))) {
    throw new RangeError(`contextPath must be '' or start with '/' and not end with '/': ${contextPath}`);
  }
  const readings: JiraReadings = { ...DEFAULT_JIRA_READINGS, ...options.readings };
  const clock = options.clock ?? (() => new Date());
  const state = options.state ?? new JiraState(options.org, { clock, licenceFull: readings.licenceFull });
  if (options.readings?.licenceFull !== undefined) state.licenceFull = options.readings.licenceFull;
  const faults: EmulatorFaults = { ...noFaults(), ...options.faults };
  const injector = new FaultInjector(faults, options.faultSeed ?? options.org.seed);
  const stats: JiraEmulatorStats = { requests: 0, byRoute: new Map(), writes: 0, reads: [] };
  const routes = JIRA_ROUTES.filter((r) => readings.userListRoute === 'present' || r.template !== '/rest/api/2/user/list');
  // An explicit pageCaps value wins over the reading (tests of paging use small caps).
  const pageCaps: JiraPageCaps = {
    userList: options.pageCaps?.userList ?? (readings.userListCap === 'cap-2000' ? 2000 : Number.MAX_SAFE_INTEGER),
    groupMembers: options.pageCaps?.groupMembers ?? (readings.groupMemberCap === 'cap-50' ? 50 : Number.MAX_SAFE_INTEGER),
  };
  const host = options.host ?? '127.0.0.1';
  let base = '';

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof JiraRestFailure ? error.status : 500;
      if (res.headersSent) res.destroy();
      else send(res, { status, body: errorCollectionJson(error instanceof Error ? error.message : String(error)) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests += 1;
    if (options.recordReads === true && req.method === 'GET') stats.reads.push(req.url ?? '/');
    const rawBody = await readBody(req);
    if (faults.latencyMs > 0) await delay(faults.latencyMs);
    const early = injector.beforeRoute();
    if (early === 'rate-limit') {
      // Jira DC's rate limiting answers 429 with Retry-After and X-RateLimit-* headers ("Adjusting your code for rate limiting", Jira DC docs).
      return send(res, { status: 429, body: errorCollectionJson('Rate limit exceeded. Try again later.') }, {
        'retry-after': injector.retryAfter(new Date()), 'x-ratelimit-limit': '20', 'x-ratelimit-remaining': '0',
        'x-ratelimit-interval-seconds': '1', 'x-ratelimit-fillrate': '10',
      });
    }
    if (early === 'server-error') return finish(res, { status: 500, body: errorCollectionJson('Emulated internal server error') });

    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const method = req.method ?? 'GET';
    if (!url.pathname.startsWith(`${contextPath}/`)) return finish(res, notFound(url.pathname));
    const path = url.pathname.slice(contextPath.length);
    const matched = matchRoute(routes, method, path);
    if (matched === null) return finish(res, notFound(url.pathname));
    if (matched === 'wrong-method') return finish(res, { status: 405, body: errorCollectionJson(`Method ${method} is not allowed here`) });
    stats.byRoute.set(matched.id, (stats.byRoute.get(matched.id) ?? 0) + 1);
    const redirect = injector.redirectFor(matched.id);
    if (redirect !== null) return finish(res, { status: 302 }, { location: redirect });

    const caller = matched.access === 'anonymous' ? null : authenticate(state, req.headers.authorization);
    if (caller === null && matched.access !== 'anonymous') {
      return finish(res, { status: 401, body: errorCollectionJson('You are not authenticated. Authentication required to perform this operation.') },
        { 'www-authenticate': 'Basic realm="protected-area"' });
    }
    if (caller !== null && matched.access === 'admin' && !state.isAdministrator(caller.username)) {
      return finish(res, { status: 403, body: errorCollectionJson('You do not have the permission to perform this operation.') });
    }
    if (method !== 'GET') {
      stats.writes += 1;
      if (injector.failWrite(`${method} ${req.url ?? ''} ${rawBody.toString('utf8')}`)) {
        return finish(res, { status: 503, body: errorCollectionJson('Emulated write failure; nothing was changed') });
      }
    }
    let body: unknown;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        return finish(res, { status: 400, body: errorCollectionJson('Request body is not valid JSON') });
      }
    }
    const readable = new Set([...matched.query, ...Object.keys(matched.extraQuery)]);
    const ctx: JiraRouteContext = {
      route: matched, state, caller, base, readings, pageCaps, faults: injector, clock, body, path,
      lastLoginOffsetMinutes: options.lastLoginOffsetMinutes ?? 0,
      rawQuery: url.searchParams,
      query: (name) => {
        if (!readable.has(name)) throw new Error(`route ${matched.id} reads undeclared query parameter ${name}`);
        return url.searchParams.get(name);
      },
      queryAll: (name) => {
        if (!readable.has(name)) throw new Error(`route ${matched.id} reads undeclared query parameter ${name}`);
        return url.searchParams.getAll(name);
      },
    };
    let response: JiraRouteResponse;
    try {
      response = matched.handle(ctx);
    } catch (error) {
      if (!(error instanceof JiraRestFailure)) throw error;
      response = { status: error.status, body: errorCollectionJson(error.message, error.field) };
    }
    finish(res, response);
  }

  /** Sends a response, or cuts the connection half-way when the drop fault says so. */
  function finish(res: ServerResponse, response: JiraRouteResponse, headers: Record<string, string> = {}): void {
    if (!injector.dropConnection()) return send(res, response, headers);
    if (response.body === undefined) {
      res.socket?.destroy();
      return;
    }
    const payload = Buffer.from(JSON.stringify(response.body));
    res.writeHead(response.status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': payload.length });
    res.write(payload.subarray(0, Math.floor(payload.length / 2)), () => res.socket?.destroy());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  base = `http://${host}:${port}${contextPath}`;
  return {
    url: base, state, readings, faults, stats, routes, credentials: options.org.credentials,
    resetFaults: () => {
      Object.assign(faults, noFaults());
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error === undefined ? resolve() : reject(error))));
    },
  };
}

function send(res: ServerResponse, response: JiraRouteResponse, headers: Record<string, string> = {}): void {
  if (response.body === undefined) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  const payload = Buffer.from(JSON.stringify(response.body));
  res.writeHead(response.status, { ...headers, 'content-type': 'application/json;charset=UTF-8', 'content-length': payload.length });
  res.end(payload);
}

function notFound(pathname: string): JiraRouteResponse {
  return { status: 404, body: errorCollectionJson(`null for uri: ${pathname}`) };
}

/** Literal segments must match; a `{name}` segment matches any one non-empty segment. */
function matchRoute(routes: readonly JiraRoute[], method: string, path: string): JiraRoute | 'wrong-method' | null {
  const segments = path.split('/');
  let pathExists = false;
  for (const candidate of routes) {
    const template = candidate.template.split('/');
    if (template.length !== segments.length) continue;
    const fits = template.every((part, index) => (part.startsWith('{') ? (segments[index] ?? '') !== '' : part === segments[index]));
    if (!fits) continue;
    if (candidate.method === method) return candidate;
    pathExists = true;
  }
  return pathExists ? 'wrong-method' : null;
}

/** Bearer personal access token or Basic username:password; anything else is anonymous (null). */
function authenticate(state: JiraState, header: string | undefined): JiraUser | null {
  if (header === undefined) return null;
  const [scheme = '', value = ''] = header.split(' ', 2);
  if (scheme.toLowerCase() === 'bearer') return state.authenticate({ token: value.trim() });
  if (scheme.toLowerCase() !== 'basic') return null;
  const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return state.authenticate({ username: decoded.slice(0, colon), password: decoded.slice(colon + 1) });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new JiraRestFailure(413, 'Request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
