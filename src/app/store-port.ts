/** The port the store implements: one repository per aggregate (src/app/store/), composed into `Store`. */

import type { ScanRepository } from './store/scan-repository-port.ts';
import type { UserMemoryRepository } from './store/user-memory-repository-port.ts';
import type { PlanRepository } from './store/plan-repository-port.ts';
import type { PolicyVersionRepository } from './store/policy-version-repository-port.ts';
import type { AlertRepository } from './store/alert-repository-port.ts';
import type { JournalRepository } from './store/journal-repository-port.ts';
import type { ScheduleRepository } from './store/schedule-repository-port.ts';
import type { NoticeJournalRepository } from './store/notice-journal-repository-port.ts';
import type { LifecycleRepository } from './store/lifecycle-repository-port.ts';
import type { LeaseRepository } from './store/lease-repository-port.ts';
import type { UnwritableGroupRepository } from './store/unwritable-group-repository-port.ts';
import type { AccountFollowRepository } from './store/account-follow-repository-port.ts';
import type { AdminAccountRepository } from './store/admin-account-repository-port.ts';
import type { ApiTokenRepository } from './store/api-token-repository-port.ts';
import type { SessionRepository } from './store/session-repository-port.ts';
import type { AuditLogRepository } from './store/audit-log-repository-port.ts';
import type { IdempotencyRepository } from './store/idempotency-repository-port.ts';

/** Everything the use cases need from the store. */
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
  /** Moves what Seatkeeper remembers of a user along when the account is renamed. */
  readonly accounts: AccountFollowRepository;
  /**
   * The API's admin accounts, tokens, sessions, audit log and idempotency keys. They are the same people and one log
   * whether the store is opened for a rehearsal or not.
   */
  readonly admins: AdminAccountRepository;
  readonly tokens: ApiTokenRepository;
  readonly sessions: SessionRepository;
  readonly audit: AuditLogRepository;
  readonly idempotency: IdempotencyRepository;
  /**
   * True when opened for a rehearsal (SEATKEEPER_REHEARSAL=1): scans, plans and runs are then written as rehearsal
   * and only rehearsal ones are read; a store opened for real sees only real ones. Each is a world of its own.
   */
  readonly rehearsal: boolean;
  /** The store's clock (SQLite: the process holding the file; PostgreSQL: the server): one time for every process. */
  now(): Promise<Date>;
  close(): Promise<void>;
}
