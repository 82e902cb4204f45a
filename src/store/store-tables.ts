/** The store's tables as Kysely types (the lifecycle tables are in lifecycle-tables.ts). */

import type { Generated } from 'kysely';
import type { AccountStatus } from '../domain/snapshot.ts';
import type { RunStatus, StepOutcome } from '../domain/journal.ts';
import type { PlanStatus } from '../app/store/plan-repository-port.ts';
import type { ScanStatus } from '../app/store/scan-repository-port.ts';
import type { LifecycleStagesTable, NoticeJournalTable } from './lifecycle-tables.ts';
import type { AdminAccountsTable, ApiSessionsTable, ApiTokensTable, AuditLogTable, IdempotencyKeysTable } from './security-tables.ts';

// Dates are ISO-8601 UTC text in both dialects (see store-codec.ts); JSON is text too, so both dialects
// hand back the same JavaScript values and one mapping serves both. The enum-typed columns are backed
// by CHECK constraints in the migrations.

/** A scan's header. */
export interface ScansTable {
  seq: Generated<number>;
  id: string;
  instance: string;
  started_at: string;
  finished_at: string | null;
  status: ScanStatus;
  error: string | null;
  user_count: Generated<number>;
  membership_count: Generated<number>;
  nesting_count: Generated<number>;
  connected_as: string;
  /** 'rest' also for 'rest-per-user' (0001's check constraint allows two words): capabilities_json has the exact one. */
  last_login_source: 'rest' | 'database';
  grants_json: string | null;
  license_json: string | null;
  directories_json: string | null;
  read_only_groups_json: string | null;
  groups_json: string | null;
  /** JSON array of what the scan noticed but could stand on (e.g. a group unreadable over REST that grants no seat). */
  warnings_json: string | null;
  /** JSON InstanceCapabilities read by the probe; null for scans stored before they were recorded (migration 0009). */
  capabilities_json: string | null;
  /** JSON ApplicationSnapshot[]; null while running and for scans stored before they were recorded (migration 0010). */
  applications_json: string | null;
  /** 1 when a rehearsal wrote it (SEATKEEPER_REHEARSAL=1); such records are apart from real ones. */
  rehearsal: Generated<0 | 1>;
}

/** A group the instance refused to change through its REST API. */
export interface UnwritableGroupsTable {
  instance: string;
  group_lower: string;
  group_name: string;
  message: string;
  refused_at: string;
}

/** One user account of one scan. */
export interface ScanUsersTable {
  scan_seq: number;
  ord: number;
  username: string;
  user_key: string;
  display_name: string;
  email: string | null;
  status: AccountStatus;
  directory: string | null;
  last_login: string | null;
  /** 0 or 1: SQLite has no boolean type, so both dialects store an integer. */
  login_known: number;
  created_at: string | null;
  first_seen: string;
}

/** One direct membership of one scan. */
export interface ScanMembershipsTable {
  scan_seq: number;
  ord: number;
  group_name: string;
  username: string;
}

/** One group nesting of one scan. */
export interface ScanNestingTable {
  scan_seq: number;
  ord: number;
  parent: string;
  child: string;
}

/** Seatkeeper's memory of one user of one instance. */
export interface UserMemoryTable {
  instance: string;
  username: string;
  /** The account id (user key) the memory belongs to; null for rows from before migration 0011 no scan has matched yet. */
  user_key: string | null;
  first_seen: string;
  last_login: string | null;
  last_licensed_at: string | null;
}

/** A stored plan: canonical JSON plus the columns it is looked up by. */
export interface PlansTable {
  seq: Generated<number>;
  id: string;
  instance: string;
  scan_id: string;
  created_at: string;
  hash: string;
  status: PlanStatus;
  plan_json: string;
  created_by: string | null;
  /** JSON array of who last changed the plan's policies when it was made. */
  policy_changed_by_json: string | null;
  /** JSON of the guard verdict that holds the plan (waiting for approval or refused). */
  hold_json: string | null;
  approved_by: string | null;
  approved_at: string | null;
  rehearsal: Generated<0 | 1>;
  /** When the store saved the plan, by the store's clock: what the plan's age is judged from. */
  saved_at: string | null;
  /** HMAC of the plan record (domain/record-signature.ts); null when written without a key. */
  signature: string | null;
  approval_signature: string | null;
  /** The run that carries the plan out: set once, so a plan runs once. */
  run_id: string | null;
}

/** One run of a plan. */
export interface RunsTable {
  seq: Generated<number>;
  id: string;
  plan_id: string;
  instance: string;
  started_at: string;
  finished_at: string | null;
  status: RunStatus;
  rehearsal: Generated<0 | 1>;
  signature: string | null;
}

/** One journaled step of a run. */
export interface JournalEntriesTable {
  id: Generated<number>;
  run_id: string;
  username: string;
  step_seq: number;
  step_json: string;
  outcome: StepOutcome;
  prior_json: string | null;
  error: string | null;
  claimed_at: string;
  settled_at: string | null;
  signature: string | null;
  /** The account the entry is about (migration 0012); null for entries from before that named no key. Not signed. */
  user_key: string | null;
}

/** A policy's schedule. */
export interface SchedulesTable {
  instance: string;
  policy: string;
  cron: string;
  time_zone: string;
  next_run_at: string;
  last_due_at: string | null;
  last_started_at: string | null;
  last_finished_at: string | null;
  last_outcome: string | null;
  last_detail: string | null;
  claimed_by: string | null;
}

/** Who last changed each policy's config, per instance (the config file cannot say). */
export interface PolicyVersionsTable {
  instance: string;
  policy: string;
  config_hash: string;
  changed_by: string;
  changed_at: string;
}

/** Who may run on an instance, until when. */
export interface RunLeasesTable {
  instance: string;
  holder: string;
  expires_at: string;
  taken_at: string;
}

/** A guard trip, open until acknowledged; one per instance, scan and kind. */
export interface AlertsTable {
  id: Generated<number>;
  instance: string;
  scan_id: string;
  run_id: string | null;
  kind: string;
  message: string;
  created_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_reason: string | null;
  open_key: string | null;
}

/** Every table of the store. */
export interface Database {
  lifecycle_stages: LifecycleStagesTable;
  notice_journal: NoticeJournalTable;
  policy_versions: PolicyVersionsTable;
  alerts: AlertsTable;
  run_leases: RunLeasesTable;
  unwritable_groups: UnwritableGroupsTable;
  schedules: SchedulesTable;
  scans: ScansTable;
  scan_users: ScanUsersTable;
  scan_memberships: ScanMembershipsTable;
  scan_nesting: ScanNestingTable;
  user_memory: UserMemoryTable;
  plans: PlansTable;
  runs: RunsTable;
  journal_entries: JournalEntriesTable;
  admin_accounts: AdminAccountsTable;
  api_tokens: ApiTokensTable;
  api_sessions: ApiSessionsTable;
  audit_log: AuditLogTable;
  idempotency_keys: IdempotencyKeysTable;
}
