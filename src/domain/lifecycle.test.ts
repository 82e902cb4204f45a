import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calendarDaysBetween, decideStage, type LifecycleRecord, type StageVerdict } from './lifecycle.ts';
import type { LifecycleSettings } from './lifecycle-settings.ts';
import type { InactiveUsersPolicy } from './policy.ts';
import type { UserSnapshot } from './snapshot.ts';

const NOW = new Date('2026-03-01T03:00:00.000Z');
const DAY = 86_400_000;
const ago = (days: number, from = NOW): Date => new Date(from.getTime() - days * DAY);

const FULL: LifecycleSettings = { notice: { daysBefore: 14 }, deactivateAfterDays: 30, rename: { displayNameSuffix: ' (inactive)' } };

function policy(select: Partial<InactiveUsersPolicy['select']> = {}): InactiveUsersPolicy {
  return {
    id: 'inactive-users',
    instance: 'wiki',
    select: { inactiveDays: 90, neverLoggedInDays: 30, directories: [], group: null, ...select },
    exclude: { users: [], groups: [] },
    actions: { removeGroups: 'license', addGroups: [], deactivate: false, rename: null },
  };
}

function user(fields: Partial<UserSnapshot> = {}): UserSnapshot {
  return {
    username: 'alice',
    userKey: 'key-alice',
    displayName: 'Alice Smith',
    email: 'alice@example.com',
    status: 'active',
    directory: 'Confluence Internal Directory',
    lastLogin: ago(200),
    loginKnown: true,
    createdAt: null,
    firstSeen: ago(400),
    ...fields,
  };
}

function record(stage: LifecycleRecord['stage'], enteredDaysAgo: number, lastLoginAtEntry: Date | null = ago(200)): LifecycleRecord {
  return { policy: 'inactive-users', username: 'alice', stage, enteredAt: ago(enteredDaysAgo), lastLoginAtEntry };
}

/** One line per verdict, so a table row reads as what the plan would say. */
function describeVerdict(verdict: StageVerdict): string {
  const d = verdict.decision;
  const cancelled = verdict.cancelled ? `cancelled (${verdict.cancelled.reason}); ` : '';
  if (d.status === 'due') {
    const notice = d.notice ? ` [goes ${d.notice.dueDate}, inactive since ${d.notice.inactiveSince.slice(0, 10)}]` : '';
    const notes = d.notes.length > 0 ? ` {${d.notes.join('; ')}}` : '';
    return `${cancelled}due ${d.action}: ${d.reason.text}${notice}${notes}`;
  }
  if (d.status === 'waiting') return `${cancelled}waiting for ${d.next} on ${d.dueDate}`;
  return `${cancelled}${d.status}`;
}

const cases: Array<{
  name: string;
  user?: Partial<UserSnapshot>;
  settings?: LifecycleSettings;
  select?: Partial<InactiveUsersPolicy['select']>;
  licensed?: boolean;
  record?: LifecycleRecord | null;
  expected: string;
}> = [
  { name: 'inactive 76 days: notice not due yet (90 − 14 = 76)', user: { lastLogin: ago(76) }, expected: 'idle' },
  {
    name: 'inactive 77 days: notice due; the licence goes on the first whole day past 90',
    user: { lastLogin: ago(77) },
    expected: 'due notice: notice: licence goes on 2026-03-16, last login 2025-12-14, 77 days ago > 76 [goes 2026-03-16, inactive since 2025-12-14]',
  },
  {
    name: 'inactive 200 days when first planned: the full notice period still applies',
    expected: 'due notice: notice: licence goes on 2026-03-15, last login 2025-08-13, 200 days ago > 76 [goes 2026-03-15, inactive since 2025-08-13]',
  },
  {
    name: 'never logged in, first seen 17 days ago (30 − 14 = 16)',
    user: { lastLogin: null, firstSeen: ago(17) },
    expected:
      'due notice: notice: licence goes on 2026-03-16, never logged in, first seen by Seatkeeper 2026-02-12, 17 days ago > 16 [goes 2026-03-16, inactive since 2026-02-12]',
  },
  { name: 'never logged in, but no source can read logins: nothing', user: { lastLogin: null, loginKnown: false }, expected: 'idle' },
  { name: 'no seat: nothing to take back', licensed: false, expected: 'idle' },
  {
    name: 'no e-mail address: nobody can be warned, so the licence stays (notice.required defaults to true)',
    user: { email: null, lastLogin: ago(91) },
    expected: 'unwarnable',
  },
  {
    name: 'no e-mail address with notice.required: false: the licence goes on the policy day, and the row says why',
    settings: { ...FULL, notice: { daysBefore: 14, required: false } },
    user: { email: null, lastLogin: ago(91) },
    expected: 'due unlicense: unlicense: last login 2025-11-30, 91 days ago > 90 {no e-mail address: the licence goes without a notice (notice.required: false)}',
  },
  { name: 'no e-mail address, 90 days: nothing yet', user: { email: null, lastLogin: ago(90) }, expected: 'idle' },
  {
    name: 'without a notice stage the unlicense comes at the threshold',
    settings: { ...FULL, notice: null },
    user: { lastLogin: ago(91) },
    expected: 'due unlicense: unlicense: last login 2025-11-30, 91 days ago > 90',
  },
  { name: 'noticed 13 days ago: waiting', record: record('noticed', 13), expected: 'waiting for unlicense on 2026-03-02' },
  {
    name: 'noticed 14 days ago: unlicense due',
    record: record('noticed', 14),
    expected: 'due unlicense: unlicense: noticed 2026-02-15 for 2026-03-01, last login 2025-08-13, 200 days ago > 90',
  },
  {
    name: 'noticed, then logged in: the rest is cancelled and the user starts over',
    user: { lastLogin: ago(3) },
    record: record('noticed', 10),
    expected: 'cancelled (logged in 2026-02-26, after the stage "noticed" of 2026-02-19: later stages cancelled); idle',
  },
  {
    name: 'noticed, seat taken back by someone else: nothing for the lifecycle to do',
    licensed: false,
    record: record('noticed', 20),
    expected: 'idle',
  },
  { name: 'unlicensed 29 days ago: waiting for deactivation', licensed: false, record: record('unlicensed', 29), expected: 'waiting for deactivate on 2026-03-02' },
  {
    name: 'unlicensed 30 days ago: deactivation due',
    licensed: false,
    record: record('unlicensed', 30),
    expected: 'due deactivate: deactivate: unlicensed 2026-01-30, 30 days ago ≥ 30; last login 2025-08-13',
  },
  {
    name: 'unlicensed, then a login (database source): the rest is cancelled; without a seat nothing starts',
    licensed: false,
    user: { lastLogin: ago(1) },
    record: record('unlicensed', 5),
    expected: 'cancelled (logged in 2026-02-28, after the stage "unlicensed" of 2026-02-24: later stages cancelled); idle',
  },
  {
    name: 'unlicensed, then the seat came back (undo or by hand): cancelled, and the user starts over with a notice',
    licensed: true,
    record: record('unlicensed', 5),
    expected:
      'cancelled (holds a seat again since the stage "unlicensed" of 2026-02-24: later stages cancelled); ' +
      'due notice: notice: licence goes on 2026-03-15, last login 2025-08-13, 200 days ago > 76 [goes 2026-03-15, inactive since 2025-08-13]',
  },
  {
    name: 'deactivated: rename due on the next run',
    licensed: false,
    user: { status: 'disabled' },
    record: record('deactivated', 0),
    expected: 'due rename: rename: deactivated 2026-03-01; last login 2025-08-13',
  },
  {
    name: 'deactivated, reactivated by hand: cancelled',
    licensed: false,
    record: record('deactivated', 2),
    expected: 'cancelled (active again since the stage "deactivated" of 2026-02-27: later stages cancelled); idle',
  },
  { name: 'renamed: finished', licensed: false, user: { status: 'disabled' }, record: record('renamed', 1), expected: 'finished' },
  {
    name: 'no deactivation stage: the rename follows the unlicense',
    settings: { ...FULL, deactivateAfterDays: null },
    licensed: false,
    record: record('unlicensed', 0),
    expected: 'due rename: rename: unlicensed 2026-03-01; last login 2025-08-13',
  },
  {
    name: 'neither deactivation nor rename: the unlicense is the last stage',
    settings: { ...FULL, deactivateAfterDays: null, rename: null },
    licensed: false,
    record: record('unlicensed', 40),
    expected: 'finished',
  },
  {
    name: 'renamed without a deactivation stage stays finished while active',
    settings: { ...FULL, deactivateAfterDays: null },
    licensed: false,
    record: record('renamed', 3),
    expected: 'finished',
  },
];

for (const c of cases) {
  test(`decideStage: ${c.name}`, () => {
    const verdict = decideStage({
      policy: policy(c.select),
      settings: c.settings ?? FULL,
      user: user(c.user),
      licensed: c.licensed ?? true,
      record: c.record ?? null,
      now: NOW,
    });
    assert.equal(describeVerdict(verdict), c.expected);
  });
}

test('calendarDaysBetween counts UTC days, not 24-hour spans', () => {
  assert.equal(calendarDaysBetween(new Date('2026-03-01T23:59:00Z'), new Date('2026-03-02T00:01:00Z')), 1);
  assert.equal(calendarDaysBetween(new Date('2026-03-01T03:05:00Z'), new Date('2026-03-15T03:00:00Z')), 14);
  assert.equal(calendarDaysBetween(new Date('2026-03-01T00:00:00Z'), new Date('2026-03-01T23:59:59Z')), 0);
});
