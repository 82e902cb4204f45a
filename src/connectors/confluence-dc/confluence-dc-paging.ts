/**
 * Paging through Confluence's `{results,start,limit,size,totalCount,_links}` collections. When the first page
 * promises a `totalCount`, the remaining pages are known by offset and are fetched a few at a time (bounded by the
 * client's concurrency), yet still yielded in order; without a total, paging follows `_links.next` one page at a time.
 */

import { z } from 'zod';
import { ConnectorError } from '../../app/connector-error.ts';

const pageEnvelope = z.object({
  results: z.array(z.unknown()),
  totalCount: z.number().int().nonnegative().nullish(),
  _links: z.object({ next: z.string().nullish() }).nullish(),
});

interface Page {
  readonly results: readonly unknown[];
  readonly totalCount: number | null;
  readonly hasNext: boolean;
}

/** What paging needs from the client: one GET of a page at an offset. */
export type PageFetcher = (start: number) => Promise<unknown>;

function readPage(body: unknown, start: number, target: string): Page {
  const page = pageEnvelope.safeParse(body);
  if (!page.success) throw new ConnectorError(`unexpected page shape at start=${start}: ${z.prettifyError(page.error)}`, { target });
  const next = page.data._links?.next;
  return { results: page.data.results, totalCount: page.data.totalCount ?? null, hasNext: next !== undefined && next !== null && next !== '' };
}

/**
 * Streams every result. Advances by what actually came back (the server may cap `limit`); throws when paging ends
 * short of (or beyond) the promised total, so a scan is marked incomplete rather than acting on part of the population.
 */
export async function* paginate(fetchPage: PageFetcher, options: { target: string; prefetch: number }): AsyncGenerator<unknown> {
  for await (const results of paginatePages(fetchPage, options)) yield* results;
}

/** As `paginate`, one page's results at a time (for checks that hold per page, e.g. a field absent from a whole page). */
export async function* paginatePages(fetchPage: PageFetcher, options: { target: string; prefetch: number }): AsyncGenerator<readonly unknown[]> {
  const { target } = options;
  const get = async (start: number) => readPage(await fetchPage(start), start, target);
  let page = await get(0);
  let read = 0;
  let promised = page.totalCount;
  const pageSize = page.results.length;

  if (page.hasNext && promised !== null && pageSize > 0 && options.prefetch > 1) {
    yield page.results;
    read = pageSize;
    const starts: number[] = [];
    for (let s = pageSize; s < promised; s += pageSize) starts.push(s);
    const window: Promise<Page>[] = [];
    let launched = 0;
    const launch = () => {
      const start = starts[launched];
      if (start === undefined) return;
      launched += 1;
      const pending = get(start);
      // A prefetched page may fail after an earlier one already did; its rejection is reported through the window.
      pending.catch(() => undefined);
      window.push(pending);
    };
    for (let i = 0; i < options.prefetch; i += 1) launch();
    let next = window.shift();
    while (next !== undefined) {
      launch();
      page = await next;
      const isLast = window.length === 0 && launched === starts.length;
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
      page = await get(read);
    }
  }
  if (promised !== null && promised !== read) {
    throw new ConnectorError(`paging ended at ${read} of ${promised} promised`, { target, retryable: false });
  }
}
