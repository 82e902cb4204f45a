// The lifecycle part of a run on a real SQLite store and a real SMTP server on 127.0.0.1: notices journaled around
// each send (refusals retried, interrupted sends never repeated, an unusable server stops the rest) and stage records.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/store-database.ts';
import type { Store } from './store-port.ts';
import { fixedClock } from './clock.ts';
import { requireNoticeDelivery, settleLifecycle, type NoticeDelivery } from './lifecycle-run.ts';
import { evaluatePolicies } from '../domain/planner.ts';
import type { Plan } from '../domain/plan.ts';
import type { InactiveUsersPolicy } from '../domain/policy.ts';
import { InvalidInput } from '../domain/errors.ts';
import { createSmtpNotifier } from '../connectors/smtp/smtp-connector.ts';
import { smtpConfigSchema } from '../connectors/smtp/smtp-config.ts';
import { startSmtpSink, type SmtpSink } from '../../test/support/smtp-sink.ts';
import { unusedPort } from '../../test/e2e/cli-harness.ts';
import { snapshot, user } from '../../test/support/snapshot-builder.ts';

const DAY0 = new Date('2026-03-01T03:00:00.000Z');
const day = (n: number): Date => new Date(DAY0.getTime() + n * 86_400_000);

const POLICY: InactiveUsersPolicy = {
  id: 'staged',
  instance: 'wiki',
  select: { inactiveDays: 90, neverLoggedInDays: null, directories: [], group: null },
  exclude: { users: [], groups: [] },
  actions: { removeGroups: 'license', addGroups: [], deactivate: false, rename: null },
  lifecycle: { notice: { daysBefore: 14 }, deactivateAfterDays: 30, rename: null },
};

const TEMPLATES = { subject: 'Licence goes {{dueDate}}', text: 'Keep it: {{keepAccessUrl}}', html: '<a href="{{keepAccessUrl}}">keep</a>' };

let store: Store;
let refusing: SmtpSink;
const refused = new Set<string>();

before(async () => {
  store = await openStore(`sqlite:${join(mkdtempSync(join(tmpdir(), 'sk-lifecycle-run-')), 'seatkeeper.db')}`);
  refusing = await startSmtpSink({
    onRcptTo(address, _session, callback) {
      if (refused.has(address.address)) callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
      else callback();
    },
  });
});

after(async () => {
  await store.close();
  await refusing.close();
});

function delivery(port: number): NoticeDelivery {
  const smtp = smtpConfigSchema.parse({ host: '127.0.0.1', port, timeoutMs: 2000 });
  return { notifier: createSmtpNotifier({ smtp, from: 'seatkeeper@example.com' }), templates: TEMPLATES, keepAccessUrl: 'https://sk.example.com/keep/{token}' };
}

/** A notice plan for the given users (80 days inactive on day 0), stored, with a run started on it. */
async function plannedRun(instance: string, names: readonly string[]): Promise<{ plan: Plan; runId: string }> {
  const plan = evaluatePolicies({
    snapshot: { ...snapshot({ users: names.map((n) => user(n, { lastLogin: day(-80) })), memberships: { 'confluence-users': [...names] } }), instance },
    policies: [POLICY],
    protection: { users: [], groups: [] },
    now: day(0),
  });
  const planId = await store.plans.save(plan, 'planned');
  const run = await store.journal.startRun({ planId, instance, startedAt: day(0) });
  return { plan, runId: run.id };
}

test('a plan with notices and no mail server is refused before anything runs', async () => {
  const { plan } = await plannedRun('no-mail', ['ann']);
  assert.throws(() => requireNoticeDelivery(plan, undefined), InvalidInput);
});

test('a refused recipient fails alone and is retried by the next run; sent notices are never sent again', async () => {
  refused.add('bea@example.com');
  const mail = delivery(refusing.port);
  const clock = fixedClock(day(0));
  try {
    const first = await plannedRun('retry', ['ann', 'bea', 'cid']);
    const report = await settleLifecycle({ store, clock, delivery: mail }, first);
    assert.deepEqual(report?.notices.counts, { sent: 2, 'already-sent': 0, unconfirmed: 0, failed: 1, 'not-sent': 0 });
    assert.match(report?.notices.failures[0]?.error ?? '', /refused the notice to bea@example\.com/);
    assert.deepEqual((await store.lifecycle.records('retry')).map((r) => [r.username, r.stage]), [['ann', 'noticed'], ['cid', 'noticed']]);

    refused.delete('bea@example.com');
    clock.set(day(1));
    const second = await plannedRun('retry', ['ann', 'bea', 'cid']);
    const again = await settleLifecycle({ store, clock, delivery: mail }, second);
    assert.deepEqual(again?.notices.counts, { sent: 1, 'already-sent': 2, unconfirmed: 0, failed: 0, 'not-sent': 0 });
    const to = refusing.received.map((m) => m.rcptTo[0]).filter((a) => a !== undefined).sort();
    assert.deepEqual(to, ['ann@example.com', 'bea@example.com', 'cid@example.com']);
    // The stages keep the day each notice really went out.
    assert.deepEqual(
      (await store.lifecycle.records('retry')).map((r) => [r.username, r.enteredAt.toISOString().slice(0, 10)]),
      [['ann', '2026-03-01'], ['bea', '2026-03-02'], ['cid', '2026-03-01']],
    );
  } finally {
    await mail.notifier.close();
  }
});

test('a send interrupted by a crash (claimed, never settled) is not sent again; the run says "unconfirmed"', async () => {
  const mail = delivery(refusing.port);
  const before = refusing.received.length;
  try {
    const crashed = await plannedRun('crash', ['dan']);
    // What a run that died between the claim and the server's answer leaves behind.
    await store.notices.claim({
      instance: 'crash', policy: 'staged', username: 'dan', stage: 'unlicense', inactiveSince: day(-80),
      recipient: 'dan@example.com', tokenHash: 'crashed-token', runId: crashed.runId, at: day(0),
    });
    const next = await plannedRun('crash', ['dan']);
    const report = await settleLifecycle({ store, clock: fixedClock(day(0)), delivery: mail }, next);
    assert.deepEqual(report?.notices.counts, { sent: 0, 'already-sent': 0, unconfirmed: 1, failed: 0, 'not-sent': 0 });
    assert.equal(refusing.received.length, before);
    assert.deepEqual((await store.lifecycle.records('crash')).map((r) => [r.username, r.stage, r.enteredAt.toISOString()]), [['dan', 'noticed', day(0).toISOString()]]);
  } finally {
    await mail.notifier.close();
  }
});

test('an unusable mail server stops the run after the first failure; the rest are not claimed, so the next run sends them', async () => {
  const mail = delivery(await unusedPort());
  try {
    const { plan, runId } = await plannedRun('down', ['eve', 'fay', 'gus']);
    const report = await settleLifecycle({ store, clock: fixedClock(day(0)), delivery: mail }, { plan, runId });
    assert.deepEqual(report?.notices.counts, { sent: 0, 'already-sent': 0, unconfirmed: 0, failed: 1, 'not-sent': 2 });
    assert.match(report?.notices.notSentBecause ?? '', /cannot be reached/);
    assert.deepEqual((await store.notices.list('down')).map((n) => [n.username, n.error !== null]), [['eve', true]]);
    assert.deepEqual(await store.lifecycle.records('down'), []);
  } finally {
    await mail.notifier.close();
  }
});

test('a row records its stage only when every step is done or already done; cancellations clear what the plan saw', async () => {
  const instance = 'stages';
  await store.lifecycle.enter(instance, { policy: 'staged', username: 'hal', stage: 'noticed', enteredAt: day(-20), lastLoginAtEntry: day(-100) });
  await store.lifecycle.enter(instance, { policy: 'staged', username: 'ivy', stage: 'noticed', enteredAt: day(-20), lastLoginAtEntry: day(-100) });
  await store.lifecycle.enter(instance, { policy: 'staged', username: 'jon', stage: 'noticed', enteredAt: day(-20), lastLoginAtEntry: day(-100) });
  const plan = evaluatePolicies({
    snapshot: {
      ...snapshot({
        users: [user('hal', { lastLogin: day(-100) }), user('ivy', { lastLogin: day(-100) }), user('jon', { lastLogin: day(-2) })],
        memberships: { 'confluence-users': ['hal', 'ivy', 'jon'], staff: ['ivy'] },
        grants: { useGroups: ['confluence-users', 'staff'] },
      }),
      instance,
    },
    policies: [POLICY],
    protection: { users: [], groups: [] },
    now: day(0),
    lifecycle: await store.lifecycle.records(instance),
  });
  assert.deepEqual(plan.rows.map((r) => [r.username, r.stage, r.steps.length]), [['hal', 'unlicense', 1], ['ivy', 'unlicense', 2]]);
  assert.deepEqual(plan.lifecycle?.cancellations.map((c) => c.username), ['jon']);
  const planId = await store.plans.save(plan, 'planned');
  const run = await store.journal.startRun({ planId, instance, startedAt: day(0) });
  // hal's step is done; ivy's second step fails, so ivy stays "noticed" and the next plan proposes the unlicense again.
  const outcomes: Record<string, readonly ('done' | 'already-done' | 'failed')[]> = { hal: ['done'], ivy: ['already-done', 'failed'] };
  for (const row of plan.rows) {
    for (const [seq, step] of row.steps.entries()) {
      const id = await store.journal.claim({ runId: run.id, username: row.username, seq, step, prior: null, at: day(0) });
      await store.journal.settle(id, outcomes[row.username]?.[seq] ?? 'failed', null, day(0));
    }
  }
  const report = await settleLifecycle({ store, clock: fixedClock(day(0)) }, { plan, runId: run.id });
  assert.equal(report?.entered, 1);
  assert.equal(report?.cancelled, 1);
  assert.deepEqual((await store.lifecycle.records(instance)).map((r) => [r.username, r.stage]), [['hal', 'unlicensed'], ['ivy', 'noticed']]);
});

test('a seat check counts only when it failed: a failed one leaves the stage unreached, one settled after a resume does not block it', async () => {
  const instance = 'checks';
  for (const username of ['kim', 'lea']) {
    await store.lifecycle.enter(instance, { policy: 'staged', username, stage: 'noticed', enteredAt: day(-20), lastLoginAtEntry: day(-100) });
  }
  const plan = evaluatePolicies({
    snapshot: {
      ...snapshot({
        users: [user('kim', { lastLogin: day(-100) }), user('lea', { lastLogin: day(-100) })],
        memberships: { 'confluence-users': ['kim', 'lea'] },
        grants: { useGroups: ['confluence-users'] },
      }),
      instance,
    },
    policies: [POLICY],
    protection: { users: [], groups: [] },
    now: day(0),
    lifecycle: await store.lifecycle.records(instance),
  });
  assert.deepEqual(plan.rows.map((r) => [r.username, r.steps.length]), [['kim', 1], ['lea', 1]]);
  const planId = await store.plans.save(plan, 'planned');
  const run = await store.journal.startRun({ planId, instance, startedAt: day(0) });
  // Both rows' step went out; kim's check then failed, lea's failed first and passed on a resume (already-done).
  const checks: Record<string, 'failed' | 'already-done'> = { kim: 'failed', lea: 'already-done' };
  for (const row of plan.rows) {
    const id = await store.journal.claim({ runId: run.id, username: row.username, seq: 0, step: row.steps[0] ?? { kind: 'disable' }, prior: null, at: day(0) });
    await store.journal.settle(id, 'done', null, day(0));
    const check = await store.journal.claim({ runId: run.id, username: row.username, seq: 1, step: { kind: 'confirm-seat-freed' }, prior: null, at: day(0) });
    await store.journal.settle(check, checks[row.username] ?? 'failed', null, day(0));
  }
  const report = await settleLifecycle({ store, clock: fixedClock(day(0)) }, { plan, runId: run.id });
  assert.equal(report?.entered, 1);
  assert.deepEqual((await store.lifecycle.records(instance)).map((r) => [r.username, r.stage]), [['kim', 'noticed'], ['lea', 'unlicensed']]);
});

test('a notice reaches exactly one address: an address list in the plan or the snapshot reaches nobody', async () => {
  const mail = delivery(refusing.port);
  const before = refusing.received.length;
  try {
    // The snapshot's address is a list: the planner plans no notice for it (the user is unwarnable, the licence stays).
    const listed = evaluatePolicies({
      snapshot: {
        ...snapshot({ users: [user('max', { lastLogin: day(-80), email: 'a@x.example, b@y.example' })], memberships: { 'confluence-users': ['max'] } }),
        instance: 'list',
      },
      policies: [POLICY],
      protection: { users: [], groups: [] },
      now: day(0),
    });
    assert.deepEqual(listed.lifecycle?.notices, []);
    assert.deepEqual(listed.rows, []);

    // A stored plan that carries such an address anyway (made before the rule): nothing is claimed or sent.
    const { plan, runId } = await plannedRun('list', ['ned']);
    const notices = (plan.lifecycle?.notices ?? []).map((n) => ({ ...n, email: 'a@x.example, b@y.example' }));
    assert.equal(notices.length, 1);
    const tampered: Plan = { ...plan, lifecycle: plan.lifecycle === undefined ? undefined : { ...plan.lifecycle, notices } };
    const report = await settleLifecycle({ store, clock: fixedClock(day(0)), delivery: mail }, { plan: tampered, runId });
    assert.deepEqual(report?.notices.counts, { sent: 0, 'already-sent': 0, unconfirmed: 0, failed: 1, 'not-sent': 0 });
    assert.match(report?.notices.failures[0]?.error ?? '', /not sent: "a@x\.example, b@y\.example" is not one e-mail address/);
    assert.deepEqual(refusing.received.slice(before).flatMap((m) => m.rcptTo), []);
    assert.deepEqual(await store.notices.list('list'), []);
    assert.deepEqual(await store.lifecycle.records('list'), []);
  } finally {
    await mail.notifier.close();
  }
});
