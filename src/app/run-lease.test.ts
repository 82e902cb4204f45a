// The run lease around a run, on a real SQLite store and its clock (the wall clock): renewal, refusal naming the holder, release,
// and the run's signal aborting when another process took the lease over.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SqliteDatabase from 'better-sqlite3';
import { openStore } from '../store/store-database.ts';
import type { RunLease } from './store/lease-repository-port.ts';
import type { Store } from './store-port.ts';
import { withRunLease } from './run-lease.ts';
import { Conflict, GuardTripped } from '../domain/errors.ts';

const file = join(mkdtempSync(join(tmpdir(), 'sk-run-lease-')), 'seatkeeper.db');
let store: Store;
before(async () => {
  store = await openStore(`sqlite:${file}`);
});
after(async () => {
  await store.close();
});

const lease = (holder: string) => ({ holder, ttlMs: 150, heartbeatMs: 40 });

test('the heartbeat keeps the lease past its expiry; a second run is refused naming the holder; the lease is released at the end', async () => {
  const result = await withRunLease({ store, lease: lease('p1') }, 'wiki-1', async () => {
    await sleep(400);
    await assert.rejects(
      withRunLease({ store, lease: lease('p2') }, 'wiki-1', async () => 'never'),
      (error: unknown) => error instanceof GuardTripped && error.guard === 'run.lease' && /held by p1 until/.test(error.message),
    );
    return 'ran';
  });
  assert.equal(result, 'ran');
  assert.equal(await withRunLease({ store, lease: lease('p2') }, 'wiki-1', async () => 'next'), 'next');
});

test("a run whose lease was taken over sees its signal abort and does not release the new holder's lease", async () => {
  await withRunLease({ store, lease: lease('p1') }, 'wiki-2', async (signal) => {
    // Another process found the lease expired (as if this one had stalled) and took it: written as its take would,
    // straight into the file, so no heartbeat of this run can slip in between.
    const db = new SqliteDatabase(file);
    try {
      db.prepare("update run_leases set holder = 'p2', expires_at = ? where instance = 'wiki-2'").run(new Date(Date.now() + 60_000).toISOString());
    } finally {
      db.close();
    }
    for (let i = 0; i < 20 && !signal.aborted; i += 1) await sleep(20);
    assert.equal(signal.aborted, true);
  });
  const third = await store.leases.take({ instance: 'wiki-2', holder: 'p3', ttlMs: 1000 });
  assert.equal(third.taken ? null : third.lease.holder, 'p2');
});

test('a run whose lease cannot be renewed (the store keeps failing) stops itself before the lease expires', async () => {
  // The real store, with renewals failing as if its database had become unreachable.
  const failing: Store = { ...store, leases: { ...store.leases, take: (i) => store.leases.take(i), release: (i, h) => store.leases.release(i, h), current: (i) => store.leases.current(i), renew: async () => Promise.reject(new Error('connection terminated')) } };
  const seen: { reason: unknown; lease: RunLease | null; at: number } = { reason: null, lease: null, at: 0 };
  // It stops after ttl − heartbeat of silence (5 s here), checked once a beat: the 1 s left before expiry is the margin a
  // loaded machine's late timers get, so this test does not depend on how busy the machine is.
  await withRunLease({ store: failing, lease: { holder: 'p1', ttlMs: 6000, heartbeatMs: 1000 } }, 'wiki-3', async (signal) => {
    for (let i = 0; i < 2000 && !signal.aborted; i += 1) await sleep(10);
    seen.at = Date.now();
    seen.reason = signal.reason;
    seen.lease = await store.leases.current('wiki-3');
  });
  assert.ok(seen.reason instanceof Conflict, String(seen.reason));
  assert.match(String(seen.reason), /the run lease of wiki-3 could not be renewed for \d+(\.\d)? s: the run stops so no other process acts beside it/);
  // It stopped while its lease was still its own: no other process could have taken it over yet.
  assert.equal(seen.lease?.holder, 'p1');
  assert.ok(Date.parse(seen.lease?.expiresAt ?? '') > seen.at, `lease until ${seen.lease?.expiresAt}, stopped at ${new Date(seen.at).toISOString()}`);
});
