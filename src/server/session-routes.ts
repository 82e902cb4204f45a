/** POST /api/v1/session signs in (rate-limited), GET tells who is signed in, DELETE signs out. */

import { z } from 'zod';
import type { ApiApp, ApiDeps } from './api-deps.ts';
import { signIn, signOut } from '../app/admin-sessions.ts';
import { InvalidInput, NotAllowed } from '../domain/errors.ts';
import { ROLES } from '../domain/access-role.ts';
import { SESSION_COOKIE } from './api-access.ts';
import { noteAudit } from './api-writes.ts';
import { problemSchema } from './problem-details.ts';

const signedIn = z.object({ admin: z.string(), role: z.enum(ROLES), csrfToken: z.string(), expiresAt: z.string() }).meta({ id: 'Session' });

/** Registers sign-in, who-am-I and sign-out. */
export function sessionRoutes(app: ApiApp, deps: ApiDeps): void {
  const { runtime, clock, timeouts } = deps;
  app.post(
    '/api/v1/session',
    {
      config: { access: 'public', action: 'session.create', rateLimit: { max: deps.signInPerMinute, timeWindow: 60_000 } },
      schema: {
        tags: ['session'],
        summary: 'Sign in with an admin name and password: sets the session cookie and returns its CSRF token',
        security: [],
        body: z.object({ name: z.string().min(1).max(64), password: z.string().min(1).max(1024) }),
        response: { 201: signedIn, 401: problemSchema, 429: problemSchema },
      },
    },
    async (request, reply) => {
      noteAudit(request, { target: request.body.name });
      // A sign-in replaces the session the browser still holds, if any: one cookie, one session (ASVS 7.2.4).
      const previous = request.principal?.session;
      if (previous !== null && previous !== undefined) await signOut({ store: runtime.store }, previous.idHash);
      const { sessionId, principal, absoluteExpiresAt } = await signIn({ store: runtime.store, clock, timeouts }, { ...request.body, address: request.ip });
      reply.setCookie(SESSION_COOKIE, sessionId, { path: '/', secure: true, httpOnly: true, sameSite: 'strict', expires: absoluteExpiresAt });
      request.principal = { admin: principal.admin, role: principal.role, via: 'session', tokenId: null, session: { idHash: principal.idHash, csrfToken: principal.csrfToken } };
      return reply.code(201).send({ admin: principal.admin, role: principal.role, csrfToken: principal.csrfToken, expiresAt: absoluteExpiresAt.toISOString() });
    },
  );

  app.get(
    '/api/v1/session',
    {
      config: { access: 'viewer' },
      schema: { tags: ['session'], summary: 'Who the caller is', response: { 200: z.object({ admin: z.string(), role: z.enum(ROLES), via: z.enum(['token', 'session']), csrfToken: z.string().nullable() }) } },
    },
    async (request) => {
      const principal = request.principal;
      if (principal === null) throw new NotAllowed('not signed in');
      return { admin: principal.admin, role: principal.role, via: principal.via, csrfToken: principal.session?.csrfToken ?? null };
    },
  );

  app.delete(
    '/api/v1/session',
    { config: { access: 'viewer', action: 'session.delete' }, schema: { tags: ['session'], summary: 'Sign out: ends the session', response: { 204: z.null(), 400: problemSchema } } },
    async (request, reply) => {
      const session = request.principal?.session;
      if (session === null || session === undefined) throw new InvalidInput('signing out ends a session: this request carries a token, which ends when its admin is disabled or it expires');
      await signOut({ store: runtime.store }, session.idHash);
      reply.clearCookie(SESSION_COOKIE, { path: '/', secure: true, httpOnly: true, sameSite: 'strict' });
      return reply.code(204).send(null);
    },
  );
}
