import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideStep, type StepDecision, type StepFacts } from './step-reconciliation.ts';
import type { UserState } from './journal.ts';

const member: UserState = { username: 'ann', status: 'active', displayName: 'Ann', groups: ['confluence-users'], useGrant: false, otherPermissions: [] };
const removed: UserState = { ...member, groups: [] };
const step = { kind: 'remove-group', group: 'confluence-users' } as const;

const send: StepDecision = { action: 'send' };
const settle = (outcome: 'done' | 'already-done' | 'skipped', reason: string | null = null): StepDecision => ({ action: 'settle', outcome, reason });

const cases: readonly { name: string; facts: Omit<StepFacts, 'step'>; expected: StepDecision }[] = [
  { name: 'fresh step, target not reached: send', facts: { prior: member, current: member, blocked: null, maybeSent: false }, expected: send },
  { name: 'fresh step, target already holds: already-done', facts: { prior: removed, current: removed, blocked: null, maybeSent: false }, expected: settle('already-done') },
  { name: 'fresh step, user protected: skipped even if it holds', facts: { prior: removed, current: removed, blocked: 'the user is protected now', maybeSent: false }, expected: settle('skipped', 'the user is protected now') },
  { name: 'fresh step, user gone: skipped', facts: { prior: null, current: null, blocked: null, maybeSent: false }, expected: settle('skipped', 'the user no longer exists') },
  { name: 'claimed, target holds now but not before: Seatkeeper did it (done)', facts: { prior: member, current: removed, blocked: null, maybeSent: true }, expected: settle('done') },
  { name: 'claimed, target held before the claim: already-done', facts: { prior: removed, current: removed, blocked: null, maybeSent: true }, expected: settle('already-done') },
  { name: 'claimed, target holds, prior unknown: done', facts: { prior: null, current: removed, blocked: null, maybeSent: true }, expected: settle('done') },
  { name: 'claimed, never reached Confluence: send it', facts: { prior: member, current: member, blocked: null, maybeSent: true }, expected: send },
  { name: 'claimed, target holds although the user is protected now: done, not skipped', facts: { prior: member, current: removed, blocked: 'the user is protected now', maybeSent: true }, expected: settle('done') },
  { name: 'claimed, not reached, user protected now: skipped', facts: { prior: member, current: member, blocked: 'the user is protected now', maybeSent: true }, expected: settle('skipped', 'the user is protected now') },
  { name: 'claimed, user deleted since: skipped', facts: { prior: member, current: null, blocked: null, maybeSent: true }, expected: settle('skipped', 'the user no longer exists') },
];

for (const c of cases) {
  test(`decideStep: ${c.name}`, () => {
    assert.deepStrictEqual(decideStep({ step, ...c.facts }), c.expected);
  });
}
