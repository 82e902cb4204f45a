/** The `kind: http` organisation directory: reads every person from a JSON endpoint, following `next` links. */

import type { OrgDirectory } from '../../../app/directory-port.ts';
import { ConnectorError } from '../../../app/connector-error.ts';
import { checkedLink, fetchText, insecureCredentialsProblem, linkScope, quoteOutside, type ReadResponse } from '../../http-safety.ts';
import type { HttpDirectoryConfig } from './http-directory-config.ts';
import { readPage, readPerson } from './http-directory-mapping.ts';

const MAX_PAGES = 10_000;

/** Seams for tests; production uses the global fetch. */
export interface HttpDirectoryDeps {
  readonly fetch?: typeof fetch;
  /** The most one response may hold (MAX_RESPONSE_BYTES when absent). */
  readonly maxResponseBytes?: number;
}

/** Creates the directory for one configured id; nothing is fetched until `people` is called. */
export function createHttpDirectory(id: string, config: HttpDirectoryConfig, deps: HttpDirectoryDeps = {}): OrgDirectory {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (config.auth && 'token' in config.auth) headers.Authorization = `Bearer ${config.auth.token}`;
  else if (config.auth) headers.Authorization = `Basic ${Buffer.from(`${config.auth.username}:${config.auth.password}`).toString('base64')}`;
  const target = `directory ${id}`;
  // The schema refuses this already; a directory built from other input must not slip past it.
  const insecure = insecureCredentialsProblem(config.url, config.auth !== undefined, config.allowInsecureHttp);
  if (insecure !== null) throw new ConnectorError(insecure, { target, fixable: true });
  // Links are followed only on the configured scheme and origin, beside the configured resource.
  const scope = linkScope(config.url, { prefix: 'directory' });
  const fetchImpl = deps.fetch ?? fetch;

  return {
    id,
    matchOn: config.match.user,
    async people(signal) {
      const people = new Map<string, 'active' | 'disabled'>();
      const followed = new Set<string>();
      let url: string | null = config.url;
      for (let page = 0; url !== null; page += 1) {
        if (page >= MAX_PAGES) throw new ConnectorError(`more than ${MAX_PAGES} pages: the next links loop`, { target });
        if (followed.has(url)) throw new ConnectorError(`the directory sent the same page twice (${quoteOutside(url)}): its listing cannot be trusted`, { target });
        followed.add(url);
        const timeout = AbortSignal.timeout(config.timeoutMs);
        let response: ReadResponse;
        try {
          response = await fetchText(fetchImpl, url, { headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout }, {
            target,
            ...(deps.maxResponseBytes === undefined ? {} : { maxBytes: deps.maxResponseBytes }),
          });
        } catch (cause) {
          if (cause instanceof ConnectorError) throw cause;
          throw new ConnectorError(`cannot reach ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { target, retryable: true, fixable: true, cause });
        }
        if (!response.ok) {
          const fixable = response.status === 401 || response.status === 403 || response.status === 404;
          throw new ConnectorError(`${url} answered ${response.status}${fixable ? ': check the url and credentials' : ''}`, { target, status: response.status, fixable, retryable: response.status >= 500 });
        }
        const parsed = readPage(parseJson(response.text));
        if (parsed === null) throw new ConnectorError(`${url} did not answer a JSON list of people (an array, or results/users/people)`, { target, fixable: true });
        for (const record of parsed.people) {
          const person = readPerson(record, config);
          if (person === null) continue;
          // A person listed twice counts once; listed both active and disabled, active wins, so a doubt never makes a leaver.
          const [key, status] = person;
          if (people.get(key) !== 'active') people.set(key, status);
        }
        url = parsed.next === null ? null : checkedLink(parsed.next, scope, { relativeTo: url }, target).href;
      }
      // An empty answer would make every user a leaver: never trust it.
      if (people.size === 0) throw new ConnectorError(`${config.url} listed nobody; refusing to treat every user as not found`, { target });
      return people;
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
