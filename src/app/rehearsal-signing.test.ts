// A rehearsal signs with a key derived from the record key: a rehearsal plan or run whose mark is flipped in the
// database to pass for a real one (or the reverse) does not verify on the other side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../store/store-database.ts';
import type { Plan } from '../domain/plan.ts';
import { hashPlan } from '../domain/plan-hash.ts';
import { UntrustedRecord, verifyPlanRecord, verifyRunRecord } from './record-signing.ts';
import { testRecordKey } from '../../test/support/record-key.ts';

test('a rehearsal record flipped to real in the database is refused by a real command, and a real one flipped to rehearsal by a rehearsal', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'sk-rehearsal-key-')), 'seatkeeper.db');
  const key = testRecordKey();
  const rehearsalKey = key.forRehearsal();
  const body: Omit<Plan, 'hash'> = { kind: 'policy', undoOf: [], instance: 'wiki', scanId: 'scan_x', createdAt: new Date().toISOString(), policies: ['p'], licensedUsers: 1, rows: [], summaries: [] };

  const rehearsal = await openStore(`sqlite:${file}`, { rehearsal: true, key: () => rehearsalKey });
  const rehearsalPlan = await rehearsal.plans.save({ ...body, hash: hashPlan(body) }, 'planned');
  const rehearsalRun = await rehearsal.journal.startRun({ planId: rehearsalPlan, instance: 'wiki', startedAt: new Date() });
  await rehearsal.close();
  const real = await openStore(`sqlite:${file}`, { key: () => key });
  const realPlan = await real.plans.save({ ...body, hash: hashPlan(body) }, 'planned');
  // `seatkeeper plans` lists its own side only.
  assert.deepEqual((await real.plans.list('wiki', 10)).map((p) => p.id), [realPlan]);
  await real.close();

  const db = new Database(file);
  db.prepare('update plans set rehearsal = 1 - rehearsal').run();
  db.prepare('update runs set rehearsal = 1 - rehearsal').run();
  db.close();

  const realAgain = await openStore(`sqlite:${file}`, { key: () => key });
  const flipped = await realAgain.plans.get(rehearsalPlan);
  assert.ok(flipped, 'the flipped plan is visible to a real command');
  assert.throws(() => verifyPlanRecord(key, flipped), UntrustedRecord);
  const flippedRun = await realAgain.journal.getRun(rehearsalRun.id);
  assert.ok(flippedRun);
  assert.throws(() => verifyRunRecord(key, flippedRun), UntrustedRecord);
  await realAgain.close();

  const rehearsalAgain = await openStore(`sqlite:${file}`, { rehearsal: true, key: () => rehearsalKey });
  const flippedReal = await rehearsalAgain.plans.get(realPlan);
  assert.ok(flippedReal);
  assert.throws(() => verifyPlanRecord(rehearsalKey, flippedReal), UntrustedRecord);
  await rehearsalAgain.close();
});
