/** The store's port for policy versions. */

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
