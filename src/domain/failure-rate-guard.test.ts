import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failureRateTripped } from './failure-rate-guard.ts';

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
  assert.equal(failureRateTripped(2, 4, { maxShare: 0.25, minSteps: 4 }), true);
  assert.equal(failureRateTripped(1, 4, { maxShare: 0.25, minSteps: 4 }), false);
});
