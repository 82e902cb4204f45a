import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkPlanLimits, checkScanSanity, DEFAULT_LIMITS, effectiveLimit } from './safety-guard.ts';
import type { PlanRow } from './plan.ts';

function rows(n: number): PlanRow[] {
  return Array.from({ length: n }, (_, i) => ({
    username: `u${i}`,
    userKey: `k${i}`,
    displayName: `U${i}`,
    directory: null,
    policy: 'p',
    reason: { rule: 'inactive', text: '', lastLogin: null, referenceDate: null, days: 100, thresholdDays: 90 },
    steps: [{ kind: 'disable' }],
    notes: [],
  }));
}

test('plan limits: the stricter of maxActions and maxPercent wins', async (t) => {
  const cases: Array<[string, number, number, { ok: boolean; guard?: string; limit?: number }]> = [
    ['under both', 400, 10_000, { ok: true }],
    ['exactly at maxActions', 500, 10_000, { ok: true }],
    ['over maxActions', 501, 10_000, { ok: false, guard: 'safety.maxActions', limit: 500 }],
    ['over maxPercent of a small instance', 41, 200, { ok: false, guard: 'safety.maxPercent', limit: 40 }],
    ['exactly 20 %', 40, 200, { ok: true }],
    ['nobody licensed', 1, 0, { ok: false, guard: 'safety.maxPercent', limit: 0 }],
    ['empty plan', 0, 0, { ok: true }],
  ];
  for (const [name, count, licensed, expected] of cases) {
    await t.test(name, () => {
      const verdict = checkPlanLimits({ rows: rows(count), licensedUsers: licensed }, DEFAULT_LIMITS);
      assert.equal(verdict.ok, expected.ok);
      if (!verdict.ok) {
        assert.equal(verdict.guard, expected.guard);
        assert.equal(verdict.limit, expected.limit);
        assert.equal(verdict.count, count);
      }
    });
  }
  const verdict = checkPlanLimits({ rows: rows(41), licensedUsers: 200 }, DEFAULT_LIMITS);
  assert.equal(
    verdict.ok ? '' : verdict.message,
    'the plan changes 41 users; safety.maxPercent allows 20 % of 200 licensed users = 40. Narrow the policy or raise the limit in the config.',
  );
});

test('property: the guard refuses every plan over either limit and passes every plan within both', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 3000 }),
      fc.integer({ min: 0, max: 20_000 }),
      fc.integer({ min: 0, max: 2000 }),
      fc.integer({ min: 0, max: 100 }),
      (count, licensed, maxActions, maxPercent) => {
        const limits = { maxActions, maxPercent, maxShrinkPercent: 10 };
        const verdict = checkPlanLimits({ rows: rows(count), licensedUsers: licensed }, limits);
        const over = count > maxActions || count > Math.floor((licensed * maxPercent) / 100);
        return verdict.ok === !over && effectiveLimit(limits, licensed).limit <= maxActions;
      },
    ),
    { numRuns: 10_000 },
  );
});

test('scan sanity: incomplete, empty and shrunken scans block every action', async (t) => {
  const good = { id: 's1', status: 'complete' as const, userCount: 1000, error: null };
  const cases: Array<[string, Parameters<typeof checkScanSanity>[0], boolean, string?]> = [
    ['complete and steady', { id: 's2', status: 'complete', userCount: 990, error: null }, true],
    ['exactly 10 % smaller', { id: 's2', status: 'complete', userCount: 900, error: null }, true],
    ['more than 10 % smaller', { id: 's2', status: 'complete', userCount: 899, error: null }, false, 'safety.maxShrinkPercent'],
    ['incomplete', { id: 's2', status: 'incomplete', userCount: 1000, error: 'paging ended at 500 of 1000 promised' }, false, 'scan.incomplete'],
    ['empty', { id: 's2', status: 'complete', userCount: 0, error: null }, false, 'scan.empty'],
  ];
  for (const [name, scan, ok, guard] of cases) {
    await t.test(name, () => {
      const verdict = checkScanSanity(scan, good, DEFAULT_LIMITS);
      assert.equal(verdict.ok, ok);
      if (!verdict.ok) assert.equal(verdict.guard, guard);
    });
  }
});
