import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFourEyes, checkPlanAge, formatAge, policyFingerprint, sameActor } from './approval-guard.ts';

test('four eyes: the approver differs from the plan maker and from every policy changer', async (t) => {
  const cases: Array<[string, Parameters<typeof checkFourEyes>[0], string | null]> = [
    ['off: the maker may approve', { fourEyes: false, approver: 'alice', createdBy: 'alice', policyChangedBy: ['alice'] }, null],
    ['off: even an unknown maker', { fourEyes: false, approver: 'alice', createdBy: null, policyChangedBy: [] }, null],
    ['on: someone else approves', { fourEyes: true, approver: 'bob', createdBy: 'alice', policyChangedBy: ['carol'] }, null],
    ['on: the maker', { fourEyes: true, approver: 'alice', createdBy: 'alice', policyChangedBy: ['carol'] }, 'safety.fourEyes: alice made this plan; another administrator must approve it'],
    ['on: the maker in other case', { fourEyes: true, approver: ' Alice', createdBy: 'alice', policyChangedBy: [] }, 'safety.fourEyes:  Alice made this plan; another administrator must approve it'],
    [
      'on: a policy changer',
      { fourEyes: true, approver: 'carol', createdBy: 'alice', policyChangedBy: ['dave', 'Carol'] },
      'safety.fourEyes: carol last changed a policy of this plan; another administrator must approve it',
    ],
    [
      'on: maker not recorded',
      { fourEyes: true, approver: 'bob', createdBy: null, policyChangedBy: [] },
      'safety.fourEyes: the plan does not record who made it, so no approver can be shown to be someone else; plan again',
    ],
  ];
  for (const [name, input, reason] of cases) {
    await t.test(name, () => assert.deepStrictEqual(checkFourEyes(input), reason === null ? { ok: true } : { ok: false, reason }));
  }
});

test('plan TTL: a plan older than safety.planTtlHours is refused; exactly at the limit is still good', async (t) => {
  const createdAt = '2026-03-01T10:00:00.000Z';
  const at = (ms: number) => new Date(Date.parse(createdAt) + ms);
  const cases: Array<[string, number, number, string | null]> = [
    ['just made', 24, 0, null],
    ['exactly 24 h', 24, 24 * 3_600_000, null],
    ['24 h and 1 ms', 24, 24 * 3_600_000 + 1, 'plan plan_x was made 24.0 h ago, longer than safety.planTtlHours (24 h) allows: plan again'],
    ['25.5 h', 24, 25.5 * 3_600_000, 'plan plan_x was made 25.5 h ago, longer than safety.planTtlHours (24 h) allows: plan again'],
    ['fractional TTL, 2 s old', 0.0001, 2_000, 'plan plan_x was made 2 s ago, longer than safety.planTtlHours (0.0001 h) allows: plan again'],
    ['fractional TTL, 0.3 s old', 0.0001, 300, null],
    ['2 h TTL, 150 min old', 2, 150 * 60_000, 'plan plan_x was made 2.5 h ago, longer than safety.planTtlHours (2 h) allows: plan again'],
    ['0.5 h TTL, 31 min old', 0.5, 31 * 60_000, 'plan plan_x was made 31 min ago, longer than safety.planTtlHours (0.5 h) allows: plan again'],
    ['1 h TTL, 90 min old', 1, 90 * 60_000, 'plan plan_x was made 1.5 h ago, longer than safety.planTtlHours (1 h) allows: plan again'],
  ];
  for (const [name, ttlHours, ageMs, reason] of cases) {
    await t.test(name, () =>
      assert.deepStrictEqual(checkPlanAge({ planId: 'plan_x', createdAt, ttlHours, now: at(ageMs) }), reason === null ? { ok: true } : { ok: false, reason }),
    );
  }
  assert.deepStrictEqual([formatAge(59_999), formatAge(60_000), formatAge(3_599_999), formatAge(3_600_000)], ['59 s', '1 min', '59 min', '1.0 h']);
});

test('identities compare case-insensitively; policy fingerprints ignore key order and see every value', () => {
  assert.equal(sameActor('Alice', 'alice '), true);
  assert.equal(sameActor('alice', 'alice2'), false);
  const a = policyFingerprint({ id: 'p', select: { inactiveDays: 90, group: null }, exclude: { users: ['x'] } });
  const b = policyFingerprint({ exclude: { users: ['x'] }, select: { group: null, inactiveDays: 90 }, id: 'p' });
  const c = policyFingerprint({ id: 'p', select: { inactiveDays: 91, group: null }, exclude: { users: ['x'] } });
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.match(a, /^[0-9a-f]{64}$/);
});

test('a plan dated ahead of the clock that judges it never ages: refused beyond a few minutes of clock difference', () => {
  const now = new Date('2026-03-01T12:00:00.000Z');
  assert.deepStrictEqual(checkPlanAge({ planId: 'plan_x', createdAt: '2026-03-01T12:04:00.000Z', ttlHours: 24, now }), { ok: true });
  assert.deepStrictEqual(checkPlanAge({ planId: 'plan_x', createdAt: '9999-01-01T00:00:00.000Z', ttlHours: 24, now }), {
    ok: false,
    reason: 'plan plan_x says it was made at 9999-01-01T00:00:00.000Z, after now (2026-03-01T12:00:00.000Z): plan again',
  });
  assert.equal(checkPlanAge({ planId: 'plan_x', createdAt: 'not a time', ttlHours: 24, now }).ok, false);
});
