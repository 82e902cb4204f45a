/** The `kind: http` organisation directory: reads every person from a JSON endpoint, following `next` links. */

import type { OrgDirectory } from '../../../app/directory-port.ts';
import { ConnectorError } from '../../../app/connector-error.ts';
import type { HttpDirectoryConfig } from './http-directory-config.ts';
import { readPage, readPerson } from './http-directory-mapping.ts';

const MAX_PAGES = 10_000;

/** Creates the directory for one configured id; nothing is fetched until `people` is called. */
export function createHttpDirectory(id: string, config: HttpDirectoryConfig): OrgDirectory {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (config.auth && 'token' in config.auth) headers.Authorization = `Bearer ${config.auth.token}`;
  else if (config.auth) headers.Authorization = `Basic ${Buffer.from(`${config.auth.username}:${config.auth.password}`).toString('base64')}`;
  const target = `directory ${id}`;

  return {
    id,
    matchOn: config.match.user,
    async people(signal) {
      const people = new Map<string, 'active' | 'disabled'>();
      let url: string | null = config.url;
      for (let page = 0; url !== null; page += 1) {
        if (page >= MAX_PAGES) throw new ConnectorError(`more than ${MAX_PAGES} pages: the next links loop`, { target });
        const timeout = AbortSignal.timeout(config.timeoutMs);
        let response: Response;
        try {
          response = await fetch(url, { headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
        } catch (cause) {
          throw new ConnectorError(`cannot reach ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { target, retryable: true, fixable: true, cause });
        }
        if (!response.ok) {
          const fixable = response.status === 401 || response.status === 403 || response.status === 404;
          throw new ConnectorError(`${url} answered ${response.status}${fixable ? ': check the url and credentials' : ''}`, { target, status: response.status, fixable, retryable: response.status >= 500 });
        }
        const body: unknown = await response.json().catch(() => undefined);
        const parsed = readPage(body);
        if (parsed === null) throw new ConnectorError(`${url} did not answer a JSON list of people (an array, or results/users/people)`, { target, fixable: true });
        for (const record of parsed.people) {
          const person = readPerson(record, config);
          if (person !== null) people.set(person[0], person[1]);
        }
        url = parsed.next === null ? null : new URL(parsed.next, url).href;
      }
      // An empty answer would make every user a leaver: never trust it.
      if (people.size === 0) throw new ConnectorError(`${config.url} listed nobody; refusing to treat every user as not found`, { target });
      return people;
    },
  };
}
