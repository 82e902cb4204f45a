// The circuit breaker on a virtual clock: when it opens, who goes as the trial, how a trial's result moves it, and
// when a waiting request gives up.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker, type CircuitEvent } from './circuit-breaker.ts';
import { CircuitOpenError } from '../app/connector-error.ts';

/** A clock that moves only when the test says, and sleeps that end when it passes their time. */
function virtualTime() {
  let now = 0;
  const timers: { at: number; resolve: () => void }[] = [];
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 20; i += 1) await Promise.resolve();
  };
  return {
    now: () => now,
    sleep: (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        const timer = { at: now + ms, resolve };
        timers.push(timer);
        signal?.addEventListener(
          'abort',
          () => {
            // The breaker aborts its sleep after every wait, fired or not: only a pending timer is removed.
            const index = timers.indexOf(timer);
            if (index >= 0) timers.splice(index, 1);
            reject(signal.reason);
          },
          { once: true },
        );
      }),
    async advance(ms: number): Promise<void> {
      now += ms;
      for (const timer of timers.filter((t) => t.at <= now)) {
        timers.splice(timers.indexOf(timer), 1);
        timer.resolve();
      }
      await flush();
    },
    flush,
  };
}

const SETTINGS = { failures: 3, cooldownMs: 1000, maxCooldownMs: 4000, maxPauseMs: 10_000 };

function breaker() {
  const time = virtualTime();
  const events: CircuitEvent[] = [];
  const cb = new CircuitBreaker('wiki', SETTINGS, { now: time.now, sleep: time.sleep, onEvent: (e) => events.push(e) });
  return { cb, time, events };
}

/** Starts an admit and reports whether it has resolved, rejected, or is still waiting. */
function track(promise: Promise<boolean>): { readonly state: 'waiting' | 'admitted' | 'refused'; readonly value: boolean | null; readonly error: unknown } {
  const result: { state: 'waiting' | 'admitted' | 'refused'; value: boolean | null; error: unknown } = { state: 'waiting', value: null, error: null };
  promise.then(
    (value) => {
      result.state = 'admitted';
      result.value = value;
    },
    (error: unknown) => {
      result.state = 'refused';
      result.error = error;
    },
  );
  return result;
}

describe('circuit breaker', () => {
  it('opens after the configured failures in a row, and an answer in between resets the count', async () => {
    const { cb, events } = breaker();
    const failed = (error: string) => cb.record('failed', { trial: false, error });
    failed('Confluence answered 503');
    failed('Confluence answered 503');
    cb.record('answered', { trial: false });
    failed('Confluence answered 503');
    failed('Confluence answered 503');
    assert.equal(cb.state, 'closed');
    cb.record('neutral', { trial: false });
    assert.equal(cb.state, 'closed', 'a cancelled request neither counts nor resets');
    failed('no answer within 30000 ms');
    assert.equal(cb.state, 'open');
    assert.deepEqual(events, [{ kind: 'opened', failures: 3, retryInMs: 1000, lastError: 'no answer within 30000 ms' }]);
  });

  it('holds requests while open, lets one trial through after the cooldown, and releases the rest when it answers', async () => {
    const { cb, time, events } = breaker();
    for (let i = 0; i < 3; i += 1) cb.record('failed', { trial: false, error: 'reset' });
    const first = track(cb.admit());
    const second = track(cb.admit());
    await time.advance(999);
    assert.equal(first.state, 'waiting');
    assert.equal(second.state, 'waiting');
    await time.advance(1);
    assert.equal(first.state, 'admitted', 'the first waiter goes as the trial');
    assert.equal(first.value, true, 'and is told it is the trial');
    assert.equal(cb.state, 'trial');
    await time.advance(500);
    assert.equal(second.state, 'waiting', 'the others wait for the trial');
    cb.record('answered', { trial: true });
    await time.flush();
    assert.equal(second.state, 'admitted');
    assert.equal(second.value, false, 'released by the closed breaker, not a trial');
    assert.equal(cb.state, 'closed');
    assert.deepEqual(events.at(-1), { kind: 'closed', pausedMs: 1500 });
  });

  it('a failed trial opens it again for twice as long, up to the longest cooldown', async () => {
    const { cb, time, events } = breaker();
    for (let i = 0; i < 3; i += 1) cb.record('failed', { trial: false, error: 'reset' });
    const cooldowns: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      const trial = track(cb.admit());
      let waited = 0;
      while (trial.state === 'waiting') {
        await time.advance(100);
        waited += 100;
      }
      cooldowns.push(waited);
      cb.record('failed', { trial: true, error: 'Confluence answered 502' });
    }
    assert.deepEqual(cooldowns, [1000, 2000, 4000]);
    assert.deepEqual(
      events.filter((e) => e.kind === 'trial-failed').map((e) => e.retryInMs),
      [2000, 4000, 4000],
    );
  });

  it('while a trial is out, a late failure of an earlier request changes nothing, and any answer closes the breaker', async () => {
    const { cb, time, events } = breaker();
    for (let i = 0; i < 3; i += 1) cb.record('failed', { trial: false, error: 'reset' });
    const trial = track(cb.admit());
    const other = track(cb.admit());
    await time.advance(1000);
    assert.equal(trial.value, true);
    cb.record('failed', { trial: false, error: 'no answer within 30000 ms' });
    cb.record('neutral', { trial: false });
    assert.equal(cb.state, 'trial', 'the trial still decides');
    assert.equal(other.state, 'waiting');
    assert.deepEqual(events.map((e) => e.kind), ['opened']);
    cb.record('answered', { trial: false });
    await time.flush();
    assert.equal(cb.state, 'closed');
    assert.equal(other.state, 'admitted');
  });

  it('once the longest pause is over no trial goes out, even when one is due', async () => {
    const { cb, time } = breaker();
    for (let i = 0; i < 3; i += 1) cb.record('failed', { trial: false, error: 'reset' });
    // A trial at 1 s fails; the next is due at 3 s. Nobody asks until 10 s, past the pause.
    const first = track(cb.admit());
    await time.advance(1000);
    assert.equal(first.value, true);
    cb.record('failed', { trial: true, error: 'reset' });
    await time.advance(9000);
    const late = track(cb.admit());
    await time.flush();
    assert.equal(late.state, 'refused');
    assert.ok(late.error instanceof CircuitOpenError);
  });

  it('a trial that says nothing hands the test to the next waiter at once', async () => {
    const { cb, time } = breaker();
    for (let i = 0; i < 3; i += 1) cb.record('failed', { trial: false, error: 'reset' });
    const trial = track(cb.admit());
    const next = track(cb.admit());
    await time.advance(1000);
    assert.equal(trial.state, 'admitted');
    cb.record('neutral', { trial: true });
    await time.flush();
    assert.equal(next.state, 'admitted');
    assert.equal(cb.state, 'trial');
  });

  it('a request that would wait past the longest pause gets CircuitOpenError naming the instance', async () => {
    const { cb, time } = breaker();
    for (let i = 0; i < 3; i += 1) cb.record('failed', { trial: false, error: 'connection refused' });
    // Trials at 1 s, 3 s and 7 s fail; the next would be due at 11 s, past the 10 s pause.
    for (const at of [1000, 3000, 7000]) {
      const trial = track(cb.admit());
      while (trial.state === 'waiting') await time.advance(100);
      assert.equal(time.now(), at);
      cb.record('failed', { trial: true, error: 'connection refused' });
    }
    const late = track(cb.admit());
    await time.advance(2900);
    assert.equal(late.state, 'waiting');
    await time.advance(100);
    assert.equal(late.state, 'refused');
    assert.ok(late.error instanceof CircuitOpenError);
    assert.match(String(late.error), /wiki has not answered for 10 s \(\d+ failed attempts in a row, last: connection refused\)/);
  });

  it('gives the caller its own reason when the request is cancelled while it waits', async () => {
    const { cb, time } = breaker();
    for (let i = 0; i < 3; i += 1) cb.record('failed', { trial: false, error: 'reset' });
    const controller = new AbortController();
    const waiting = track(cb.admit(controller.signal));
    controller.abort(new Error('run stopped'));
    await time.flush();
    assert.equal(waiting.state, 'refused');
    assert.match(String(waiting.error), /run stopped/);
  });
});
