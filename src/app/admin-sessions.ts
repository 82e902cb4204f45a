/**
 * Use cases: sign-in sessions of the API. The session id (256 random bits) goes to the browser only; the store keeps
 * its sha256. A session ends after `idle` without a request or `absolute` after sign-in, whichever comes first, and
 * at once when its admin is disabled (the account is read on every request).
 */

import { randomBytes } from 'node:crypto';
import type { Store } from './store-port.ts';
import type { Clock } from './clock.ts';
import type { Role } from '../domain/access-role.ts';
import { NotAuthenticated } from '../domain/errors.ts';
import { hashPassword, passwordMatches } from './admin-accounts.ts';
import { secretHash } from './api-tokens.ts';

/** How long sessions last. */
export interface SessionTimeouts {
  readonly idleMs: number;
  readonly absoluteMs: number;
}

/** A signed-in session as the server sees it. */
export interface SessionPrincipal {
  readonly admin: string;
  readonly role: Role;
  readonly csrfToken: string;
  readonly idHash: string;
}

// Compared against when the name is unknown, so a wrong name takes as long as a wrong password.
let decoyHash: Promise<string> | null = null;

/** Signs in: a new session id (for the cookie) and its CSRF token; NotAuthenticated, the same for every cause, otherwise. */
export async function signIn(
  deps: { store: Pick<Store, 'admins' | 'sessions'>; clock: Clock; timeouts: SessionTimeouts },
  input: { name: string; password: string; address: string | null },
): Promise<{ sessionId: string; principal: SessionPrincipal; absoluteExpiresAt: Date }> {
  const account = await deps.store.admins.get(input.name);
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
  const matches = await passwordMatches(account?.passwordHash ?? (await decoyHash), input.password);
  if (account === null || !matches || account.disabled) throw new NotAuthenticated('the name or the password is wrong, or the account is disabled');
  // Sessions that ran out are deleted as others sign in, so the table holds live ones only.
  await deps.store.sessions.removeExpired(deps.clock.now());
  const sessionId = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  const absoluteExpiresAt = new Date(now.getTime() + deps.timeouts.absoluteMs);
  const idHash = secretHash(sessionId);
  await deps.store.sessions.create({
    idHash,
    admin: account.name,
    csrfToken,
    at: now,
    idleExpiresAt: new Date(Math.min(now.getTime() + deps.timeouts.idleMs, absoluteExpiresAt.getTime())),
    absoluteExpiresAt,
    address: input.address,
  });
  return { sessionId, principal: { admin: account.name, role: account.role, csrfToken, idHash }, absoluteExpiresAt };
}

/** The principal of a session cookie, moving its idle expiry on; null when unknown, expired or its admin is disabled. */
export async function authenticateSession(
  deps: { store: Pick<Store, 'admins' | 'sessions'>; clock: Clock; timeouts: SessionTimeouts },
  sessionId: string,
): Promise<SessionPrincipal | null> {
  if (sessionId.length === 0 || sessionId.length > 128) return null;
  const idHash = secretHash(sessionId);
  const session = await deps.store.sessions.get(idHash);
  if (session === null) return null;
  const now = deps.clock.now().getTime();
  if (Date.parse(session.idleExpiresAt) <= now || Date.parse(session.absoluteExpiresAt) <= now) {
    await deps.store.sessions.remove(idHash);
    return null;
  }
  const account = await deps.store.admins.get(session.admin);
  if (account === null || account.disabled) {
    await deps.store.sessions.remove(idHash);
    return null;
  }
  const idle = Math.min(now + deps.timeouts.idleMs, Date.parse(session.absoluteExpiresAt));
  await deps.store.sessions.touch(idHash, new Date(now), new Date(idle));
  return { admin: account.name, role: account.role, csrfToken: session.csrfToken, idHash };
}

/** Ends a session (sign-out). */
export async function signOut(deps: { store: Pick<Store, 'sessions'> }, idHash: string): Promise<void> {
  await deps.store.sessions.remove(idHash);
}
