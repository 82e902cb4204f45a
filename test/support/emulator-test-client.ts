/** A minimal HTTP client for the emulators' own tests, Confluence's and Jira's (the product's client lives in connectors/). */

import type { CredentialSeed } from '../../src/emulators/confluence-dc/org-generator.ts';

/** One response, body parsed when it is JSON. */
export interface EmulatorReply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/** Options of {@link callEmulator}: default GET as the org's admin with a bearer token. */
export interface CallOptions {
  readonly method?: string;
  /** Whose credential; null sends no Authorization header. */
  readonly as?: CredentialSeed | null;
  readonly auth?: 'bearer' | 'basic';
  readonly body?: unknown;
}

/** What the client needs of a running emulator: its base URL and the org's admin credentials. */
export interface CallableEmulator {
  readonly url: string;
  readonly credentials: { readonly admin: CredentialSeed };
}

/** Calls `path` (below the emulator's base URL, e.g. `/rest/api/user/list?limit=5` or `/rest/api/2/serverInfo`). */
export async function callEmulator(emulator: CallableEmulator, path: string, options: CallOptions = {}): Promise<EmulatorReply> {
  const who = options.as === undefined ? emulator.credentials.admin : options.as;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (who !== null) {
    headers['authorization'] = options.auth === 'basic'
      ? `Basic ${Buffer.from(`${who.username}:${who.password}`).toString('base64')}`
      : `Bearer ${who.token}`;
  }
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${emulator.url}${path}`, {
    method: options.method ?? 'GET',
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  const json = (response.headers.get('content-type') ?? '').includes('json') && text !== '';
  return { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : text };
}
