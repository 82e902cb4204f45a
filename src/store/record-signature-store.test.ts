// The store is not a trust anchor: what Seatkeeper writes is signed with the key outside the database, and a row
// written or altered with SQL (as anyone with write access to the database could) is refused by the verifiers. And a
// plan starts one run, whatever races. On every dialect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect } from '../../test/support/dialect-fixture.ts';
import { openStore } from './store-database.ts';
import { canonicalJson, hashPlan } from '../domain/plan-hash.ts';
import type { Plan } from '../domain/plan.ts';
import type { UserState } from '../domain/journal.ts';
import { Conflict } from '../domain/errors.ts';
import { UntrustedRecord, verifyApproval, verifyJournalEntries, verifyJournalEntry, verifyPlanRecord, verifyRunRecord } from '../app/record-signing.ts';
import { testRecordKey } from '../../test/support/record-key.ts';

const t0 = new Date('2026-05-04T08:00:00.000Z');

function plan(instance: string): Plan {
  const body: Omit<Plan, 'hash'> = {
    kind: 'policy',
    undoOf: [],
    instance,
    scanId: 'scan_signed0001',
    createdAt: t0.toISOString(),
    policies: ['inactive-users'],
    licensedUsers: 3,
    rows: [],
    summaries: [],
  };
  return { ...body, hash: hashPlan(body) };
}

const prior: UserState = { username: 'carol', status: 'active', displayName: 'Carol', groups: ['confluence-users'], useGrant: false, otherPermissions: [] };

/** Asserts the verifier refuses with UntrustedRecord, and that the message says which record and why. */
function refused(check: () => void, pattern: RegExp): void {
  assert.throws(check, (error: unknown) => {
    assert.ok(error instanceof UntrustedRecord, String(error));
    assert.match(error.message, pattern);
    return true;
  });
}

describeEachDialect('record signatures', (fixture) => {
  test('a plan, its approval, its run and its journal entries are signed as written and verify under the key', async () => {
    const { store, key } = fixture();
    const planId = await store.plans.save(plan('signed'), 'waiting-approval', { createdBy: 'alice', policyChangedBy: ['carol'] });
    await store.plans.approve(planId, 'bob', t0);
    const stored = await store.plans.get(planId);
    assert.ok(stored !== null);
    verifyPlanRecord(key, stored);
    verifyApproval(key, stored);
    const run = await store.journal.startRun({ planId, instance: 'signed', startedAt: t0 });
    const entryId = await store.journal.claim({ runId: run.id, username: 'carol', seq: 0, step: { kind: 'remove-group', group: 'confluence-users' }, prior, at: t0 });
    await store.journal.settle(entryId, 'done', null, t0);
    const read = await store.journal.getRun(run.id);
    assert.ok(read !== null);
    verifyRunRecord(key, read);
    verifyJournalEntries(key, await store.journal.entries(run.id));
    verifyJournalEntries(key, await store.journal.entriesForUser('signed', 'carol'));
    // Another key (the key file replaced, or someone else's Seatkeeper) verifies none of them.
    const other = testRecordKey();
    refused(() => verifyPlanRecord(other, stored), /^plan plan_\w+ has a signature that does not verify: it was not written by Seatkeeper with this key .*plan again$/);
    refused(() => verifyRunRecord(other, read), /^run run_\w+ has a signature that does not verify/);
  });

  test('a plan and a running run inserted with SQL carry no signature and are refused, naming them', async () => {
    const { store, key, execute } = fixture();
    const forged = plan('forged');
    const { hash, ...body } = forged;
    // Everything a stored plan has, a matching hash over canonical text and all, but written straight into the database.
    await execute(
      'insert into plans (id, instance, scan_id, created_at, hash, status, plan_json, created_by, policy_changed_by_json) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      ['plan_forged00001', 'forged', forged.scanId, forged.createdAt, hash, 'approved', canonicalJson(body), 'alice', '[]'],
    );
    await execute('insert into runs (id, plan_id, instance, started_at, status) values ($1, $2, $3, $4, $5)', ['run_forged000001', 'plan_forged00001', 'forged', t0.toISOString(), 'running']);
    await execute(
      'insert into journal_entries (run_id, username, step_seq, step_json, outcome, prior_json, claimed_at) values ($1, $2, $3, $4, $5, $6, $7)',
      ['run_forged000001', 'mallory', 0, JSON.stringify({ kind: 'add-group', group: 'confluence-administrators' }), 'done', null, t0.toISOString()],
    );
    const stored = await store.plans.get('plan_forged00001');
    assert.ok(stored !== null, 'the forged plan reads back for display');
    refused(() => verifyPlanRecord(key, stored), /^plan plan_forged00001 carries no signature: it was written before Seatkeeper signed its records, or not by Seatkeeper; Seatkeeper does not act on it: plan again$/);
    const run = await store.journal.getRun('run_forged000001');
    assert.ok(run !== null);
    refused(() => verifyRunRecord(key, run), /^run run_forged000001 carries no signature/);
    const [entry] = await store.journal.entries('run_forged000001');
    assert.ok(entry !== undefined);
    refused(() => verifyJournalEntry(key, entry), new RegExp(`^journal entry ${entry.id} of run run_forged000001 carries no signature`));
    // The hand-made run counts as the plan's run: a start is refused rather than running the plan beside it.
    assert.equal((await store.journal.runOfPlan('plan_forged00001'))?.id, 'run_forged000001');
  });

  test('an altered approval, maker, journal step or prior state no longer verifies', async () => {
    const { store, key, execute } = fixture();
    const planId = await store.plans.save(plan('altered'), 'waiting-approval', { createdBy: 'alice' });
    await store.plans.approve(planId, 'bob', t0);
    await execute('update plans set approved_by = $1 where id = $2', ['mallory', planId]);
    const approvedByOther = await store.plans.get(planId);
    assert.ok(approvedByOther !== null);
    verifyPlanRecord(key, approvedByOther);
    refused(() => verifyApproval(key, approvedByOther), new RegExp(`^approval of plan ${planId} \\(by mallory at .*\\) has a signature that does not verify`));
    // An approval copied from nowhere: the columns set by hand on a plan that was never approved.
    const waiting = await store.plans.save(plan('altered'), 'waiting-approval', { createdBy: 'alice' });
    await execute('update plans set status = $1, approved_by = $2, approved_at = $3 where id = $4', ['approved', 'bob', t0.toISOString(), waiting]);
    const unsignedApproval = await store.plans.get(waiting);
    assert.ok(unsignedApproval !== null);
    refused(() => verifyApproval(key, unsignedApproval), /carries no signature/);
    // The maker feeds the four-eyes rule.
    await execute('update plans set created_by = $1 where id = $2', ['bob', waiting]);
    const remade = await store.plans.get(waiting);
    assert.ok(remade !== null);
    refused(() => verifyPlanRecord(key, remade), /has a signature that does not verify/);

    const run = await store.journal.startRun({ planId, instance: 'altered', startedAt: t0 });
    const first = await store.journal.claim({ runId: run.id, username: 'carol', seq: 0, step: { kind: 'remove-group', group: 'confluence-users' }, prior, at: t0 });
    const second = await store.journal.claim({ runId: run.id, username: 'dave', seq: 0, step: { kind: 'disable' }, prior: null, at: t0 });
    await execute('update journal_entries set step_json = $1 where id = $2', [JSON.stringify({ kind: 'remove-group', group: 'confluence-administrators' }), first]);
    await execute('update journal_entries set prior_json = $1 where id = $2', [JSON.stringify({ ...prior, username: 'dave', groups: ['confluence-administrators'] }), second]);
    const entries = await store.journal.entries(run.id);
    for (const entry of entries) refused(() => verifyJournalEntry(key, entry), /has a signature that does not verify/);
    refused(() => verifyJournalEntries(key, entries), new RegExp(`^journal entry ${first} of run ${run.id}`));
    // A run moved to another plan.
    const otherPlan = await store.plans.save(plan('altered'), 'planned');
    await execute('update runs set plan_id = $1 where id = $2', [otherPlan, run.id]);
    const moved = await store.journal.getRun(run.id);
    assert.ok(moved !== null);
    refused(() => verifyRunRecord(key, moved), /has a signature that does not verify/);
  });

  test('a plan starts one run: concurrent starts make exactly one, and a later start is refused naming it', async () => {
    const { store, url, key } = fixture();
    const planId = await store.plans.save(plan('once'), 'planned');
    // On PostgreSQL, separate pools, as separate processes would have. SQLite's driver is synchronous, so a second
    // connection in this process would block the thread that holds the write lock: there, the starts share one
    // connection (processes are kept apart by SQLite's write lock, as for every other write).
    const others = url.startsWith('postgres') ? await Promise.all([openStore(url, { key: () => key }), openStore(url, { key: () => key })]) : [];
    try {
      const starts = [store, ...others, store, ...others].map((s) => s.journal.startRun({ planId, instance: 'once', startedAt: t0 }));
      const results = await Promise.allSettled(starts);
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1, 'exactly one start wins');
      const winner = won[0]?.status === 'fulfilled' ? won[0].value : null;
      for (const result of results) {
        if (result.status === 'rejected') {
          assert.ok(result.reason instanceof Conflict, String(result.reason));
          assert.equal(result.reason.message, `Plan ${planId} already has run ${winner?.id ?? ''}; a plan runs once.`);
        }
      }
      assert.equal((await store.journal.runOfPlan(planId))?.id, winner?.id);
      assert.equal((await store.journal.listRuns('once')).length, 1);
      if (winner !== null) await store.journal.finishRun(winner.id, 'done', t0);
      await assert.rejects(store.journal.startRun({ planId, instance: 'once', startedAt: t0 }), Conflict);
      assert.equal(await store.journal.runOfPlan(await store.plans.save(plan('once'), 'planned')), null);
    } finally {
      await Promise.all(others.map((s) => s.close()));
    }
  });

  test('a store opened without a key writes records unsigned: they read back, and are never acted on', async () => {
    const { url, key } = fixture();
    const keyless = await openStore(url);
    try {
      const planId = await keyless.plans.save(plan('keyless'), 'planned');
      const stored = await keyless.plans.get(planId);
      assert.ok(stored !== null);
      assert.equal(stored.signature, null);
      refused(() => verifyPlanRecord(key, stored), /carries no signature/);
    } finally {
      await keyless.close();
    }
  });
});

