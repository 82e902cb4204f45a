/**
 * A Confluence Data Center stand-in: a real HTTP server on loopback with Confluence's paths, auth,
 * paging, errors and version differences, backed by an EmulatorState and a switchboard of faults.
 * Used by the connector tests, `npm run demo` and the 100k-user benchmark.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { EmulatorState } from './emulator-state.ts';
import { FaultInjector, noFaults, type EmulatorFaults } from './emulator-faults.ts';
import { restErrorJson, RestFailure, type LastLoginFormat } from './emulator-json.ts';
import {
  CONFLUENCE_ROUTES, type ConfluenceRoute, type PageCaps, type RouteContext, type RouteResponse, type RouteSettings,
} from './emulator-routes.ts';
import { versionAtLeast, type EmulatedVersion } from './emulator-versions.ts';
import {
  DEFAULT_READINGS, type LastLoginField, type LicenceFull, type MemberLists, type PermissionSubjects, type ReadOnlyRefusal, type StatusCase,
} from './emulator-readings.ts';
import type { OrgSeed } from './org-generator.ts';

/** Options of {@link startConfluenceEmulator}; only `org` is required. */
export interface ConfluenceEmulatorOptions {
  readonly org: OrgSeed;
  /** Default '10.2'. */
  readonly version?: EmulatedVersion;
  /** Default '/confluence'; '' serves at the root. No trailing slash. */
  readonly contextPath?: string;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (an ephemeral port). */
  readonly port?: number;
  /** Default { users: 500, groups: 200 }. */
  readonly pageCaps?: Partial<PageCaps>;
  /** Initial faults; all off by default. The running emulator's `faults` object stays mutable. */
  readonly faults?: Partial<EmulatorFaults>;
  /** Seed of the `serverErrorRate` draws; default the org's seed. */
  readonly faultSeed?: number;
  /** `lastLogin` as ISO-8601 with offset (default) or epoch milliseconds. */
  readonly lastLoginFormat?: LastLoginFormat;
  /** Offset the ISO form is written in, minutes east of UTC; default 0 (written `+00:00`). */
  readonly lastLoginOffsetMinutes?: number;
  /** Spelling of the `expand=status` UserStatus words (`current` / `CURRENT`); default 'lower'. */
  readonly statusCase?: StatusCase;
  /** `email` on `/user/list`, `/user`, `/user/current`, `/group/{g}/member` for administrators; default false. */
  readonly emailOnUserList?: boolean;
  /** 'absent': the 10.2 admin list leaves `lastLogin` out even when expanded; default 'present'. */
  readonly lastLoginField?: LastLoginField;
  /** `/group/{g}/member` lists direct members or the flattened nesting; default 'flattened'. */
  readonly memberLists?: MemberLists;
  /** `GlobalPermission.subject` with username/userKey/name, or exactly {type, displayName}; default 'identified'. */
  readonly permissionSubjects?: PermissionSubjects;
  /** Status of a write a read-only directory refuses; default 403. */
  readonly readOnlyRefusal?: ReadOnlyRefusal;
  /**
   * A write that would exceed `maxUsers`: 'allow' (default) or 'refuse-402'. Applied to the state this
   * emulator builds, and to a given `state` when set here.
   */
  readonly licenceFull?: LicenceFull;
  /** Time stamps of the change record; default the wall clock. */
  readonly clock?: () => Date;
  /** Serve an existing state instead of building one from `org` (e.g. across a restart). */
  readonly state?: EmulatorState;
  /** Keep the path and query of every GET request in `stats.reads` (the benchmark replays them as its raw-fetch baseline). */
  readonly recordReads?: boolean;
}

/** Request counters; `writes` counts authorised requests to write routes, whatever their outcome. */
export interface EmulatorStats {
  requests: number;
  byRoute: Map<string, number>;
  writes: number;
  /** Path and query of each GET request in arrival order, when the emulator was started with `recordReads`. */
  reads: string[];
}

/** A started emulator. */
export interface RunningConfluenceEmulator {
  /** Base URL including the context path, no trailing slash, e.g. `http://127.0.0.1:41234/confluence`. */
  readonly url: string;
  readonly version: EmulatedVersion;
  readonly contextPath: string;
  readonly state: EmulatorState;
  /** Mutable: assign fields at any time; see EmulatorFaults. */
  readonly faults: EmulatorFaults;
  readonly stats: EmulatorStats;
  /** The routes this version serves (the contract test walks them). */
  readonly routes: readonly ConfluenceRoute[];
  readonly credentials: OrgSeed['credentials'];
  /** Switches every fault off. */
  resetFaults(): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1_048_576;
const WRITE_METHODS = new Set(['PUT', 'DELETE', 'POST']);

/** Starts the emulator and resolves once it listens. */
export async function startConfluenceEmulator(options: ConfluenceEmulatorOptions): Promise<RunningConfluenceEmulator> {
  const contextPath = options.contextPath ?? '/confluence';
  if (contextPath !== '' && (!contextPath.startsWith('/') || contextPath.endsWith('/'))) {
    throw new RangeError(`contextPath must be '' or start with '/' and not end with '/': ${contextPath}`);
  }
  const version = options.version ?? '10.2';
  const state = options.state ?? new EmulatorState(options.org, options.clock === undefined ? {} : { clock: options.clock });
  if (options.licenceFull !== undefined) state.licenceFull = options.licenceFull;
  const faults: EmulatorFaults = { ...noFaults(), ...options.faults };
  const injector = new FaultInjector(faults, options.faultSeed ?? options.org.seed);
  const stats: EmulatorStats = { requests: 0, byRoute: new Map(), writes: 0, reads: [] };
  const routes = CONFLUENCE_ROUTES.filter((candidate) => versionAtLeast(version, candidate.since));
  const settings: RouteSettings = {
    pageCaps: { users: options.pageCaps?.users ?? 500, groups: options.pageCaps?.groups ?? 200 },
    lastLoginFormat: options.lastLoginFormat ?? 'iso',
    lastLoginOffsetMinutes: options.lastLoginOffsetMinutes ?? 0,
    statusCase: options.statusCase ?? DEFAULT_READINGS.statusCase,
    emailOnUserList: options.emailOnUserList ?? DEFAULT_READINGS.emailOnUserList,
    lastLoginField: options.lastLoginField ?? DEFAULT_READINGS.lastLoginField,
    memberLists: options.memberLists ?? DEFAULT_READINGS.memberLists,
    permissionSubjects: options.permissionSubjects ?? DEFAULT_READINGS.permissionSubjects,
    readOnlyRefusal: options.readOnlyRefusal ?? DEFAULT_READINGS.readOnlyRefusal,
  };
  const host = options.host ?? '127.0.0.1';
  let base = '';

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof RestFailure ? error.status : 500;
      if (res.headersSent) res.destroy();
      else send(res, { status, body: restErrorJson(status, error instanceof Error ? error.message : String(error)) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests += 1;
    if (options.recordReads === true && req.method === 'GET') stats.reads.push(req.url ?? '/');
    const rawBody = await readBody(req);
    if (faults.latencyMs > 0) await delay(faults.latencyMs);
    const early = injector.beforeRoute();
    if (early === 'rate-limit') {
      return send(res, { status: 429, body: restErrorJson(429, 'Rate limit exceeded. Try again later.') }, {
        'retry-after': injector.retryAfter(new Date()),
        'x-ratelimit-limit': '20', 'x-ratelimit-remaining': '0', 'x-ratelimit-interval-seconds': '1', 'x-ratelimit-fillrate': '10',
      });
    }
    if (early === 'server-error') return finish(res, { status: 500, body: restErrorJson(500, 'Emulated internal server error') });

    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const method = req.method ?? 'GET';
    if (!url.pathname.startsWith(`${contextPath}/`)) return finish(res, notFoundResponse(url.pathname));
    const path = url.pathname.slice(contextPath.length);
    const matched = matchRoute(routes, method, path);
    if (matched === 'bad-encoding') return finish(res, { status: 400, body: restErrorJson(400, 'Malformed URL encoding in path') });
    if (matched === null) return finish(res, notFoundResponse(url.pathname));
    if (matched === 'wrong-method') return finish(res, { status: 405, body: restErrorJson(405, `Method ${method} is not allowed here`) });
    const { route, params } = matched;
    stats.byRoute.set(route.id, (stats.byRoute.get(route.id) ?? 0) + 1);
    const redirect = injector.redirectFor(route.id);
    if (redirect !== null) return finish(res, { status: 302 }, { location: redirect });

    const caller = route.access === 'anonymous' ? null : authenticate(state, req.headers.authorization);
    if (caller === null && route.access !== 'anonymous') {
      return finish(res, { status: 401, body: restErrorJson(401, 'Client must be authenticated to access this resource.') },
        { 'www-authenticate': 'Basic realm="Confluence"' });
    }
    const callerIsAdmin = caller !== null && state.isAdministrator(caller.username);
    if (caller !== null && route.access === 'admin' && !callerIsAdmin) {
      return finish(res, { status: 403, body: restErrorJson(403, `User '${caller.username}' does not have permission to perform this action`) });
    }
    if (caller !== null && route.access === 'licensed' && !callerIsAdmin && !state.holdsSeat(caller.username)) {
      return finish(res, { status: 403, body: restErrorJson(403, `User '${caller.username}' is not permitted to use Confluence`) });
    }
    if (WRITE_METHODS.has(method)) {
      stats.writes += 1;
      if (injector.failWrite(`${method} ${req.url ?? ''} ${rawBody.toString('utf8')}`)) return finish(res, { status: 503, body: restErrorJson(503, 'Emulated write failure; nothing was changed') });
    }

    let body: unknown;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        return finish(res, { status: 400, body: restErrorJson(400, 'Request body is not valid JSON') });
      }
    }
    const ctx: RouteContext = {
      route, state, version, caller, callerIsAdmin, body, settings, faults: injector,
      links: { base, context: contextPath },
      instanceSeed: options.org.seed,
      path,
      rawQuery: url.searchParams,
      query: (name) => {
        if (!route.query.includes(name)) throw new Error(`route ${route.id} reads undeclared query parameter ${name}`);
        return url.searchParams.get(name);
      },
      param: (name) => {
        const value = params.get(name);
        if (value === undefined) throw new Error(`route ${route.id} has no path parameter ${name}`);
        return value;
      },
    };
    let response: RouteResponse;
    try {
      response = route.handle(ctx);
    } catch (error) {
      if (!(error instanceof RestFailure)) throw error;
      response = { status: error.status, body: restErrorJson(error.status, error.message) };
    }
    finish(res, response);
  }

  /** Sends a response, or cuts the connection half-way when the drop fault says so. */
  function finish(res: ServerResponse, response: RouteResponse, headers: Record<string, string> = {}): void {
    if (!injector.dropConnection()) return send(res, response, headers);
    const encoded = encode(response);
    if (encoded === null) {
      res.socket?.destroy();
      return;
    }
    res.writeHead(response.status, { 'content-type': encoded.contentType, 'content-length': encoded.payload.length });
    res.write(encoded.payload.subarray(0, Math.floor(encoded.payload.length / 2)), () => res.socket?.destroy());
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
    url: base,
    version,
    contextPath,
    state,
    faults,
    stats,
    routes,
    credentials: options.org.credentials,
    resetFaults: () => {
      Object.assign(faults, noFaults());
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error === undefined ? resolve() : reject(error))));
    },
  };
}

function send(res: ServerResponse, response: RouteResponse, headers: Record<string, string> = {}): void {
  const encoded = encode(response);
  if (encoded === null) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  res.writeHead(response.status, { ...headers, 'content-type': encoded.contentType, 'content-length': encoded.payload.length });
  res.end(encoded.payload);
}

/** The bytes and content type of a response; null for no content. */
function encode(response: RouteResponse): { payload: Buffer; contentType: string } | null {
  if (response.html !== undefined) return { payload: Buffer.from(response.html, 'utf8'), contentType: 'text/html;charset=UTF-8' };
  if (response.body === undefined) return null;
  return { payload: Buffer.from(JSON.stringify(response.body)), contentType: 'application/json;charset=UTF-8' };
}

function notFoundResponse(pathname: string): RouteResponse {
  return { status: 404, body: restErrorJson(404, `null for uri: ${pathname}`) };
}

/**
 * Finds the route for a path; literal segments must match, `{name}` segments capture decoded values. A
 * `{groupName}` that decodes to a name with '/' fits no route, as a raw '/' does by adding a segment:
 * public client code reports that neither `a/b` nor `a%2Fb` reaches the group (3RD-PARTY).
 */
function matchRoute(
  routes: readonly ConfluenceRoute[], method: string, path: string,
): { route: ConfluenceRoute; params: Map<string, string> } | 'wrong-method' | 'bad-encoding' | null {
  let segments: string[];
  try {
    segments = path.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    return 'bad-encoding';
  }
  let pathExists = false;
  for (const candidate of routes) {
    const template = candidate.template.split('/');
    if (template.length !== segments.length) continue;
    const params = new Map<string, string>();
    const fits = template.every((part, index) => {
      const segment = segments[index] ?? '';
      if (part.startsWith('{') && part.endsWith('}')) {
        params.set(part.slice(1, -1), segment);
        return segment !== '' && !(part === '{groupName}' && segment.includes('/'));
      }
      return part === segment;
    });
    if (!fits) continue;
    if (candidate.method === method) return { route: candidate, params };
    pathExists = true;
  }
  return pathExists ? 'wrong-method' : null;
}

/** Bearer personal access token or Basic username:password; anything else is anonymous (null). */
function authenticate(state: EmulatorState, header: string | undefined): ReturnType<EmulatorState['authenticate']> {
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
    if (size > MAX_BODY_BYTES) throw new RestFailure(413, 'Request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
