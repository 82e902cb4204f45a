import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FAILURE_RATE, FailureRateBrake, failureRateTripped } from './failure-rate-guard.ts';

const cases: readonly [failed: number, settled: number, expected: boolean][] = [
  [0, 0, false],
  [9, 9, false], // every step failed, but fewer than 10 tried: too early to judge
  [5, 10, true],
  [4, 10, false], // exactly 40 % is not more than 40 %
  [41, 100, true],
  [40, 100, false],
  [0, 10_000, false],
];

for (const [failed, settled, expected] of cases) {
  test(`failureRateTripped(${failed} of ${settled}) is ${expected}`, () => {
    assert.equal(failureRateTripped(failed, settled), expected);
  });
}

test('a custom limit is honoured', () => {
  assert.equal(failureRateTripped(2, 4, { maxShare: 0.25, minSteps: 4, window: 100 }), true);
  assert.equal(failureRateTripped(1, 4, { maxShare: 0.25, minSteps: 4, window: 100 }), false);
});

test('the brake stops a run once more than 40 % of its sent steps failed', () => {
  const brake = new FailureRateBrake();
  const reasons = [false, false, false, false, false, true, true, true, true].map((failed) => brake.record(failed));
  assert.deepEqual(reasons, Array.from({ length: 9 }, () => null), 'fewer than 10 sent: too early to judge');
  assert.equal(brake.record(true), '5 of 10 steps sent in this run failed, more than 40 %');
});

test('steps settled before a resume count in the whole-run share', () => {
  // 30 done and 0 failed before; 10 failures of 10 sent now are 10 of 40 over the run, 25 %: the whole run goes on.
  const resumed = new FailureRateBrake(DEFAULT_FAILURE_RATE, { tried: 30, failed: 0 });
  const reasons = Array.from({ length: 9 }, () => resumed.record(true));
  assert.deepEqual(reasons, Array.from({ length: 9 }, () => null));
  // …but the last 10 sent all failed, which the recent window catches.
  assert.equal(resumed.record(true), '10 of the last 10 steps sent failed, more than 40 %');
  // 16 of 40 failed before (40 %, not more than it): one more failure makes 17 of 41.
  const failing = new FailureRateBrake(DEFAULT_FAILURE_RATE, { tried: 40, failed: 16 });
  assert.equal(failing.record(true), '17 of 41 steps sent in this run failed, more than 40 %');
});

test('after a long good stretch the window stops a run that starts failing everything', () => {
  const brake = new FailureRateBrake();
  for (let i = 0; i < 5_000; i += 1) assert.equal(brake.record(false), null);
  let sent = 0;
  let reason: string | null = null;
  while (reason === null) {
    reason = brake.record(true);
    sent += 1;
  }
  assert.equal(sent, 41, 'the 41st failure of the last 100 trips it; the whole run would need 3,334');
  assert.equal(reason, '41 of the last 100 steps sent failed, more than 40 %');
});
