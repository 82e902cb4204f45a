/** The store's port for runs and the journal. */

import type { ActionStep } from '../../domain/plan.ts';
import type { JournalEntry, RunRecord, RunStatus, StepOutcome, UserState } from '../../domain/journal.ts';

/** A run as stored, with the HMAC that shows Seatkeeper wrote it (null when it was written without a key). */
export interface SignedRunRecord extends RunRecord {
  readonly signature: string | null;
}

/** A journal entry as stored, with the HMAC that shows Seatkeeper wrote it (null when it was written without a key). */
export interface SignedJournalEntry extends JournalEntry {
  readonly signature: string | null;
  /**
   * The account (user key) the entry is about: the plan row's, else the prior state's; null for an old entry that
   * recorded neither. Outside the signature: believe it only as far as the signed prior state's key agrees.
   */
  readonly userKey: string | null;
}

/** Whom "every change to one user" is about: an account by its key, or (key unknown) a username. */
export interface JournalAccount {
  /** Entries recorded for this key are the account's whatever username they name; null: select by username alone. */
  readonly userKey: string | null;
  /** Entries without a key are matched by this username, exactly, as before keys were recorded. */
  readonly username: string;
}

/** An account the journal knows under a username, and the newest entry that says so. */
export interface JournalNameHolder {
  readonly userKey: string;
  readonly lastEntryId: number;
}

/** Runs and the journal: each step written before it is sent and settled after, which is what undo and restore replay. */
export interface JournalRepository {
  /**
   * Opens the one run of a plan. Conflict when the plan has a run already, whatever its status: of any number of
   * concurrent starts exactly one wins, so a plan is applied once.
   */
  startRun(input: { planId: string; instance: string; startedAt: Date }): Promise<SignedRunRecord>;
  /** The run that carries out a plan; null when it never started. */
  runOfPlan(planId: string): Promise<SignedRunRecord | null>;
  /**
   * Writes a step as `claimed` with the user's prior state, before the remote call. Returns the entry id. `userKey` is
   * the account the plan row names; absent or empty, the prior state's key is recorded (or none).
   */
  claim(input: { runId: string; username: string; userKey?: string | null; seq: number; step: ActionStep; prior: UserState | null; at: Date }): Promise<number>;
  /** Records how a claimed step ended. */
  settle(entryId: number, outcome: Exclude<StepOutcome, 'planned' | 'claimed'>, error: string | null, at: Date): Promise<void>;
  finishRun(runId: string, status: RunStatus, finishedAt: Date): Promise<void>;
  /**
   * Opens a finished or interrupted run again for `seatkeeper resume` (status back to `running`); Conflict for a run
   * that finished `done`, NotFound for an unknown one.
   */
  reopenRun(runId: string): Promise<void>;
  /** Moves a `failed` or `skipped` entry back to `claimed` so a resume retries it; its prior state is kept. */
  reclaim(entryId: number, at: Date): Promise<void>;
  getRun(runId: string): Promise<SignedRunRecord | null>;
  /** Runs newest first, of one instance and/or in one status when given. */
  listRuns(instance?: string, status?: RunStatus): Promise<SignedRunRecord[]>;
  /** Entries per outcome for each run of an instance (all instances when omitted), or of the one run given, by run id; runs without entries are absent. */
  outcomeCounts(instance?: string, runId?: string): Promise<Map<string, Record<StepOutcome, number>>>;
  entries(runId: string): Promise<SignedJournalEntry[]>;
  /** Every entry under one username across runs, oldest first, whichever account it was. */
  entriesForUser(instance: string, username: string): Promise<SignedJournalEntry[]>;
  /**
   * Every entry for one account across runs, oldest first: those recorded for its key under any username, and those
   * without a key under its username. With no key, every entry under the username.
   */
  entriesForAccount(instance: string, account: JournalAccount): Promise<SignedJournalEntry[]>;
  /**
   * The accounts the journal knows under a username (case-insensitively): entries made under it, or renames done to
   * it; newest first. Entries without a key name no account.
   */
  holdersOfName(instance: string, username: string): Promise<JournalNameHolder[]>;
}
