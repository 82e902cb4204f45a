/**
 * Paging through Confluence's `{results,start,limit,size,totalCount,_links}` collections, bounded by what the data can
 * honestly be. Pages are asked for by offset and only ever a few ahead (the client's concurrency), never built up front
 * from a reported total; every page must start where it was asked to and move forward; the number of pages is capped
 * by the total (plus a margin) and absolutely; a `next` link is checked before it counts as "there is more".
 */

import { z } from 'zod';
import { ConnectorError } from '../../app/connector-error.ts';

/**
 * A total above this is taken as a lie, not a population: the largest Confluence Data Center sites hold some hundred
 * thousand accounts, and a bogus 1e12 must not become a loop bound.
 */
export const MAX_TOTAL = 10_000_000;

/** However the pages are cut, no listing is read past this many pages. */
export const MAX_PAGES = 100_000;

const pageEnvelope = z.object({
  results: z.array(z.unknown()),
  // Read as a plain value and judged below: a bad total is named in the error, not lost in a shape message.
  totalCount: z.unknown().optional(),
  start: z.unknown().optional(),
  _links: z.object({ next: z.unknown().optional() }).nullish(),
});

interface Page {
  readonly results: readonly unknown[];
  readonly totalCount: number | null;
  readonly hasNext: boolean;
  readonly next: string | null;
}

/** What paging needs from the client: one GET of a page at an offset. */
export type PageFetcher = (start: number) => Promise<unknown>;

/** How one listing is paged. */
export interface PagingOptions {
  /** Named in every error. */
  readonly target: string;
  /** How many pages may be in flight at once (1: strictly one after another). */
  readonly prefetch: number;
  /** Throws when a `_links.next` must not be followed (another origin, another scheme, outside the base path). */
  readonly checkLink?: (link: string) => void;
}

function readPage(body: unknown, start: number, options: PagingOptions): Page {
  const { target } = options;
  const page = pageEnvelope.safeParse(body);
  if (!page.success) throw new ConnectorError(`unexpected page shape at start=${start}: ${z.prettifyError(page.error)}`, { target });
  const { totalCount, start: sentStart } = page.data;
  if (totalCount !== undefined && totalCount !== null && !isCount(totalCount, MAX_TOTAL)) {
    throw new ConnectorError(
      `Confluence reported totalCount ${quote(totalCount)} at start=${start}, which is not a count of up to ${MAX_TOTAL}: the listing cannot be trusted`,
      { target },
    );
  }
  // A page that says it starts elsewhere than asked is another page (e.g. the same one served again).
  if (sentStart !== undefined && sentStart !== null && sentStart !== start) {
    throw new ConnectorError(`Confluence sent the same page twice or out of order: asked for start=${start}, it answered start=${quote(sentStart)}`, { target });
  }
  const next = page.data._links?.next;
  const hasNext = typeof next === 'string' && next !== '';
  if (hasNext) {
    options.checkLink?.(next);
    const nextStart = startOf(next);
    if (nextStart !== null && nextStart <= start) {
      throw new ConnectorError(`Confluence sent the same page twice: the page at start=${start} links to start=${nextStart} as the next one`, { target });
    }
  }
  return { results: page.data.results, totalCount: typeof totalCount === 'number' ? totalCount : null, hasNext, next: hasNext ? next : null };
}

/**
 * Streams every result. Advances by what actually came back (the server may cap `limit`); throws when paging ends
 * short of (or beyond) the promised total, so a scan is marked incomplete rather than acting on part of the population.
 */
export async function* paginate(fetchPage: PageFetcher, options: PagingOptions): AsyncGenerator<unknown> {
  for await (const results of paginatePages(fetchPage, options)) yield* results;
}

/** As `paginate`, one page's results at a time (for checks that hold per page, e.g. a field absent from a whole page). */
export async function* paginatePages(fetchPage: PageFetcher, options: PagingOptions): AsyncGenerator<readonly unknown[]> {
  const { target } = options;
  const links = new Set<string>();
  const get = async (start: number): Promise<Page> => {
    const page = readPage(await fetchPage(start), start, options);
    if (page.next !== null) {
      if (links.has(page.next)) throw new ConnectorError(`Confluence sent the same page twice: the link ${quote(page.next)} came back at start=${start}`, { target });
      links.add(page.next);
    }
    return page;
  };
  let page = await get(0);
  let pages = 1;
  let read = 0;
  let promised = page.totalCount;
  const pageSize = page.results.length;
  // A total bounds the pages; a margin leaves room for users added while paging (the final count check still holds).
  const pageLimit = (): number =>
    promised === null || pageSize === 0 ? MAX_PAGES : Math.min(MAX_PAGES, Math.ceil(promised / pageSize) + 2 + Math.ceil(promised / pageSize / 10));
  const countPage = (): void => {
    pages += 1;
    if (pages > pageLimit()) {
      throw new ConnectorError(
        `Confluence kept linking to more pages: ${pages} pages of ${pageSize} for ${promised ?? 'no'} promised results is more than the listing can be`,
        { target },
      );
    }
  };

  if (page.hasNext && promised !== null && pageSize > 0 && options.prefetch > 1) {
    yield page.results;
    read = pageSize;
    // Offsets are taken one at a time as pages are launched, so a huge total costs nothing up front.
    let nextStart = pageSize;
    const window: Promise<Page>[] = [];
    const launch = (): void => {
      if (promised === null || nextStart >= promised) return;
      countPage();
      const pending = get(nextStart);
      nextStart += pageSize;
      // A prefetched page may fail after an earlier one already did; its rejection is reported through the window.
      pending.catch(() => undefined);
      window.push(pending);
    };
    for (let i = 0; i < options.prefetch; i += 1) launch();
    let next = window.shift();
    while (next !== undefined) {
      launch();
      page = await next;
      const isLast = window.length === 0 && (promised === null || nextStart >= promised);
      if (!isLast && page.results.length !== pageSize) {
        throw new ConnectorError(`paging ended at ${read + page.results.length} of ${promised} promised`, { target, retryable: false });
      }
      yield page.results;
      read += page.results.length;
      if (page.totalCount !== null) promised = page.totalCount;
      next = window.shift();
    }
    // More than promised (users added while paging): go on by `_links.next` from where the offsets ended.
    while (page.hasNext && page.results.length > 0) {
      countPage();
      page = await get(read);
      yield page.results;
      read += page.results.length;
    }
  } else {
    for (;;) {
      yield page.results;
      read += page.results.length;
      if (page.totalCount !== null) promised = page.totalCount;
      if (!page.hasNext) break;
      if (page.results.length === 0) {
        throw new ConnectorError(`paging stalled: an empty page at start=${read} still links to a next page`, { target });
      }
      countPage();
      page = await get(read);
    }
  }
  if (promised !== null && promised !== read) {
    throw new ConnectorError(`paging ended at ${read} of ${promised} promised`, { target, retryable: false });
  }
}

function isCount(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max;
}

/** The `start` query parameter of a link, or null when it has none readable. */
function startOf(link: string): number | null {
  const query = link.includes('?') ? link.slice(link.indexOf('?') + 1).split('#')[0] ?? '' : '';
  const raw = new URLSearchParams(query).get('start');
  if (raw === null || !/^\d+$/.test(raw)) return null;
  return Number(raw);
}

/** An outside value for a message: JSON, cut short. */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
