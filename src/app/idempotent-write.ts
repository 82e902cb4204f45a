/**
 * Use case: a write sent with an Idempotency-Key runs once. The key is bound to the caller and to the request's body
 * (method, path and payload, hashed) and kept 24 hours: a retry with the same body gets the first answer again, the
 * same key with another body is refused, and a retry while the first request is still running is told to wait.
 */

import { createHash } from 'node:crypto';
import type { Store } from './store-port.ts';
import type { Clock } from './clock.ts';
import { canonicalJson } from '../domain/plan-hash.ts';
import { Conflict, InvalidInput } from '../domain/errors.ts';

/** How long a key is kept. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

const KEY = /^[\x21-\x7e]{1,200}$/;

/** A write's answer, as replayed. */
export interface WriteAnswer {
  readonly statusCode: number;
  readonly body: unknown;
}

/** The hash a key is bound to: what the request asks, whatever the order of its JSON keys. */
export function requestHash(request: { method: string; path: string; body: unknown }): string {
  return createHash('sha256').update(canonicalJson({ method: request.method, path: request.path, body: request.body ?? null }), 'utf8').digest('hex');
}

/**
 * Runs `write` once per (caller, key). A thrown error (nothing was written) or an answer of 5xx releases the key, so a
 * retry runs again; any other answer is kept and replayed with `replayed: true`.
 */
export async function idempotentWrite(
  deps: { store: Pick<Store, 'idempotency'>; clock: Clock },
  input: { caller: string; key: string; bodyHash: string },
  write: () => Promise<WriteAnswer>,
): Promise<WriteAnswer & { replayed: boolean }> {
  if (!KEY.test(input.key)) throw new InvalidInput('an Idempotency-Key is 1 to 200 visible ASCII characters');
  const now = deps.clock.now();
  const claim = await deps.store.idempotency.claim({ ...input, at: now, expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS) });
  if (!claim.claimed) {
    const { record } = claim;
    if (record.bodyHash !== input.bodyHash) throw new InvalidInput('this Idempotency-Key was used for another request; use a new key for a new request');
    if (record.response === null) throw new Conflict('a request with this Idempotency-Key is still being answered; retry later');
    return { ...record.response, replayed: true };
  }
  let answer: WriteAnswer;
  try {
    answer = await write();
  } catch (error) {
    await deps.store.idempotency.release(input.caller, input.key);
    throw error;
  }
  if (answer.statusCode >= 500) await deps.store.idempotency.release(input.caller, input.key);
  else await deps.store.idempotency.complete({ caller: input.caller, key: input.key, statusCode: answer.statusCode, body: answer.body });
  return { ...answer, replayed: false };
}
