/**
 * Checks, before Seatkeeper acts on a record from the store, that Seatkeeper wrote it under this key: the store is
 * shared with whoever can write to the database, so a plan, approval, run or journal entry is believed only when its
 * HMAC (domain/record-signature.ts) verifies. Reading for display needs no key; acting does.
 */

import type { SignedJournalEntry, SignedRunRecord } from './store/journal-repository-port.ts';
import type { StoredPlan } from './store/plan-repository-port.ts';
import { NotAllowed } from '../domain/errors.ts';
import type { NextStep } from '../domain/next-step.ts';
import { escapeControl } from './instance-check.ts';
import { signApproval, signatureMatches, signJournalEntry, signPlan, signRun, type RecordKey } from '../domain/record-signature.ts';

/** What a refused record is. */
export type UntrustedKind = 'plan' | 'approval' | 'run' | 'journal entry';

/**
 * A record Seatkeeper will not act on: it carries no signature (written before records were signed, or by hand) or
 * one that does not verify under this key (altered, forged, or the key changed). NotAllowed, so it exits 2 on the CLI
 * and the scheduler reports it as a failure rather than as a run someone else holds.
 */
export class UntrustedRecord extends NotAllowed {
  constructor(
    message: string,
    readonly kind: UntrustedKind,
    readonly recordId: string,
    readonly unsigned: boolean,
    next?: NextStep,
  ) {
    super(message, next === undefined ? {} : { next });
  }
}

function untrusted(kind: UntrustedKind, id: string, unsigned: boolean, next: string, step?: NextStep): UntrustedRecord {
  const why = unsigned
    ? 'carries no signature: it was written before Seatkeeper signed its records, or not by Seatkeeper'
    : 'has a signature that does not verify: it was not written by Seatkeeper with this key (it was altered or inserted in the database, or the key file changed)';
  // The ids come from the store, which is what is not trusted here: escaped before anyone reads them.
  return new UntrustedRecord(`${kind} ${escapeControl(id)} ${why}; Seatkeeper does not act on it: ${next}`, kind, id, unsigned, step);
}

/** Refuses a plan whose record (id, content hash, maker, policy changers) is unsigned or mis-signed. */
export function verifyPlanRecord(key: RecordKey, stored: StoredPlan): void {
  const expected = signPlan(key, { id: stored.id, hash: stored.plan.hash, createdBy: stored.createdBy, policyChangedBy: stored.policyChangedBy, savedAt: stored.savedAt });
  if (!signatureMatches(stored.signature, expected)) throw untrusted('plan', stored.id, stored.signature === null, 'plan again');
}

/** Refuses a plan's approval that is unsigned or mis-signed; a plan without an approval passes (nothing to believe). */
export function verifyApproval(key: RecordKey, stored: StoredPlan): void {
  const { approval } = stored;
  if (approval === null) return;
  const expected = signApproval(key, { planId: stored.id, planHash: stored.plan.hash, by: approval.by, at: approval.at });
  if (!signatureMatches(stored.approvalSignature, expected)) {
    throw untrusted('approval', `of plan ${stored.id} (by ${approval.by} at ${approval.at})`, stored.approvalSignature === null, 'plan again, and approve the new plan');
  }
}

/** Refuses a run record (id, plan, instance) that is unsigned or mis-signed. */
export function verifyRunRecord(key: RecordKey, run: SignedRunRecord): void {
  const expected = signRun(key, { id: run.id, planId: run.planId, instance: run.instance });
  if (!signatureMatches(run.signature, expected)) {
    throw untrusted('run', run.id, run.signature === null, 'it is left as it is; review it, and plan again for what is left to do', { kind: 'review-run', runId: run.id });
  }
}

/** Refuses a journal entry whose run, user, step number, step or prior state is unsigned or mis-signed. */
export function verifyJournalEntry(key: RecordKey, entry: SignedJournalEntry): void {
  const expected = signJournalEntry(key, { runId: entry.runId, username: entry.username, seq: entry.seq, step: entry.step, prior: entry.prior });
  if (!signatureMatches(entry.signature, expected)) {
    throw untrusted(
      'journal entry',
      `${entry.id} of run ${entry.runId}`,
      entry.signature === null,
      'nothing of its run is resumed or undone on the journal\'s word; review the run and restore by hand what needs it',
    );
  }
}

/** verifyJournalEntry for each entry, stopping at the first refused one (in journal order). */
export function verifyJournalEntries(key: RecordKey, entries: readonly SignedJournalEntry[]): void {
  for (const entry of entries) verifyJournalEntry(key, entry);
}
