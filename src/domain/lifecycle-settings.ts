/** The settings of a policy's staged lifecycle (lifecycle.ts decides the stages from them). */

/** What a lifecycle adds to a policy on top of unlicensing at its `inactiveDays` / `neverLoggedInDays`. */
export interface LifecycleSettings {
  /** E-mail the user this many days before the licence goes; null = no notice stage. */
  readonly notice: {
    readonly daysBefore: number;
    /**
     * Default true: a user whose e-mail address is unknown is never unlicensed by this policy, since nobody could warn
     * them (`notice: { required: false }` lets the licence go without the notice).
     */
    readonly required?: boolean;
  } | null;
  /** Deactivate this many calendar days after the unlicense; null = no deactivation stage. */
  readonly deactivateAfterDays: number | null;
  /** Append this to the display name after the last account stage; null = no rename stage. */
  readonly rename: { readonly displayNameSuffix: string } | null;
}
