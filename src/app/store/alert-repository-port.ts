/** The store's port for alerts. */

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

/** Alerts: raised by guards and run stops, folded while open, acknowledged or resolved. */
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
