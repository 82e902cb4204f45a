// Seats per application as the plan, `plans` and the apply summary print them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applicationSeatLines, seatLine } from './plan-printer.ts';
import type { SeatCount } from '../app/list-plans.ts';

test('"Seats of NAME: before → after" per application where there are several; none for one application', () => {
  const seats: SeatCount = {
    used: 45,
    max: null,
    freed: 9,
    after: 36,
    applications: [
      { key: 'jira-servicedesk', name: 'Jira Service Management', used: 40, freed: 9, after: 31 },
      { key: 'jira-software', name: 'Jira\u001b[2J Software', used: 1200, freed: 0, after: 1200 },
    ],
  };
  // Names come from the instance: control characters are escaped.
  assert.deepEqual(applicationSeatLines(seats), ['Seats of Jira Service Management: 40 → 31', 'Seats of Jira\\u001b[2J Software: 1,200 → 1,200']);
  const single: SeatCount = { used: 10, max: 100, freed: 2, after: 8 };
  assert.deepEqual(applicationSeatLines(single), []);
  assert.equal(seatLine(single, 'this plan'), 'Seats: 10 used of 100 → 8 after this plan (2 freed)');
});
