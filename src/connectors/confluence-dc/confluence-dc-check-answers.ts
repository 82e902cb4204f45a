/**
 * What `instance check` reads off Confluence's answers before judging them: the response as read, page envelopes,
 * names and persons on pages, and the small phrasing helpers the rules share (confluence-dc-check-rules.ts).
 */

import { z } from 'zod';
import { escapeControl, quote } from '../../app/instance-check.ts';

/** A response as read: parsed JSON (or the page's text), with its status. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** Pages of one listing, read until it ended or the bound was reached. */
export interface PagesRead {
  readonly pages: readonly Answer[];
  /** True when the bound stopped the reading before the listing ended. */
  readonly truncated: boolean;
}


const pageSchema = z.object({
  results: z.array(z.unknown()),
  limit: z.number().nullish(),
  size: z.number().nullish(),
  totalCount: z.number().nullish(),
  _links: z.object({ next: z.string().nullish() }).nullish(),
});

interface Page {
  readonly results: readonly unknown[];
  readonly limit: number | null;
  readonly totalCount: number | null;
  readonly hasNext: boolean;
}

/** A paged answer's envelope; null when the body is not one. */
export function pageOf(body: unknown): Page | null {
  const parsed = pageSchema.safeParse(body);
  if (!parsed.success) return null;
  const next = parsed.data._links?.next;
  return {
    results: parsed.data.results,
    limit: parsed.data.limit ?? null,
    totalCount: parsed.data.totalCount ?? null,
    hasNext: typeof next === 'string' && next !== '',
  };
}

const named = z.object({ name: z.string().min(1) });

/** The results of every page that answered 200. */
export function resultsOf(pages: readonly Answer[]): unknown[] {
  return pages.flatMap((answer) => (answer.status === 200 ? (pageOf(answer.body)?.results ?? []) : []));
}

/** Group names on group pages (`/group`, `/groupmember`, `/memberof`). */
export function namesOnPages(pages: readonly Answer[]): string[] {
  return resultsOf(pages).flatMap((raw) => {
    const parsed = named.safeParse(raw);
    return parsed.success ? [parsed.data.name] : [];
  });
}

/** Known persons on user pages (`type` other than anonymous), as raw records. */
export function personsOnPages(pages: readonly Answer[]): Record<string, unknown>[] {
  return resultsOf(pages).flatMap((raw) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [];
    const record = Object.fromEntries(Object.entries(raw));
    return lower(typeof record['type'] === 'string' ? record['type'] : '') === 'anonymous' ? [] : [record];
  });
}

const restError = z.object({ message: z.string().nullish(), reason: z.string().nullish() });

/** `answered 403: "…Confluence's message…"`. */
export function answered(answer: Answer): string {
  const parsed = restError.safeParse(answer.body);
  const message = parsed.success ? (parsed.data.message ?? parsed.data.reason ?? null) : null;
  return `answered ${answer.status}${message === null || message === '' ? '' : `: ${quote(message, 200)}`}`;
}

/** Identities compare case-insensitively: the reading and the rules lower-case the same way. */
export function lower(text: string): string {
  return text.toLowerCase();
}

export function n(value: number): string {
  return value.toLocaleString('en-US');
}

export function tally(words: Iterable<string>): string {
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([word, count]) => `${escapeControl(word)} × ${n(count)}`).join(', ');
}

