/** A minimal HTTP client for the Jira emulator's own tests (the product's client lives in connectors/). */

import type { CredentialSeed } from '../confluence-dc/org-generator.ts';
import type { RunningJiraEmulator } from './jira-emulator.ts';

/** One response, body parsed when it is JSON. */
export interface JiraReply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/** Options of {@link callJira}: default GET as the org's admin with a bearer token. */
export interface JiraCallOptions {
  readonly method?: string;
  /** Whose credential; null sends no Authorization header. */
  readonly as?: CredentialSeed | null;
  readonly auth?: 'bearer' | 'basic';
  readonly body?: unknown;
}

/** Calls `path` below the emulator's base URL, e.g. `/rest/api/2/user/list?maxResults=5`. */
export async function callJira(emulator: RunningJiraEmulator, path: string, options: JiraCallOptions = {}): Promise<JiraReply> {
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
