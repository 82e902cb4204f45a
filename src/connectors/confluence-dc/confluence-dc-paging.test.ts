import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError } from '../../app/connector-error.ts';
import { MAX_PAGES, paginate, type PageFetcher } from './confluence-dc-paging.ts';

async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConnectorError, `expected a ConnectorError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

/** A fetcher that records the offsets asked for and answers with `page(start)`. */
function recorder(page: (start: number) => unknown): { asked: number[]; fetch: PageFetcher } {
  const asked: number[] = [];
  return { asked, fetch: async (start) => (asked.push(start), page(start)) };
}

const options = { target: 'wiki GET /rest/api/user/list', prefetch: 4 };

describe('paging bounds', () => {
  it('a page that says it starts elsewhere than asked (a replay of the first) ends paging', async () => {
    const pages = recorder(() => ({ results: [1, 2], start: 0, _links: { next: '/rest/api/user/list?start=2' } }));
    const error = await rejection(collect(paginate(pages.fetch, { ...options, prefetch: 1 })));
    assert.equal(error.message, 'Confluence sent the same page twice or out of order: asked for start=2, it answered start=0');
    assert.deepEqual(pages.asked, [0, 2]);
  });

  it('a next link already seen (a cursor that cycles) ends paging', async () => {
    const pages = recorder((start) => ({ results: [start], _links: { next: start === 0 ? '/list?cursor=a' : '/list?cursor=b' } }));
    const cycling = recorder((start) => ({ results: [start], _links: { next: start % 2 === 0 ? '/list?cursor=a' : '/list?cursor=b' } }));
    assert.match((await rejection(collect(paginate(pages.fetch, options)))).message, /the link "\/list\?cursor=b" came back at start=2/);
    assert.match((await rejection(collect(paginate(cycling.fetch, options)))).message, /same page twice: the link "\/list\?cursor=a" came back at start=2/);
  });

  it('a next link whose start does not advance ends paging', async () => {
    const pages = recorder((start) => ({ results: [start, start + 1], _links: { next: `/rest/api/group?start=${start}` } }));
    assert.match((await rejection(collect(paginate(pages.fetch, options)))).message, /the page at start=0 links to start=0 as the next one/);
    assert.deepEqual(pages.asked, [0]);
  });

  it('with a total, pages beyond it (plus a margin) end paging; without one, an absolute cap does', async () => {
    // Every page full and linking on, with fresh links and a total of 10: a server that never stops.
    const endless = recorder((start) => ({ results: [start], totalCount: 10, _links: { next: `/x?start=${start + 1}` } }));
    const error = await rejection(collect(paginate(endless.fetch, { ...options, prefetch: 1 })));
    assert.match(error.message, /kept linking to more pages: 14 pages of 1 for 10 promised results/);
    assert.equal(endless.asked.length, 13);
    const untotalled = recorder((start) => ({ results: [start], _links: { next: `/x?start=${start + 1}` } }));
    const capped = await rejection(collect(paginate(untotalled.fetch, { ...options, prefetch: 1 })));
    assert.match(capped.message, new RegExp(`${MAX_PAGES + 1} pages of 1 for no promised results`));
    assert.equal(untotalled.asked.length, MAX_PAGES);
  });

  it('a total of 1e12 is refused on the first page, before a second offset exists', async () => {
    const pages = recorder((start) => ({ results: [start], totalCount: 1e12, _links: { next: `/x?start=${start + 1}` } }));
    assert.match((await rejection(collect(paginate(pages.fetch, options)))).message, /totalCount 1000000000000/);
    assert.deepEqual(pages.asked, [0]);
  });

  it('prefetches a window of offsets from the total, one at a time, and still yields in order', async () => {
    const items = Array.from({ length: 23 }, (_, i) => i);
    const pages = recorder((start) => {
      const results = items.slice(start, start + 5);
      return { results, start, totalCount: items.length, _links: start + 5 < items.length ? { next: `/x?start=${start + 5}` } : {} };
    });
    assert.deepEqual(await collect(paginate(pages.fetch, options)), items);
    assert.deepEqual([...pages.asked].sort((a, b) => a - b), [0, 5, 10, 15, 20]);
  });
});
