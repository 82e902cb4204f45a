import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideMissedRun, nextRunAfter, scheduleProblems } from './schedule-timing.ts';

test('next run of the default schedule (daily 03:00) in the configured time zone', async (t) => {
  const cases: Array<[string, string, string, string]> = [
    ['0 3 * * *', 'UTC', '2026-11-26T02:59:59Z', '2026-11-26T03:00:00.000Z'],
    ['0 3 * * *', 'UTC', '2026-11-26T03:00:00Z', '2026-11-27T03:00:00.000Z'],
    ['0 3 * * *', 'Europe/Berlin', '2026-11-26T01:00:00Z', '2026-11-26T02:00:00.000Z'],
    ['0 3 * * *', 'Europe/Berlin', '2026-07-01T00:00:00Z', '2026-07-01T01:00:00.000Z'],
    ['30 6 * * 1', 'UTC', '2026-11-26T00:00:00Z', '2026-11-30T06:30:00.000Z'],
  ];
  for (const [pattern, zone, after, expected] of cases) {
    await t.test(`${pattern} ${zone} after ${after}`, () => assert.equal(nextRunAfter(pattern, zone, new Date(after)).toISOString(), expected));
  }
});

test('a missed run runs once if it is less than one period late, else it is recorded as missed', async (t) => {
  const due = new Date('2026-11-26T03:00:00Z');
  const cases: Array<[string, string, 'run' | 'missed']> = [
    ['one hour late', '2026-11-26T04:00:00Z', 'run'],
    ['23 h 59 late', '2026-11-27T02:59:00Z', 'run'],
    ['exactly a period late', '2026-11-27T03:00:00Z', 'missed'],
    ['three days late', '2026-11-29T10:00:00Z', 'missed'],
  ];
  for (const [name, now, expected] of cases) {
    await t.test(name, () => assert.equal(decideMissedRun('0 3 * * *', 'UTC', due, new Date(now)).action, expected));
  }
});

test('invalid schedules and zones are reported, not thrown', () => {
  assert.deepEqual(scheduleProblems('0 3 * * *', 'UTC'), []);
  assert.match(scheduleProblems('61 3 * * *', 'UTC').join(), /minute/);
  assert.ok(scheduleProblems('0 3 * * *', 'Mars/Olympus').length > 0);
});
