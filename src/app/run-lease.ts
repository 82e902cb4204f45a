/**
 * One run per instance at a time: a run holds the instance's lease in the store, renews it while it lasts and gives it
 * up at the end. A process that dies stops renewing, so its lease expires and the next run takes it over. Whether a
 * lease has expired is the store's judgement, by the store's clock: the caller's clock (`--now`, a clock that runs
 * ahead) never enters it.
 */

import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Store } from './store-port.ts';
import { Conflict, GuardTripped } from '../domain/errors.ts';

/** How long a lease lasts without renewal and how often the holder renews it. */
export interface LeaseOptions {
  readonly holder: string;
  readonly ttlMs: number;
  readonly heartbeatMs: number;
}

/** Who this process is, in lease rows and in the message a blocked run prints. */
export function leaseHolderId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** 60 s expiry, renewed every 10 s: a crashed holder blocks its instance for at most a minute. */
export function defaultLeaseOptions(): LeaseOptions {
  return { holder: leaseHolderId(), ttlMs: 60_000, heartbeatMs: 10_000 };
}

/**
 * Runs `body` while holding the instance's lease. Throws GuardTripped (`run.lease`, exit 3) naming the holder when
 * another live run has it. If the lease is lost mid-run (this process stalled past the expiry and another took over),
 * the signal given to `body` aborts so no further step is sent.
 */
export async function withRunLease<T>(
  deps: { store: Store; lease?: LeaseOptions; signal?: AbortSignal },
  instance: string,
  body: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const { store } = deps;
  const options = deps.lease ?? defaultLeaseOptions();
  // Silence is a duration, measured on the monotonic clock from when the store was asked (it dated the expiry no
  // earlier): a wall clock set back or forward must not hide it.
  let renewedAt = performance.now();
  const taken = await store.leases.take({ instance, holder: options.holder, ttlMs: options.ttlMs });
  if (!taken.taken) {
    throw new GuardTripped(
      `instance ${instance} is being changed by another run, held by ${taken.lease.holder} until ${taken.lease.expiresAt}; try again when it ends (a crashed holder's lease expires by itself)`,
      'run.lease',
      1,
      1,
    );
  }
  const lost = new AbortController();
  const heartbeat = setInterval(() => {
    // Without a renewal for most of a lease (store unreachable, or calls hanging), another process may soon take the
    // lease over: this run stops sending before that can happen.
    const silentMs = performance.now() - renewedAt;
    if (silentMs >= options.ttlMs - options.heartbeatMs && !lost.signal.aborted) {
      lost.abort(new Conflict(`the run lease of ${instance} could not be renewed for ${Math.round(silentMs / 100) / 10} s: the run stops so no other process acts beside it; resume it`));
      return;
    }
    const asked = performance.now();
    store.leases.renew({ instance, holder: options.holder, ttlMs: options.ttlMs }).then(
      (held) => {
        if (held) renewedAt = Math.max(renewedAt, asked);
        else lost.abort(new Conflict(`the run lease of ${instance} was taken over by another process`));
      },
      // A store hiccup is not a lost lease yet: the next beat tries again, and the check above ends the run in time.
      () => undefined,
    );
  }, options.heartbeatMs);
  heartbeat.unref();
  const signal = deps.signal === undefined ? lost.signal : AbortSignal.any([deps.signal, lost.signal]);
  try {
    return await body(signal);
  } finally {
    clearInterval(heartbeat);
    await store.leases.release(instance, options.holder);
  }
}
