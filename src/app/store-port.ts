/** The port the store implements: scans, Seatkeeper's memory of users, plans, runs and the journal. */

import type { GroupNesting, InstanceSnapshot, LicenseUsage, Membership, PermissionGrants, UserSnapshot, DirectorySnapshot } from '../domain/snapshot.ts';
import type { Plan } from '../domain/plan.ts';
import type { JournalEntry, RunRecord, RunStatus, StepOutcome, UserState } from '../domain/journal.ts';
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

export type PlanStatus = 'planned' | 'applied' | 'refused';

export interface StoredPlan {
  readonly id: string;
  readonly status: PlanStatus;
  readonly plan: Plan;
}

export interface PlanRepository {
  /** Stores a plan and returns its id. */
  save(plan: Plan, status: PlanStatus): Promise<string>;
  get(id: string): Promise<StoredPlan | null>;
  setStatus(id: string, status: PlanStatus): Promise<void>;
  latest(instance: string): Promise<StoredPlan | null>;
}

export interface JournalRepository {
  startRun(input: { planId: string; instance: string; startedAt: Date }): Promise<RunRecord>;
  /** Writes a step as `claimed` with the user's prior state, before the remote call. Returns the entry id. */
  claim(input: { runId: string; username: string; seq: number; step: ActionStep; prior: UserState | null; at: Date }): Promise<number>;
  /** Records how a claimed step ended. */
  settle(entryId: number, outcome: Exclude<StepOutcome, 'planned' | 'claimed'>, error: string | null, at: Date): Promise<void>;
  finishRun(runId: string, status: RunStatus, finishedAt: Date): Promise<void>;
  getRun(runId: string): Promise<RunRecord | null>;
  listRuns(instance?: string): Promise<RunRecord[]>;
  entries(runId: string): Promise<JournalEntry[]>;
  /** Every entry for one user across runs, oldest first. */
  entriesForUser(instance: string, username: string): Promise<JournalEntry[]>;
}

/** Everything the use cases need from the store. */
export interface Store {
  readonly scans: ScanRepository;
  readonly memory: UserMemoryRepository;
  readonly plans: PlanRepository;
  readonly journal: JournalRepository;
  close(): Promise<void>;
}
