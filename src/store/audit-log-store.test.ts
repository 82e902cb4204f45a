// The audit log's chain on SQLite and PostgreSQL: append-only by trigger, and verify finds an edited or a deleted row
// when someone who can drop the trigger changes the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect } from '../../test/support/dialect-fixture.ts';
import { fixedClock } from '../app/clock.ts';
import { audited, exportAudit, recordAudit, verifyAudit } from '../app/audit-trail.ts';
import { NotAllowed } from '../domain/errors.ts';

const t0 = new Date('2026-03-01T09:00:00.000Z');

describeEachDialect('audit log', (fixture) => {
  const clock = fixedClock(t0);
  const event = (n: number) => ({ actor: 'ann', action: 'plan.approve', target: `plan_${n}`, address: '127.0.0.1', outcome: 'ok' as const, detail: { n } });

  test('rows are numbered from 1 and chained; verify passes and reports the head; export reads them in order, from --since on', async () => {
    const { store } = fixture();
    for (let n = 1; n <= 5; n += 1) {
      clock.set(new Date(t0.getTime() + n * 60_000));
      await recordAudit({ store, clock }, event(n));
    }
    const verified = await verifyAudit(store);
    const rows = await store.audit.read({ afterSeq: 0, limit: 10 });
    assert.deepEqual(rows.map((r) => r.seq), [1, 2, 3, 4, 5]);
    assert.equal(rows[1]?.prevHash, rows[0]?.hash);
    assert.deepEqual(verified, { ok: true, rows: 5, breaks: [], head: { seq: 5, hash: rows[4]?.hash } });
    const since = [];
    for await (const row of exportAudit(store, { since: new Date(t0.getTime() + 4 * 60_000) })) since.push(row.target);
    assert.deepEqual(since, ['plan_4', 'plan_5']);
  });

  test('audited() records ok with the result\'s detail, and refused with the error when the write throws', async () => {
    const { store } = fixture();
    await audited({ store, clock }, { actor: 'bob', address: 'cli' }, { action: 'run.undo', target: 'run_1' }, async () => 7, (n) => ({ undone: n }));
    await assert.rejects(
      audited({ store, clock }, { actor: 'bob', address: 'cli' }, { action: 'plan.approve', target: 'plan_x' }, async () => {
        throw new NotAllowed('the maker may not approve');
      }),
      NotAllowed,
    );
    const rows = await store.audit.read({ afterSeq: 5, limit: 10 });
    assert.deepEqual(rows.map((r) => [r.action, r.outcome, r.detail]), [
      ['run.undo', 'ok', { undone: 7 }],
      ['plan.approve', 'refused', { error: 'the maker may not approve' }],
    ]);
  });

  test('UPDATE and DELETE on the log are refused by the database', async () => {
    const f = fixture();
    await assert.rejects(f.execute(`update audit_log set actor = 'mallory' where seq = 2`), /append-only/);
    await assert.rejects(f.execute('delete from audit_log where seq = 2'), /append-only/);
    assert.equal((await verifyAudit(f.store)).ok, true);
  });

  test('with the trigger dropped, an edited row and a deleted row are each found, naming the row', async () => {
    const f = fixture();
    const sqlite = f.url.startsWith('sqlite:');
    await f.execute(sqlite ? 'drop trigger audit_log_no_update' : 'alter table audit_log disable trigger audit_log_no_change');
    await f.execute(sqlite ? 'drop trigger audit_log_no_delete' : 'select 1');
    await f.execute(`update audit_log set actor = 'mallory' where seq = 2`);
    let verified = await verifyAudit(f.store);
    assert.equal(verified.ok, false);
    assert.deepEqual(verified.breaks.map((b) => [b.seq, b.kind]), [[2, 'edited']]);

    await f.execute(`update audit_log set actor = 'ann' where seq = 2`);
    assert.equal((await verifyAudit(f.store)).ok, true, 'the edit undone, the chain holds again');
    await f.execute('delete from audit_log where seq = 4');
    verified = await verifyAudit(f.store);
    assert.deepEqual(verified.breaks.map((b) => [b.seq, b.kind]), [[5, 'missing']]);
    assert.match(verified.breaks[0]?.message ?? '', /row 5 follows row 3: 1 row is missing/);

    // Renumbering the rows after the gap does not hide it: the old row 5's prev names the deleted row's hash, and
    // every renumbered row's hash covers its old number.
    await f.execute('update audit_log set seq = seq - 1 where seq >= 5');
    verified = await verifyAudit(f.store);
    assert.deepEqual(verified.breaks.map((b) => [b.seq, b.kind]), [[4, 'relinked'], [4, 'edited'], [5, 'edited'], [6, 'edited']]);
  });
});
