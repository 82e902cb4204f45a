/** The store's port for run leases. */

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
