/**
 * A hostile or broken Confluence, emulated: links to other servers, redirects, lying totals, pages that never end or
 * come twice. Each attack is shown to stop with a clear error (or, for a repeated page, an incomplete scan) while
 * nothing, least of all the credentials, reaches another server.
 */

import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectorError } from '../../app/connector-error.ts';
import { fixedClock } from '../../app/clock.ts';
import { scanInstance } from '../../app/scan-instance.ts';
import type { Store } from '../../app/store-port.ts';
import { openStore } from '../../store/store-database.ts';
import { startConfluenceEmulator, type RunningConfluenceEmulator } from '../../emulators/confluence-dc/confluence-emulator.ts';
import { generateOrganisation } from '../../emulators/confluence-dc/org-generator.ts';
import { startRecordingServer, type RecordingServer } from '../../../test/support/recording-server.ts';
import { confluenceDcConfigSchema } from './confluence-dc-config.ts';
import { createConfluenceDcConnector, type ConfluenceDcConnector } from './confluence-dc-connector.ts';
import { MAX_TOTAL } from './confluence-dc-paging.ts';

const NOW = new Date('2025-11-26T08:00:00Z');
const USER_LIST = 'GET /rest/api/user/list';

function connectorFor(emulator: RunningConfluenceEmulator, concurrency = 4): ConfluenceDcConnector {
  const config = confluenceDcConfigSchema.parse({
    product: 'confluence-dc',
    url: emulator.url,
    auth: { token: emulator.credentials.admin.token },
    timeoutMs: 5000,
    concurrency,
  });
  return createConfluenceDcConnector('wiki', config, { random: () => 0.5, sleep: async () => undefined });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
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

describe('a hostile Confluence', () => {
  let emulator: RunningConfluenceEmulator;
  let elsewhere: RecordingServer;
  let userCount: number;
  before(async () => {
    // Server-side caps make the 180 users take five pages of 40.
    emulator = await startConfluenceEmulator({ org: generateOrganisation({ seed: 77, users: 180, now: NOW }), pageCaps: { users: 40, groups: 15 } });
    elsewhere = await startRecordingServer();
    userCount = emulator.state.allUsers().length;
  });
  after(async () => {
    await emulator.close();
    await elsewhere.close();
  });
  afterEach(() => {
    emulator.resetFaults();
    emulator.stats.byRoute.clear();
  });
  const pagesAsked = (): number => emulator.stats.byRoute.get(USER_LIST) ?? 0;

  it('a next link to another origin stops the listing; the other server receives nothing', async () => {
    emulator.faults.replaceNext = { route: USER_LIST, link: `${elsewhere.url}/confluence/rest/api/user/list?start=40&limit=40` };
    const error = await rejection(collect(connectorFor(emulator).listAccounts()));
    assert.match(error.message, /refusing to follow the paging link ".*127\.0\.0\.1:\d+\/confluence\/rest\/api\/user\/list\?start=40.*": it points to another server/);
    assert.equal(error.target, 'wiki GET /rest/api/user/list');
    assert.deepEqual(elsewhere.requests, []);
  });

  it('a protocol-relative or data: next link stops the listing', async () => {
    for (const link of [`//${new URL(elsewhere.url).host}/rest/api/user/list`, 'data:application/json,{"results":[]}', 'javascript:alert(1)']) {
      emulator.faults.replaceNext = { route: USER_LIST, link };
      const error = await rejection(collect(connectorFor(emulator).listAccounts()));
      assert.match(error.message, /refusing to follow the paging link/, link);
    }
    assert.deepEqual(elsewhere.requests, []);
  });

  it('a redirect to another port is not followed: it receives no request and no Authorization header', async () => {
    emulator.faults.redirect = { route: USER_LIST, location: `${elsewhere.url}/collect` };
    const error = await rejection(collect(connectorFor(emulator).listAccounts()));
    assert.equal(error.status, 302);
    assert.match(error.message, /redirect to ".*\/collect": redirects are not followed/);
    assert.equal(pagesAsked(), 1, 'a redirect is not retried either');
    assert.deepEqual(elsewhere.requests.map((r) => r.authorization), []);
  });

  it(`a totalCount of 1e12 ends the listing on the first page, with no offsets built (cap ${MAX_TOTAL})`, async () => {
    emulator.faults.lyingTotal = { route: USER_LIST, totalCount: 1e12 };
    const heapBefore = process.memoryUsage().heapUsed;
    const error = await rejection(collect(connectorFor(emulator).listAccounts()));
    assert.match(error.message, /totalCount 1000000000000 at start=0, which is not a count of up to 10000000: the listing cannot be trusted/);
    assert.equal(pagesAsked(), 1);
    // 1e12 offsets would be terabytes; a generous bound that no honest run comes near.
    assert.ok(process.memoryUsage().heapUsed - heapBefore < 200 * 1024 * 1024);
  });

  it('a total that is not a count (negative, fractional, beyond safe integers) ends the listing', async () => {
    for (const totalCount of [-1, 2.5, Number.MAX_SAFE_INTEGER + 2]) {
      emulator.faults.lyingTotal = { route: USER_LIST, totalCount };
      assert.match((await rejection(collect(connectorFor(emulator).listAccounts()))).message, /is not a count/, String(totalCount));
    }
  });

  it('a total inflated within the cap costs a few pages, not millions, and ends with a clear error', async () => {
    emulator.faults.lyingTotal = { route: USER_LIST, totalCount: MAX_TOTAL - 1 };
    const error = await rejection(collect(connectorFor(emulator, 4).listAccounts()));
    assert.match(error.message, /paging ended at \d+ of 9999999 promised/);
    // Five real pages, then at most one window of prefetched empty pages.
    assert.ok(pagesAsked() <= Math.ceil(userCount / 40) + 4, `${pagesAsked()} pages`);
  });

  it('a lying size is ignored: results are counted as they come', async () => {
    emulator.faults.lyingTotal = { route: USER_LIST, totalCount: userCount, size: 5 };
    assert.equal((await collect(connectorFor(emulator).listAccounts())).length, userCount);
  });

  it('a next link pointing to its own page ends paging at once', async () => {
    emulator.faults.selfNext = { route: USER_LIST };
    for (const concurrency of [1, 4]) {
      emulator.stats.byRoute.clear();
      const error = await rejection(collect(connectorFor(emulator, concurrency).listAccounts()));
      assert.match(error.message, /Confluence sent the same page twice: the page at start=0 links to start=0/);
      assert.equal(pagesAsked(), 1);
    }
  });

  it('a page served twice slips past paging (its start is as asked), so the scan de-duplicates and stays incomplete', async () => {
    emulator.faults.repeatPage = { route: USER_LIST, start: 40 };
    const connector = connectorFor(emulator);
    const listed = await collect(connector.listAccounts());
    assert.equal(listed.length, userCount);
    assert.equal(new Set(listed.map((u) => u.accountId)).size, userCount - 40, 'the connector passes the doubled page on');

    const store: Store = await openStore(`sqlite:${join(mkdtempSync(join(tmpdir(), 'sk-hostile-scan-')), 'seatkeeper.db')}`);
    try {
      const outcome = await scanInstance({ connector, store, clock: fixedClock(NOW), concurrency: 2 });
      assert.equal(outcome.snapshot, null);
      assert.equal(outcome.scan.status, 'incomplete');
      assert.match(outcome.scan.error ?? '', /^Confluence listed 40 users twice \(e\.g\. "[^"]+", .*\): the listing cannot be trusted; scan again$/);
    } finally {
      await store.close();
    }
  });
});
