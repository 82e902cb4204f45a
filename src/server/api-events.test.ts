// Live progress as Server-Sent Events over real HTTP (inject cannot stream), against an emulated Confluence DC and a
// real SQLite store: an apply and a scan followed to their end, the end's counts checked against the journal. No
// assertion on how long anything takes; the timeouts are hang guards only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startApiFixture, type ApiFixture } from '../../test/support/api-fixture.ts';
import { buildApiServer, type ApiServer } from './api-server.ts';

interface SseEvent {
  id: number | null;
  event: string;
  data: unknown;
}

/** Opens an event stream and reads it until the server closes it; rejects on a non-200 answer or after `hangMs`. */
function readStream(url: string, headers: Record<string, string>, hangMs = 60_000): Promise<{ status: number; type: string; events: SseEvent[]; comments: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        clearTimeout(guard);
        const events: SseEvent[] = [];
        let comments = 0;
        for (const block of text.split('\n\n')) {
          if (block.trim() === '') continue;
          const lines = block.split('\n');
          if (lines.every((l) => l.startsWith(':'))) {
            comments += 1;
            continue;
          }
          const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          const id = field('id');
          const data = field('data');
          events.push({ id: id === undefined ? null : Number(id), event: field('event') ?? 'message', data: data === undefined ? null : JSON.parse(data) });
        }
        resolve({ status: response.statusCode ?? 0, type: String(response.headers['content-type']), events, comments, body: text });
      });
    });
    const guard = setTimeout(() => {
      request.destroy();
      reject(new Error(`the stream ${url} did not end (hang guard)`));
    }, hangMs);
    request.on('error', reject);
  });
}


/** Opens an event stream to read event by event; `next` rejects after `hangMs` (a hang guard) or when the stream ends first. */
function openStream(url: string, headers: Record<string, string>, hangMs = 60_000) {
  const queue: SseEvent[] = [];
  const waiting: ((event: SseEvent | null) => void)[] = [];
  let ended = false;
  let buffer = '';
  const push = (event: SseEvent | null) => {
    const waiter = waiting.shift();
    if (waiter !== undefined) waiter(event);
    else if (event !== null) queue.push(event);
  };
  const request = http.get(url, { headers }, (response) => {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffer += chunk;
      for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
        const lines = buffer.slice(0, cut).split('\n');
        buffer = buffer.slice(cut + 2);
        if (lines.every((l) => l.startsWith(':'))) continue;
        const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
        const data = field('data');
        push({ id: Number(field('id')), event: field('event') ?? 'message', data: data === undefined ? null : JSON.parse(data) });
      }
    });
    response.on('end', () => {
      ended = true;
      while (waiting.length > 0) push(null);
    });
  });
  request.on('error', () => undefined);
  return {
    /** The next event, or null once the server has closed the stream. */
    next(): Promise<SseEvent | null> {
      const queued = queue.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      if (ended) return Promise.resolve(null);
      return new Promise((resolve, reject) => {
        const guard = setTimeout(() => reject(new Error(`no event from ${url} (hang guard)`)), hangMs);
        waiting.push((event) => {
          clearTimeout(guard);
          resolve(event);
        });
      });
    },
    close: () => request.destroy(),
  };
}

/** Waits until `check` holds, re-checking every few milliseconds; rejects after `hangMs` (a hang guard, not a timing assertion). */
async function eventually(check: () => boolean, what: string, hangMs = 30_000): Promise<void> {
  const until = Date.now() + hangMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`${what} (hang guard)`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const countsOf = (event: SseEvent | null): unknown => (typeof event?.data === 'object' && event.data !== null ? Reflect.get(event.data, 'counts') : null);

const SETTLED = ['done', 'already-done', 'failed', 'skipped'] as const;

describe('event streams of runs and scans', () => {
  let f: ApiFixture;
  let server: ApiServer;
  let base: string;
  const as = (role: 'viewer' | 'operator') => ({ authorization: `Bearer ${f.callers[role].token}` });

  before(async () => {
    f = await startApiFixture({ users: 120 });
    // A second server on the fixture's runtime, reading the store every few milliseconds.
    server = await buildApiServer({ runtime: f.runtime, clock: f.clock, events: { pollMs: 5 } });
    base = await server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await server.close();
    await f.close();
  });

  test('a scan streamed from 202 to its end: progress first, end last with the complete scan and its user count', async () => {
    const started = await server.app.inject({ method: 'POST', url: '/api/v1/scans', headers: as('operator'), payload: {} });
    assert.equal(started.statusCode, 202, started.body);
    const stream = await readStream(`${base}/api/v1/scans/${started.json().id}/events`, as('operator'));
    assert.equal(stream.status, 200, stream.body);
    assert.match(stream.type, /^text\/event-stream/);
    const [first] = stream.events;
    assert.equal(first?.event, 'progress');
    const end = stream.events.at(-1);
    assert.equal(end?.event, 'end');
    assert.deepEqual(
      stream.events.filter((e) => e.event !== 'progress' && e.event !== 'end'),
      [],
    );
    const data = end?.data;
    assert.ok(typeof data === 'object' && data !== null);
    assert.equal(Reflect.get(data, 'status'), 'complete');
    assert.equal(Reflect.get(data, 'userCount'), 120);
    await server.background.settled();
  });

  test('an apply streamed from 202 to its end: ids increase, settled counts never decrease, the end equals the journal', async () => {
    const plan = await server.app.inject({ method: 'POST', url: '/api/v1/plans', headers: as('operator'), payload: { scan: false } });
    assert.equal(plan.statusCode, 201, plan.body);
    const planId: string = plan.json().plan.id;
    const started = await server.app.inject({ method: 'POST', url: `/api/v1/plans/${planId}/apply`, headers: as('operator') });
    assert.equal(started.statusCode, 202, started.body);
    const runId: string = started.json().id;
    const stream = await readStream(`${base}/api/v1/runs/${runId}/events`, as('viewer'));
    assert.equal(stream.status, 200, stream.body);
    assert.match(stream.type, /^text\/event-stream/);

    const ids = stream.events.map((e) => e.id ?? 0);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    assert.equal(new Set(ids).size, ids.length, 'ids are distinct');
    assert.equal(stream.events.at(-1)?.event, 'end');
    assert.ok(stream.events.slice(0, -1).every((e) => e.event === 'progress'), stream.body);

    const counts = stream.events.map((e) => {
      const data = e.data;
      assert.ok(typeof data === 'object' && data !== null);
      const c: unknown = Reflect.get(data, 'counts');
      assert.ok(typeof c === 'object' && c !== null);
      return Object.fromEntries(SETTLED.map((k) => [k, Number(Reflect.get(c, k))]));
    });
    for (let i = 1; i < counts.length; i += 1) {
      for (const key of SETTLED) assert.ok((counts[i]?.[key] ?? 0) >= (counts[i - 1]?.[key] ?? 0), `${key} decreased at event ${i}: ${stream.body}`);
    }

    await server.background.settled();
    const entries = await f.runtime.store.journal.entries(runId);
    const journal = { claimed: 0, done: 0, 'already-done': 0, failed: 0, skipped: 0 };
    for (const entry of entries) if (entry.outcome !== 'planned') journal[entry.outcome] += 1;
    const end = stream.events.at(-1)?.data;
    assert.ok(typeof end === 'object' && end !== null);
    assert.deepEqual(Reflect.get(end, 'counts'), journal);
    assert.ok(journal.done > 0, JSON.stringify(journal));
    const run = (await server.app.inject({ method: 'GET', url: `/api/v1/runs/${runId}`, headers: as('viewer') })).json();
    assert.equal(Reflect.get(end, 'status'), run.status);
    assert.notEqual(run.status, 'running');
    assert.equal(Reflect.get(end, 'plannedSteps'), run.plannedSteps);
    const stored = await f.runtime.store.plans.get(planId);
    assert.equal(Reflect.get(end, 'rowsTotal'), stored?.plan.rows.length);

    // A reconnect with Last-Event-ID continues the ids past it; a finished run answers its state and its end at once.
    const again = await readStream(`${base}/api/v1/runs/${runId}/events`, { ...as('viewer'), 'last-event-id': '41' });
    assert.deepEqual(
      again.events.map((e) => [e.id, e.event]),
      [
        [42, 'progress'],
        [43, 'end'],
      ],
    );
  });

  test('a run another process writes to the store is followed; a client that goes away stops the polling', async () => {
    const plan = await server.app.inject({ method: 'POST', url: '/api/v1/plans', headers: as('operator'), payload: { scan: false } });
    assert.equal(plan.statusCode, 201, plan.body);
    const { journal } = f.runtime.store;
    // The store written directly, as an apply in another process would write it.
    const run = await journal.startRun({ planId: plan.json().plan.id, instance: 'wiki', startedAt: new Date() });
    const stream = openStream(`${base}/api/v1/runs/${run.id}/events`, as('viewer'));
    const first = await stream.next();
    assert.equal(first?.event, 'progress');
    assert.equal(typeof first?.data === 'object' && first.data !== null ? Reflect.get(first.data, 'status') : null, 'running');
    assert.equal(server.openEventStreams(), 1);
    const entry = await journal.claim({ runId: run.id, username: 'someone', seq: 0, step: { kind: 'remove-group', group: 'confluence-users' }, prior: null, at: new Date() });
    await journal.settle(entry, 'done', null, new Date());
    for (let event = await stream.next(); ; event = await stream.next()) {
      assert.equal(event?.event, 'progress');
      const counts = countsOf(event);
      if (typeof counts === 'object' && counts !== null && Reflect.get(counts, 'done') === 1) break;
    }
    stream.close();
    await eventually(() => server.openEventStreams() === 0, 'the stream of a client that went away is still polling');
    await journal.finishRun(run.id, 'done', new Date());
  });

  test("the server's close ends an open stream instead of waiting for its run", async () => {
    const other = await buildApiServer({ runtime: f.runtime, clock: f.clock, events: { pollMs: 5 } });
    const url = await other.app.listen({ host: '127.0.0.1', port: 0 });
    const plan = await other.app.inject({ method: 'POST', url: '/api/v1/plans', headers: as('operator'), payload: { scan: false } });
    const run = await f.runtime.store.journal.startRun({ planId: plan.json().plan.id, instance: 'wiki', startedAt: new Date() });
    const stream = openStream(`${url}/api/v1/runs/${run.id}/events`, as('viewer'));
    assert.equal((await stream.next())?.event, 'progress');
    await other.close();
    assert.equal(other.openEventStreams(), 0);
    for (let event = await stream.next(); event !== null; event = await stream.next()) assert.equal(event.event, 'progress');
    await f.runtime.store.journal.finishRun(run.id, 'stopped', new Date());
  });

  test('an unknown run or scan is a 404 problem before any stream; no credentials is a 401', async () => {
    for (const url of ['/api/v1/runs/no_such_run/events', '/api/v1/scans/no_such_scan/events']) {
      const missing = await readStream(`${base}${url}`, as('viewer'));
      assert.equal(missing.status, 404, missing.body);
      assert.equal(missing.type, 'application/problem+json; charset=utf-8');
      const anonymous = await readStream(`${base}${url}`, {});
      assert.equal(anonymous.status, 401, anonymous.body);
      assert.equal(anonymous.type, 'application/problem+json; charset=utf-8');
    }
  });

  test('the OpenAPI document describes both streams as text/event-stream', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    for (const path of ['/api/v1/runs/{id}/events', '/api/v1/scans/{id}/events']) {
      const content = doc.paths[path]?.get?.responses?.['200']?.content;
      assert.ok(content?.['text/event-stream'] !== undefined, `${path}: ${JSON.stringify(doc.paths[path])}`);
    }
  });
});
