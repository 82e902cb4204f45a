/** The store's port for the audit log: append-only, each row chained to the one before by its hash. */

/** What a caller records. */
export interface AuditEvent {
  /** Who: an admin account, `token:<id>` owner, or the OS user of a CLI command (`cli:<name>`). */
  readonly actor: string;
  /** What, as a dotted verb: `plan.approve`, `admin.create`, `session.create`. */
  readonly action: string;
  /** On what: a plan, run or account id; null when the action has no single target. */
  readonly target: string | null;
  /** From where: the client address of an API request, `cli` for the command line. */
  readonly address: string | null;
  /** `ok`, `refused` (not allowed, bad input, guard) or `failed`. */
  readonly outcome: 'ok' | 'refused' | 'failed';
  /** Anything else worth keeping, as JSON (never a secret). */
  readonly detail: Readonly<Record<string, unknown>>;
}

/** A stored row of the log, as read: its outcome is the stored word, so a row edited to another one fails its hash. */
export interface AuditRecord extends Omit<AuditEvent, 'outcome'> {
  readonly outcome: string;
  readonly seq: number;
  readonly at: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** The audit log. */
export interface AuditLogRepository {
  /** Appends one row at `at`, chained to the newest one. */
  append(event: AuditEvent, at: Date): Promise<AuditRecord>;
  /** Rows in order from `afterSeq` (exclusive), at most `limit`; the raw stored values, so verify can judge them. */
  read(input: { afterSeq: number; limit: number; since?: Date }): Promise<AuditRecord[]>;
}
