/** Pure mapping of an HTTP directory's JSON answer to people and their status. */

import type { HttpDirectoryConfig } from './http-directory-config.ts';

/** A page of the answer: its people and, when the source pages, the URL of the next page. */
export interface DirectoryPage {
  readonly people: readonly unknown[];
  readonly next: string | null;
}

function field(record: unknown, name: string): unknown {
  return typeof record === 'object' && record !== null ? Reflect.get(record, name) : undefined;
}

/** The people of one answer: a bare array, or an object holding it under results/users/people, with next/_links.next. */
export function readPage(body: unknown): DirectoryPage | null {
  if (Array.isArray(body)) return { people: body, next: null };
  for (const key of ['results', 'users', 'people']) {
    const list = field(body, key);
    if (Array.isArray(list)) {
      const next = field(body, 'next') ?? field(field(body, '_links'), 'next');
      return { people: list, next: typeof next === 'string' && next !== '' ? next : null };
    }
  }
  return null;
}

/** One person as (key, status), or null when the record has no usable key. Keys are compared lower-cased. */
export function readPerson(record: unknown, config: Pick<HttpDirectoryConfig, 'match' | 'status'>): [string, 'active' | 'disabled'] | null {
  const key = field(record, config.match.directory);
  if (typeof key !== 'string' || key.trim() === '') return null;
  const raw = field(record, config.status.field);
  const active =
    typeof raw === 'boolean'
      ? raw
      : typeof raw === 'string'
        ? config.status.activeValues.some((v) => v.toLowerCase() === raw.trim().toLowerCase())
        : // A person listed without a status is taken as active: only an explicit value disables.
          raw === undefined || raw === null;
  return [key.trim().toLowerCase(), active ? 'active' : 'disabled'];
}
