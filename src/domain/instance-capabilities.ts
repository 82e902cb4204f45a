/**
 * What an instance can do, as its connector read it (version, configuration, routes that answered). Recorded with each
 * snapshot; the planner and the runner read these instead of naming a product, and a "not possible" row is phrased
 * from them. Defaults are the cautious reading: what every supported version can do.
 */

export interface InstanceCapabilities {
  /** The product's name for people ("Confluence", "Jira"): used only inside human sentences, never in logic. */
  readonly productName: string;
  /** Where last-login dates come from: the REST listing, the read-only database, or one REST read per user. */
  readonly lastLogin: 'rest' | 'database' | 'rest-per-user';
  /**
   * What a group's member list yields: `direct` members only (a database's cwd_membership), or a list that may be
   * `flattened` with the members of child groups (REST member lists), from which the scan derives direct memberships.
   */
  readonly memberLists: 'direct' | 'maybe-flattened';
  /** Whether a user can hold an application individually (Confluence's "can use" per user); false: only through groups. */
  readonly directGrants: boolean;
  /** Whether revoking an individual grant also removes the user's other individual permissions (Confluence does). */
  readonly revokeTakesOtherPermissions: boolean;
  readonly disable: boolean;
  /** Username rename over the product's API. */
  readonly rename: boolean;
  /** Display-name change over the product's API. */
  readonly updateDisplayName: boolean;
  /** E-mail change over the product's API. */
  readonly updateEmail: boolean;
}

/** What a snapshot taken before capabilities were recorded is read with: Confluence DC's as they were then. */
export const LEGACY_CONFLUENCE_CAPABILITIES: InstanceCapabilities = {
  productName: 'Confluence',
  lastLogin: 'rest',
  memberLists: 'maybe-flattened',
  directGrants: true,
  revokeTakesOtherPermissions: true,
  disable: true,
  rename: false,
  updateDisplayName: true,
  updateEmail: false,
};
