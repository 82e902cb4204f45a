/**
 * How a failed HTTP attempt is read, the same for every product: which network errors a fresh attempt may not hit
 * again, which mean a certificate to trust, what an Atlassian error body says, and how long Retry-After asks to wait.
 */

import { z } from 'zod';

/** Connection failures that a fresh attempt may not hit again. */
export const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** TLS failures: the admin has to trust the CA or fix the URL, and no retry helps. */
export const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const restError = z.object({ message: z.string().nullish(), reason: z.string().nullish() });

/** Jira's ErrorCollection: `{errorMessages: [...], errors: {field: message}}`. */
const errorCollection = z.object({
  errorMessages: z.array(z.unknown()).nullish(),
  errors: z.record(z.string(), z.unknown()).nullish(),
});

/** Parses a Retry-After header (delta seconds or HTTP-date) into milliseconds from `nowMs`; null if unusable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

/** The message of a Confluence error body (`{message}` or `{reason}`), at most 300 characters; null when there is none. */
export function serverMessage(text: string): string | null {
  try {
    const parsed = restError.safeParse(JSON.parse(text));
    if (!parsed.success) return null;
    const message = parsed.data.message ?? parsed.data.reason ?? null;
    return message === null || message === '' ? null : message.slice(0, 300);
  } catch {
    return null;
  }
}

/**
 * The message of a Jira error body, at most 300 characters; null when there is none. Jira answers errors with an
 * ErrorCollection (`errorMessages` and per-field `errors`, joined here); a `{message}` body (from a proxy or a
 * servlet filter) is read as Confluence's is.
 */
export function errorCollectionMessage(text: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = errorCollection.safeParse(body);
  if (parsed.success) {
    const messages = (parsed.data.errorMessages ?? []).filter((m): m is string => typeof m === 'string' && m.trim() !== '');
    const fields = Object.entries(parsed.data.errors ?? {}).flatMap(([field, m]) => (typeof m === 'string' && m.trim() !== '' ? [`${field}: ${m}`] : []));
    const joined = [...messages, ...fields].join('; ');
    if (joined !== '') return joined.slice(0, 300);
  }
  return serverMessage(text);
}

/** The first string `code` along an error's cause chain (undici nests the socket error). */
export function networkCode(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    if ('code' in current && typeof current.code === 'string') return current.code;
    current = 'cause' in current ? current.cause : undefined;
  }
  return null;
}

/** An error's message, or the thrown value as text. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
