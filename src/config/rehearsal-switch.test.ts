import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readRehearsalSwitch } from './rehearsal-switch.ts';
import { InvalidInput } from '../domain/errors.ts';

test('SEATKEEPER_REHEARSAL: 1 rehearses; unset, empty and 0 do not; anything else is refused with what to set', () => {
  const cases: [string | undefined, boolean][] = [[undefined, false], ['', false], ['0', false], [' 0 ', false], ['1', true], [' 1', true]];
  for (const [value, expected] of cases) {
    assert.equal(readRehearsalSwitch(value === undefined ? {} : { SEATKEEPER_REHEARSAL: value }), expected, String(value));
  }
  for (const value of ['true', 'yes', '2', 'no']) {
    assert.throws(
      () => readRehearsalSwitch({ SEATKEEPER_REHEARSAL: value }),
      (error: unknown) => error instanceof InvalidInput && error.message.includes(`"${value}"`) && /SEATKEEPER_REHEARSAL=1 to rehearse/.test(error.problems.join()),
    );
  }
});
