/**
 * Use cases: API tokens. A token is `skt_<id>_<secret>` with 256 random bits of secret; only its sha256 is stored,
 * so the store cannot give it back, and it is shown once. A token acts with its owner's role capped by its scope.
 */

import { createHash, randomBytes } from 'node:crypto';
import type { Store } from './store-port.ts';
import type { Clock } from './clock.ts';
import type { ApiTokenRecord } from './store/api-token-repository-port.ts';
import { tokenRole, type Role, type TokenScope } from '../domain/access-role.ts';
import { InvalidInput, NotAllowed, NotFound } from '../domain/errors.ts';

/** The longest life a token may be given. */
export const MAX_TOKEN_DAYS = 366;

const TOKEN_FORMAT = /^skt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** sha256 of a secret, hex: what the store keeps of tokens and session ids. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Creates a token for an enabled admin; the returned `token` is the only copy of the secret. */
export async function issueToken(
  deps: { store: Pick<Store, 'admins' | 'tokens'>; clock: Clock },
  input: { admin: string; scope: TokenScope; expiresDays: number },
): Promise<{ token: string; record: ApiTokenRecord }> {
  if (!Number.isInteger(input.expiresDays) || input.expiresDays < 1 || input.expiresDays > MAX_TOKEN_DAYS) {
    throw new InvalidInput(`a token lives 1 to ${MAX_TOKEN_DAYS} days, not ${input.expiresDays}`);
  }
  const owner = await deps.store.admins.get(input.admin);
  if (owner === null) throw new NotFound(`no admin account named ${JSON.stringify(input.admin)}`);
  if (owner.disabled) throw new NotAllowed(`admin account ${owner.name} is disabled`);
  const id = randomBytes(8).toString('hex');
  const token = `skt_${id}_${randomBytes(32).toString('base64url')}`;
  const now = deps.clock.now();
  const record = await deps.store.tokens.create({
    id,
    secretHash: secretHash(token),
    admin: owner.name,
    scope: input.scope,
    at: now,
    expiresAt: new Date(now.getTime() + input.expiresDays * 86_400_000),
  });
  return { token, record };
}

/** Who a presented token speaks for: the owner and the role it acts with. */
export interface TokenPrincipal {
  readonly admin: string;
  readonly role: Role;
  readonly tokenId: string;
}

/** The principal of a bearer token; null for an unknown, malformed or expired token, or one of a disabled admin. */
export async function authenticateToken(deps: { store: Pick<Store, 'admins' | 'tokens'>; clock: Clock }, token: string): Promise<TokenPrincipal | null> {
  if (!TOKEN_FORMAT.test(token)) return null;
  const now = deps.clock.now();
  const record = await deps.store.tokens.use(secretHash(token), now);
  if (record === null || Date.parse(record.expiresAt) <= now.getTime()) return null;
  const owner = await deps.store.admins.get(record.admin);
  if (owner === null || owner.disabled) return null;
  return { admin: owner.name, role: tokenRole(owner.role, record.scope), tokenId: record.id };
}
