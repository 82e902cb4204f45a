/** The store's port for unwritable groups. */

/** A group the instance refused to change: later plans leave its memberships alone and say why. */
export interface UnwritableGroup {
  readonly group: string;
  /** What the instance said the first time. */
  readonly message: string;
  /** ISO-8601 of the first refusal. */
  readonly refusedAt: string;
}

/** Groups the instance refused to change, remembered per instance. */
export interface UnwritableGroupRepository {
  /** Records a refusal; the first one per group (case-insensitive) is kept. */
  remember(input: { instance: string; group: string; message: string; at: Date }): Promise<void>;
  /** The instance's unwritable groups, by name. */
  list(instance: string): Promise<UnwritableGroup[]>;
  /** Forgets one (e.g. after the directory was made writable); false when it was not remembered. */
  forget(instance: string, group: string): Promise<boolean>;
}
