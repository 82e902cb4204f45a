/**
 * A circuit breaker for one remote instance. After `failures` failed attempts in a row it opens: requests wait instead
 * of going out and burning their retries. After a cooldown one trial request goes; if it gets an answer the breaker
 * closes and the waiting requests go on, if it fails the breaker opens again for twice as long (up to
 * `maxCooldownMs`). A request that would wait beyond `maxPauseMs` from the moment the breaker opened gets
 * CircuitOpenError, so a run stops with a clear reason (and can be resumed) instead of waiting for ever.
 *
 * State lives in the process: one breaker per connector, and a connector per instance and command or job.
 */

import { setTimeout as delay } from 'node:timers/promises';
import { CircuitOpenError } from '../app/connector-error.ts';

/** When the breaker opens and how long it holds requests back. */
export interface CircuitBreakerSettings {
  /** Failed attempts in a row that open the breaker. */
  readonly failures: number;
  /** The first wait before a trial request; doubled after each failed trial. */
  readonly cooldownMs: number;
  readonly maxCooldownMs: number;
  /** The longest a request waits from the moment the breaker opened before it gives up. */
  readonly maxPauseMs: number;
}

/** 10 failures in a row open it; trials after 30 s, 60 s, … up to 5 min; requests give up after 15 min. */
export const DEFAULT_CIRCUIT_BREAKER: CircuitBreakerSettings = {
  failures: 10,
  cooldownMs: 30_000,
  maxCooldownMs: 300_000,
  maxPauseMs: 900_000,
};

/** What the breaker did, for the operator's log. */
export type CircuitEvent =
  | { readonly kind: 'opened'; readonly failures: number; readonly retryInMs: number; readonly lastError: string }
  | { readonly kind: 'trial-failed'; readonly retryInMs: number; readonly lastError: string }
  | { readonly kind: 'closed'; readonly pausedMs: number };

/** How an attempt went, as far as the remote side's health goes. */
export type AttemptHealth =
  /** The server answered (any status it meant to give, 4xx and 429 included). */
  | 'answered'
  /** 5xx, timeout, reset, refused: the kind of failure that repeats when the server is down. */
  | 'failed'
  /** Says nothing about the server: cancelled by the caller. */
  | 'neutral';

export interface CircuitBreakerDeps {
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly onEvent?: (event: CircuitEvent) => void;
}

type State = 'closed' | 'open' | 'trial';

export class CircuitBreaker {
  readonly #target: string;
  readonly #settings: CircuitBreakerSettings;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #onEvent: (event: CircuitEvent) => void;
  #state: State = 'closed';
  #inARow = 0;
  #cooldownMs: number;
  #openedAt = 0;
  #retryAt = 0;
  #lastError = '';
  #changed = signalled();

  /** `target` names the instance in CircuitOpenError's message. */
  constructor(target: string, settings: CircuitBreakerSettings = DEFAULT_CIRCUIT_BREAKER, deps: CircuitBreakerDeps = {}) {
    this.#target = target;
    this.#settings = settings;
    this.#cooldownMs = settings.cooldownMs;
    this.#now = deps.now ?? Date.now;
    this.#sleep = deps.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.#onEvent = deps.onEvent ?? (() => undefined);
  }

  /** `closed`, `open`, or `trial` while one request tests whether the server is back. */
  get state(): State {
    return this.#state;
  }

  /**
   * Resolves when a request may go out: at once while closed; while open, when the cooldown ends (this request is then
   * the trial) or when another request's trial closed the breaker. Throws CircuitOpenError once the pause would exceed
   * `maxPauseMs`, and the caller's reason when `signal` aborts. Resolves to true when this request is the trial.
   */
  async admit(signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      if (this.#state === 'closed') return false;
      const now = this.#now();
      // Checked first: once the longest pause is over, no more trials go out from this breaker.
      const giveUpAt = this.#openedAt + this.#settings.maxPauseMs;
      if (now >= giveUpAt) throw this.#openError(now);
      if (this.#state === 'open' && now >= this.#retryAt) {
        this.#state = 'trial';
        return true;
      }
      const until = this.#state === 'open' ? Math.min(this.#retryAt, giveUpAt) : giveUpAt;
      await this.#waitForChange(until - now, signal);
    }
  }

  /**
   * Records how an admitted attempt went; `trial` says whether `admit` made it the trial. While a trial is out, only it
   * decides, except that any answer closes the breaker: a late failure of a request sent before the breaker opened
   * says nothing new.
   */
  record(health: AttemptHealth, outcome: { trial: boolean; error?: string }): void {
    if (health === 'answered') {
      this.#inARow = 0;
      if (this.#state !== 'closed') {
        const pausedMs = this.#now() - this.#openedAt;
        this.#state = 'closed';
        this.#cooldownMs = this.#settings.cooldownMs;
        this.#onEvent({ kind: 'closed', pausedMs });
        this.#notify();
      }
      return;
    }
    if (health === 'neutral') {
      // A cancelled trial said nothing: the next waiting request takes the test at once.
      if (outcome.trial && this.#state === 'trial') {
        this.#state = 'open';
        this.#retryAt = this.#now();
        this.#notify();
      }
      return;
    }
    if (this.#state === 'trial' && !outcome.trial) return;
    this.#inARow += 1;
    this.#lastError = outcome.error ?? this.#lastError;
    if (this.#state === 'trial') {
      this.#cooldownMs = Math.min(this.#cooldownMs * 2, this.#settings.maxCooldownMs);
      this.#state = 'open';
      this.#retryAt = this.#now() + this.#cooldownMs;
      this.#onEvent({ kind: 'trial-failed', retryInMs: this.#cooldownMs, lastError: this.#lastError });
      this.#notify();
      return;
    }
    if (this.#state === 'closed' && this.#inARow >= this.#settings.failures) {
      this.#state = 'open';
      this.#openedAt = this.#now();
      this.#retryAt = this.#openedAt + this.#cooldownMs;
      this.#onEvent({ kind: 'opened', failures: this.#inARow, retryInMs: this.#cooldownMs, lastError: this.#lastError });
      this.#notify();
    }
    // Failures of requests sent before the breaker opened change nothing while it is open.
  }

  #openError(now: number): CircuitOpenError {
    const seconds = Math.round((now - this.#openedAt) / 1000);
    const paused = seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
    return new CircuitOpenError(
      `${this.#target} has not answered for ${paused} (${this.#inARow} failed attempts in a row, last: ${this.#lastError}); ` +
        'requests paused and gave up: check that Confluence is up, then resume',
      { target: this.#target },
    );
  }

  #notify(): void {
    this.#changed.resolve();
    this.#changed = signalled();
  }

  /** Sleeps `ms`, or less when the state changes first; the timer never outlives the wait. */
  async #waitForChange(ms: number, signal?: AbortSignal): Promise<void> {
    const cancel = new AbortController();
    const both = signal === undefined ? cancel.signal : AbortSignal.any([signal, cancel.signal]);
    try {
      await Promise.race([this.#sleep(Math.max(1, ms), both).catch(() => undefined), this.#changed.promise]);
    } finally {
      cancel.abort();
    }
  }
}

/** A promise and the function that resolves it (Promise.withResolvers needs Node 22). */
function signalled(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
