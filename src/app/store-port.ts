/** The port the store implements: scans, Seatkeeper's memory of users, plans, runs and the journal. */

import type { GroupNesting, InstanceSnapshot, LicenseUsage, Membership, PermissionGrants, UserSnapshot, DirectorySnapshot } from '../domain/snapshot.ts';
import type { Plan } from '../domain/plan.ts';
import type { JournalEntry, RunRecord, RunStatus, StepOutcome, UserState } from '../domain/journal.ts';
import type { LifecycleRecord, PlannedNotice } from '../domain/lifecycle.ts';
import type { ActionStep } from '../domain/plan.ts';

export type ScanStatus = 'running' | 'complete' | 'incomplete';

/** A scan's header row. */
export interface ScanRecord {
  readonly id: string;
  readonly instance: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly status: ScanStatus;
  /** Why the scan is incomplete. */
  readonly error: string | null;
  readonly userCount: number;
  readonly membershipCount: number;
  readonly connectedAs: string;
  readonly lastLoginSource: 'rest' | 'database';
  readonly license: LicenseUsage;
  /** What the scan noticed but could stand on, e.g. unknown status words under the 1 % bar, groups unreadable over REST. */
  readonly warnings: readonly string[];
}

/** How a scan ends: the header fields written when it finishes. */
export interface ScanResult {
  readonly finishedAt: Date;
  readonly status: 'complete' | 'incomplete';
  readonly error: string | null;
  readonly grants: PermissionGrants;
  readonly license: LicenseUsage;
  readonly directories: readonly DirectorySnapshot[];
  readonly groups: readonly string[];
  /** Groups whose membership cannot be changed through the instance (read-only directory). */
  readonly readOnlyGroups: readonly string[];
  readonly warnings: readonly string[];
}

export interface ScanRepository {
  /** Opens a scan in state `running` and returns its id. */
  start(input: { instance: string; startedAt: Date; connectedAs: string; lastLoginSource: 'rest' | 'database' }): Promise<string>;
  /** Appends a batch of users (callers batch by ~1,000). */
  addUsers(scanId: string, users: readonly UserSnapshot[]): Promise<void>;
  addMemberships(scanId: string, rows: readonly Membership[]): Promise<void>;
  addNesting(scanId: string, rows: readonly GroupNesting[]): Promise<void>;
  finish(scanId: string, result: ScanResult): Promise<void>;
  get(scanId: string): Promise<ScanRecord | null>;
  /** Newest scan of an instance, optionally only complete ones. */
  latest(instance: string, options?: { status?: ScanStatus }): Promise<ScanRecord | null>;
  /** The newest scans of an instance, newest first. */
  recent(instance: string, limit: number): Promise<ScanRecord[]>;
  /** Loads the whole snapshot of a finished scan. */
  loadSnapshot(scanId: string): Promise<InstanceSnapshot>;
}

/** Seatkeeper's own memory of each user, kept across scans (Confluence forgets unlicensed users' logins). */
export interface UserMemory {
  readonly username: string;
  readonly firstSeen: Date;
  readonly lastLogin: Date | null;
  readonly lastLicensedAt: Date | null;
}

export interface UserMemoryRepository {
  /** Records what a scan saw: keeps the earliest first-seen and the latest last login; sets last-licensed when licensed. */
  observe(instance: string, facts: readonly { username: string; seenAt: Date; lastLogin: Date | null; licensed: boolean }[]): Promise<void>;
  /** Memory for the given users (all of the instance when omitted). */
  recall(instance: string, usernames?: readonly string[]): Promise<Map<string, UserMemory>>;
}

/**
 * `waiting-approval`: over `safety.maxActions`/`maxPercent`, released by `seatkeeper approve`; `approved`: released,
 * not yet applied; `refused`: stopped by a guard no approval can lift (e.g. `safety.minAdmins`).
 */
export type PlanStatus = 'planned' | 'waiting-approval' | 'approved' | 'applied' | 'refused';

/** The guard that holds a plan (waiting for approval or refused), as it said when the plan was made. */
export interface PlanHold {
  readonly guard: string;
  readonly count: number;
  readonly limit: number;
  readonly message: string;
}

/** Who released a plan that waited for approval, and when (ISO-8601). */
export interface PlanApproval {
  readonly by: string;
  readonly at: string;
}

export interface StoredPlan {
  readonly id: string;
  readonly status: PlanStatus;
  readonly plan: Plan;
  /** The admin who made the plan; null for plans stored without one. */
  readonly createdBy: string | null;
  /** Who last changed each of the plan's policies when it was made (for `safety.fourEyes`), distinct and sorted. */
  readonly policyChangedBy: readonly string[];
  readonly hold: PlanHold | null;
  /** Kept after the plan is applied: an approved plan is not re-checked against the limits. */
  readonly approval: PlanApproval | null;
  /**
   * When the store saved the plan (ISO-8601), by the store's clock: its age is judged from this, not from
   * `plan.createdAt`, which is the instant the plan was made for (simulated in a rehearsal).
   */
  readonly savedAt: string;
  /** HMAC under the record key over id, hash and makers; null for a plan stored without a key (never acted on). */
  readonly signature: string | null;
  /** HMAC under the record key over the approval and the plan's hash; null when unapproved or approved without a key. */
  readonly approvalSignature: string | null;
}

/** A run as stored, with the HMAC that shows Seatkeeper wrote it (null when it was written without a key). */
export interface SignedRunRecord extends RunRecord {
  readonly signature: string | null;
}

/** A journal entry as stored, with the HMAC that shows Seatkeeper wrote it (null when it was written without a key). */
export interface SignedJournalEntry extends JournalEntry {
  readonly signature: string | null;
}

/** What is recorded about a plan besides its content. */
export interface PlanRecordInput {
  readonly createdBy?: string | null;
  readonly policyChangedBy?: readonly string[];
  readonly hold?: PlanHold | null;
}

export interface PlanRepository {
  /** Stores a plan and returns its id. */
  save(plan: Plan, status: PlanStatus, record?: PlanRecordInput): Promise<string>;
  get(id: string): Promise<StoredPlan | null>;
  setStatus(id: string, status: PlanStatus): Promise<void>;
  latest(instance: string): Promise<StoredPlan | null>;
  /** The newest `limit` plans, newest first, of one instance or all. */
  list(instance: string | undefined, limit: number): Promise<StoredPlan[]>;
  /** Moves a plan from `waiting-approval` to `approved`; Conflict when it is in any other state, NotFound when missing. */
  approve(id: string, by: string, at: Date): Promise<void>;
}

/** The last recorded change of one policy's config on one instance. */
export interface PolicyVersion {
  readonly policy: string;
  /** Fingerprint of the policy as evaluated (approval-guard.ts policyFingerprint). */
  readonly hash: string;
  readonly changedBy: string;
  readonly changedAt: string;
}

/** The config file does not say who changed a policy, so Seatkeeper remembers it: the actor who first planned each version. */
export interface PolicyVersionRepository {
  /**
   * Records the policies' current fingerprints: a new or changed one is credited to `actor` at `at`, an unchanged one
   * keeps its recorded changer. Returns the versions of the given policies after the update.
   */
  observe(instance: string, policies: readonly { policy: string; hash: string }[], actor: string, at: Date): Promise<PolicyVersion[]>;
}

/** A recorded guard trip or run stop, open until someone acknowledges it or its cause clears. */
export interface Alert {
  readonly id: number;
  readonly instance: string;
  readonly scanId: string;
  /** The run it is about (a brake stop, a scheduled run that ended with failures); null for scan and plan guards. */
  readonly runId: string | null;
  /** The guard that tripped, e.g. `scan.incomplete`, `safety.maxActions`, `safety.minAdmins`, `run.failureRate`. */
  readonly kind: string;
  readonly message: string;
  readonly createdAt: string;
  readonly acknowledgedAt: string | null;
  readonly acknowledgedBy: string | null;
  /** When the cause cleared (the next scan complete, a plan within the limits, the run resumed to done), and how. */
  readonly resolvedAt: string | null;
  readonly resolvedReason: string | null;
}

/**
 * How repeats of an alert fold together while it is unresolved: once per scan and kind (a guard that trips on every
 * retry of the same scan), once per run and kind, or never (every brake stop is an event of its own).
 */
export type AlertOnce = 'per-scan' | 'per-run' | 'never';

/** Which unresolved alerts a cleared cause ends. */
export interface AlertResolution {
  readonly instance: string;
  readonly kinds: readonly string[];
  /** Only alerts about this run. */
  readonly runId?: string;
  /** Leave the alerts of this scan open (the one that cleared the cause is not its own cure). */
  readonly exceptScanId?: string;
  readonly reason: string;
  readonly at: Date;
}

export interface AlertRepository {
  /**
   * Records an alert. `once` (default per-scan) folds a repeat into the unresolved alert with the same instance, kind
   * and scan (or run), returned with `created: false`; acknowledged ones count, resolved ones do not.
   */
  raise(input: { instance: string; scanId: string; kind: string; message: string; at: Date; runId?: string; once?: AlertOnce }): Promise<{ alert: Alert; created: boolean }>;
  /** Resolves the matching unresolved alerts; returns them as resolved. */
  resolve(input: AlertResolution): Promise<Alert[]>;
  /** Alerts neither acknowledged nor resolved, oldest first. */
  listOpen(instance?: string): Promise<Alert[]>;
  /** Every alert, resolved and acknowledged ones too, oldest first. */
  listAll(instance?: string): Promise<Alert[]>;
  /** Acknowledges an alert (a second acknowledgement keeps the first); NotFound for an unknown id. */
  acknowledge(id: number, by: string, at: Date): Promise<Alert>;
}

export interface JournalRepository {
  /**
   * Opens the one run of a plan. Conflict when the plan has a run already, whatever its status: of any number of
   * concurrent starts exactly one wins, so a plan is applied once.
   */
  startRun(input: { planId: string; instance: string; startedAt: Date }): Promise<SignedRunRecord>;
  /** The run that carries out a plan; null when it never started. */
  runOfPlan(planId: string): Promise<SignedRunRecord | null>;
  /** Writes a step as `claimed` with the user's prior state, before the remote call. Returns the entry id. */
  claim(input: { runId: string; username: string; seq: number; step: ActionStep; prior: UserState | null; at: Date }): Promise<number>;
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
  /** Entries per outcome for each run of an instance (all instances when omitted), by run id; runs without entries are absent. */
  outcomeCounts(instance?: string): Promise<Map<string, Record<StepOutcome, number>>>;
  entries(runId: string): Promise<SignedJournalEntry[]>;
  /** Every entry for one user across runs, oldest first. */
  entriesForUser(instance: string, username: string): Promise<SignedJournalEntry[]>;
}

/** How a scheduled run ended; `missed` = it fell due while no Seatkeeper process was running and was too late to run. */
export type ScheduleOutcome = 'running' | 'done' | 'done-with-failures' | 'waiting-approval' | 'blocked' | 'failed' | 'missed';

/** A policy's schedule as stored. */
export interface ScheduleRecord {
  readonly instance: string;
  readonly policy: string;
  readonly cron: string;
  readonly timeZone: string;
  readonly nextRunAt: string;
  readonly lastDueAt: string | null;
  readonly lastStartedAt: string | null;
  readonly lastFinishedAt: string | null;
  readonly lastOutcome: ScheduleOutcome | null;
  readonly lastDetail: string | null;
  readonly claimedBy: string | null;
}

export interface ScheduleRepository {
  /**
   * Makes the stored schedules match the config: new ones get `firstDue(cron, zone)`, changed ones too, unchanged
   * ones keep their due time (so a restart never loses or shifts a run), removed policies are dropped.
   */
  sync(wanted: readonly { instance: string; policy: string; cron: string; timeZone: string }[], firstDue: (cron: string, timeZone: string) => Date): Promise<ScheduleRecord[]>;
  list(): Promise<ScheduleRecord[]>;
  /**
   * Claims the run due at `due` by moving the schedule on to `next`, only if no one moved it yet: exactly one of any
   * number of processes wins. Returns whether this caller won.
   */
  claim(input: { instance: string; policy: string; due: string; next: string; by: string; outcome: 'running' | 'missed'; at: Date; detail?: string }): Promise<boolean>;
  /** Records how a claimed run ended. */
  finish(input: { instance: string; policy: string; outcome: ScheduleOutcome; detail: string | null; at: Date }): Promise<void>;
}

/** One notice e-mail as journaled: claimed before it goes to the mail server, settled with the server's answer. */
export interface NoticeEntry {
  readonly id: number;
  readonly instance: string;
  readonly policy: string;
  readonly username: string;
  /** The stage the notice announces. */
  readonly stage: PlannedNotice['stage'];
  /** The period of inactivity it warns about (ISO-8601): a user who came back and left again is warned again. */
  readonly inactiveSince: string;
  readonly recipient: string;
  readonly runId: string;
  readonly claimedAt: string;
  readonly sentAt: string | null;
  readonly messageId: string | null;
  readonly error: string | null;
}

/** How a claim went: this caller sends it; it was sent already; or an earlier attempt stopped mid-send (never resent). */
export type NoticeClaim =
  | { readonly status: 'claimed'; readonly id: number }
  | { readonly status: 'sent'; readonly entry: NoticeEntry }
  | { readonly status: 'in-flight'; readonly entry: NoticeEntry };

export interface NoticeJournalRepository {
  /**
   * Claims a notice before it is sent; unique per instance, policy, user, stage and period of inactivity. A sent notice,
   * or one whose sending was interrupted, is never claimed again; a failed one is, with the new token.
   */
  claim(input: {
    instance: string;
    policy: string;
    username: string;
    stage: PlannedNotice['stage'];
    inactiveSince: Date;
    recipient: string;
    /** sha256 of the keep-access token, hex: the token itself is only in the e-mail. */
    tokenHash: string;
    runId: string;
    at: Date;
  }): Promise<NoticeClaim>;
  /** Records the mail server's answer for a claimed notice. */
  settle(id: number, outcome: { sentAt: Date; messageId: string } | { error: string }): Promise<void>;
  /** Notices of an instance, oldest first; optionally of one user or one run. */
  list(instance: string, filter?: { username?: string; runId?: string }): Promise<NoticeEntry[]>;
  /** The notice a keep-access link belongs to, by the sha256 of its token; null when none. */
  findByTokenHash(tokenHash: string): Promise<NoticeEntry | null>;
}

/** Where each user stands in each policy's staged lifecycle (domain/lifecycle.ts). */
export interface LifecycleRepository {
  /** Every record of an instance. */
  records(instance: string): Promise<LifecycleRecord[]>;
  /** Records that a user entered a stage; entering the stage the user is already in keeps the first entry time. */
  enter(instance: string, record: LifecycleRecord): Promise<void>;
  /** Clears a record if it is still the one entered at `enteredAt`; returns whether it did. */
  clear(instance: string, policy: string, username: string, enteredAt: Date): Promise<boolean>;
}

/** The lease that lets one process run on an instance. */
export interface RunLease {
  readonly instance: string;
  readonly holder: string;
  readonly expiresAt: string;
  readonly takenAt: string;
}

/** One run per instance at a time, across processes: a lease with an expiry, renewed by the holder while it runs. */
export interface LeaseRepository {
  /**
   * Takes the instance's lease for `holder` for `ttlMs` when no one holds it, its holder's lease expired (a crashed
   * process), or `holder` holds it already. Of any number of concurrent takers exactly one wins; the others get the
   * lease that stands. Taking time and expiry are the store's clock, never the caller's: a caller whose clock runs
   * ahead (or says `--now`) cannot find a live lease expired.
   */
  take(input: { instance: string; holder: string; ttlMs: number }): Promise<{ taken: true } | { taken: false; lease: RunLease }>;
  /** Extends the holder's lease to `ttlMs` from now by the store's clock; false when it is no longer the holder's. */
  renew(input: { instance: string; holder: string; ttlMs: number }): Promise<boolean>;
  /** Whether a lease row is still live by the store's clock. */
  isLive(lease: RunLease): Promise<boolean>;
  /** Gives the lease up if `holder` still holds it. */
  release(instance: string, holder: string): Promise<void>;
  /** The instance's lease row, expired or not; null when no one holds it. */
  current(instance: string): Promise<RunLease | null>;
}

/** Everything the use cases need from the store. */
/** A group the instance refused to change: later plans leave its memberships alone and say why. */
export interface UnwritableGroup {
  readonly group: string;
  /** What the instance said the first time. */
  readonly message: string;
  /** ISO-8601 of the first refusal. */
  readonly refusedAt: string;
}

export interface UnwritableGroupRepository {
  /** Records a refusal; the first one per group (case-insensitive) is kept. */
  remember(input: { instance: string; group: string; message: string; at: Date }): Promise<void>;
  /** The instance's unwritable groups, by name. */
  list(instance: string): Promise<UnwritableGroup[]>;
  /** Forgets one (e.g. after the directory was made writable); false when it was not remembered. */
  forget(instance: string, group: string): Promise<boolean>;
}

export interface Store {
  readonly scans: ScanRepository;
  readonly memory: UserMemoryRepository;
  readonly plans: PlanRepository;
  readonly journal: JournalRepository;
  readonly lifecycle: LifecycleRepository;
  readonly notices: NoticeJournalRepository;
  readonly policyVersions: PolicyVersionRepository;
  readonly alerts: AlertRepository;
  readonly schedules: ScheduleRepository;
  readonly leases: LeaseRepository;
  readonly unwritableGroups: UnwritableGroupRepository;
  /**
   * True when opened for a rehearsal (SEATKEEPER_REHEARSAL=1): scans, plans and runs are then written as rehearsal
   * and only rehearsal ones are read; a store opened for real sees only real ones. Each is a world of its own.
   */
  readonly rehearsal: boolean;
  /** The store's clock (SQLite: the process holding the file; PostgreSQL: the server): one time for every process. */
  now(): Promise<Date>;
  close(): Promise<void>;
}
