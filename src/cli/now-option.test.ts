import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clockFor } from './now-option.ts';
import { systemClock } from '../app/clock.ts';
import { InvalidInput } from '../domain/errors.ts';

test('--now: refused outside a rehearsal with what to do instead; in a rehearsal a full ISO instant sets the clock', () => {
  assert.equal(clockFor(undefined, false), systemClock);
  assert.equal(clockFor(undefined, true), systemClock);
  assert.throws(
    () => clockFor('2026-03-01T03:00:00Z', false),
    (error: unknown) =>
      error instanceof InvalidInput &&
      error.message === '--now is for rehearsals only' &&
      /SEATKEEPER_REHEARSAL=1/.test(error.problems[0] ?? '') &&
      /a store of its own/.test(error.problems[1] ?? ''),
  );
  // Without the switch even a malformed value is refused for the switch first: nothing about it is read.
  assert.throws(() => clockFor('yesterday', false), /--now is for rehearsals only/);
  assert.throws(() => clockFor('2026-03-01', true), /--now "2026-03-01" is not an ISO-8601 instant/);
  const started = Date.now();
  const at = clockFor('2026-03-01T03:00:00Z', true).now().getTime();
  // The clock runs on from the instant at real speed: no more than the time this test took past it.
  assert.ok(at >= Date.parse('2026-03-01T03:00:00Z') && at <= Date.parse('2026-03-01T03:00:00Z') + (Date.now() - started) + 1);
});
