/**
 * Who is calling and may they: a bearer API token or the session cookie, the role each route declares, and the CSRF
 * header on cookie-authenticated writes. A route without a declared access level cannot be registered.
 */

import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';
import type { Runtime } from '../runtime/runtime.ts';
import type { Clock } from '../app/clock.ts';
import { allows, type Role } from '../domain/access-role.ts';
import { authenticateToken } from '../app/api-tokens.ts';
import { authenticateSession, type SessionTimeouts } from '../app/admin-sessions.ts';
import { NotAllowed, NotAuthenticated } from '../domain/errors.ts';

/** The session cookie: `__Host-` binds it to this origin, path /, Secure (browsers refuse the prefix otherwise). */
export const SESSION_COOKIE = '__Host-seatkeeper-session';
/** The header a cookie-authenticated write must carry, with the session's CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';

/** What a route needs: a role, or `public` (health, metrics, sign-in, the OpenAPI document). */
export type Access = Role | 'public';

/** The authenticated caller. */
export interface Principal {
  readonly admin: string;
  readonly role: Role;
  readonly via: 'token' | 'session';
  /** The token's public id (via token), for the audit log. */
  readonly tokenId: string | null;
  /** The session's id hash and CSRF token (via session). */
  readonly session: { readonly idHash: string; readonly csrfToken: string } | null;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; required on every route (see registerAccess). */
    access?: Access;
    /** The audit log's action word for a write route. */
    action?: string;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** A route as registered: what the role matrix test walks. */
export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
  readonly access: Access;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** True for methods that change something. */
export const isWrite = (method: string): boolean => WRITE_METHODS.has(method.toUpperCase());

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The caller of a request, or null when it sends no credentials; NotAuthenticated when what it sends does not hold. */
async function principalOf(request: FastifyRequest, deps: { runtime: Runtime; clock: Clock; timeouts: SessionTimeouts }): Promise<Principal | null> {
  const { store } = deps.runtime;
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer ([\x21-\x7e]{1,200})$/.exec(authorization);
    const token = match?.[1] === undefined ? null : await authenticateToken({ store, clock: deps.clock }, match[1]);
    if (token === null) throw new NotAuthenticated('the bearer token is not valid: unknown, expired, or its admin is disabled');
    return { admin: token.admin, role: token.role, via: 'token', tokenId: token.tokenId, session: null };
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie === undefined) return null;
  const session = await authenticateSession({ store, clock: deps.clock, timeouts: deps.timeouts }, cookie);
  if (session === null) throw new NotAuthenticated('the session has ended: sign in again');
  return { admin: session.admin, role: session.role, via: 'session', tokenId: null, session: { idHash: session.idHash, csrfToken: session.csrfToken } };
}

/**
 * Refuses to register a route that declares no access, records every route for the role matrix, and checks each
 * request: credentials (401), role (403) and, for a cookie-authenticated write, the CSRF header (403).
 */
export function registerAccess(app: FastifyInstance, deps: { runtime: Runtime; clock: Clock; timeouts: SessionTimeouts }, routes: RegisteredRoute[]): void {
  app.decorateRequest('principal', null);
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    // Fastify's own HEAD twins of GET routes inherit the GET's config.
    if (access === undefined) throw new Error(`route ${String(route.method)} ${route.url} declares no access (config.access)`);
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) if (method !== 'HEAD') routes.push({ method, url: route.url, access });
  });
  // Before validation: a caller without the right gets 401/403 whatever the body, and learns nothing from a 400.
  app.addHook('preValidation', async (request) => {
    const access = request.routeOptions.config.access;
    // Credentials are read on public routes too, so sign-out and the audit log know who it is when they are sent.
    const principal = await principalOf(request, deps).catch((error: unknown) => {
      if (access === 'public') return null;
      throw error;
    });
    request.principal = principal;
    if (access === 'public' || access === undefined) return;
    if (principal === null) throw new NotAuthenticated('this route needs a bearer token or a signed-in session');
    if (!allows(principal.role, access)) throw new NotAllowed(`this route needs the ${access} role; ${principal.admin} acts as ${principal.role}${principal.via === 'token' ? ' with this token' : ''}`);
    if (principal.session !== null && isWrite(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameText(sent, principal.session.csrfToken)) {
        throw new NotAllowed(`a write with the session cookie needs the ${CSRF_HEADER} header with the session's CSRF token`);
      }
    }
  });
}
