/**
 * HMAC-SHA256 signatures over Seatkeeper's own records (plans, approvals, runs, journal entries), under a key kept
 * outside the store: a row written into the database by anyone else carries no signature that verifies, so nothing is
 * done on its word. Each record kind has its own tag inside the signed text, so a signature of one kind never passes
 * for another.
 */

import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from './plan-hash.ts';
import type { ActionStep } from './plan.ts';
import type { UserState } from './journal.ts';

/** Bytes in a record key. */
export const RECORD_KEY_BYTES = 32;

/**
 * The signing key. The bytes sit in a private field and every way of printing the object shows a placeholder, so the
 * key cannot end up in a log line, a JSON report or an error message by accident.
 */
export class RecordKey {
  readonly #bytes: Buffer;

  private constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }

  /** A key from exactly RECORD_KEY_BYTES bytes; null for any other length. */
  static fromBytes(bytes: Uint8Array): RecordKey | null {
    if (bytes.length !== RECORD_KEY_BYTES) return null;
    return new RecordKey(Buffer.from(bytes));
  }

  /** HMAC-SHA256 of a text, hex. */
  sign(text: string): string {
    return createHmac('sha256', this.#bytes).update(text, 'utf8').digest('hex');
  }

  /**
   * The key a rehearsal signs with, derived from this one: a rehearsal record whose mark is flipped in the database
   * (to pass for a real one, or the reverse) carries a signature the other mode never accepts.
   */
  forRehearsal(): RecordKey {
    return new RecordKey(createHmac('sha256', this.#bytes).update('seatkeeper.rehearsal-key.v1', 'utf8').digest());
  }

  toJSON(): string {
    return '[record key]';
  }

  toString(): string {
    return '[record key]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[record key]';
  }
}

/** What makes a stored plan what it is: its id, its content (through the content hash) and who made it. */
export interface PlanSignedFields {
  readonly id: string;
  /** sha256 of the plan's canonical content (plan-hash.ts): every row, step, instance and scan is under it. */
  readonly hash: string;
  readonly createdBy: string | null;
  /** Read by the four-eyes rule, so a forged list could let the maker approve. */
  readonly policyChangedBy: readonly string[];
  /** When the store saved the plan (ISO-8601): the plan's age is judged from it, so it must not be moved. */
  readonly savedAt: string;
}

/** An approval: which plan, with which content, by whom and when. */
export interface ApprovalSignedFields {
  readonly planId: string;
  readonly planHash: string;
  readonly by: string;
  readonly at: string;
}

/** A run: which plan it carries out, on which instance. */
export interface RunSignedFields {
  readonly id: string;
  readonly planId: string;
  readonly instance: string;
}

/** A journal entry's fields that resume and undo act on: whose step it is, which step, and the state undo restores. */
export interface JournalEntrySignedFields {
  readonly runId: string;
  readonly username: string;
  readonly seq: number;
  readonly step: ActionStep;
  readonly prior: UserState | null;
}

/** Signature of a plan record. */
export function signPlan(key: RecordKey, fields: PlanSignedFields): string {
  return key.sign(canonicalJson({ record: 'seatkeeper.plan.v1', ...fields, policyChangedBy: [...fields.policyChangedBy] }));
}

/** Signature of an approval. */
export function signApproval(key: RecordKey, fields: ApprovalSignedFields): string {
  return key.sign(canonicalJson({ record: 'seatkeeper.approval.v1', ...fields }));
}

/** Signature of a run record. */
export function signRun(key: RecordKey, fields: RunSignedFields): string {
  return key.sign(canonicalJson({ record: 'seatkeeper.run.v1', ...fields }));
}

/** Signature of a journal entry. */
export function signJournalEntry(key: RecordKey, fields: JournalEntrySignedFields): string {
  return key.sign(canonicalJson({ record: 'seatkeeper.journal-entry.v1', ...fields }));
}

/** Whether a stored signature equals the expected one, compared in constant time; false for a missing one. */
export function signatureMatches(stored: string | null | undefined, expected: string): boolean {
  if (stored === null || stored === undefined) return false;
  const a = Buffer.from(stored, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
