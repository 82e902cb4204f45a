/** The store's port for scans. */

import type { InstanceCapabilities } from '../../domain/instance-capabilities.ts';
import type { ApplicationSnapshot, DirectorySnapshot, GroupNesting, InstanceSnapshot, LicenseUsage, Membership, PermissionGrants, UserSnapshot } from '../../domain/snapshot.ts';

/** Where a scan stands: `incomplete` scans are never acted on. */
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
  readonly lastLoginSource: InstanceCapabilities['lastLogin'];
  /** What the instance could do, as its connector read it (scans stored before they were recorded: Confluence DC's then). */
  readonly capabilities: InstanceCapabilities;
  readonly license: LicenseUsage;
  /** Each application's seats and grants (a scan stored before they were recorded: one `confluence` from its grants). */
  readonly applications: readonly ApplicationSnapshot[];
  /** What the scan noticed but could stand on, e.g. unknown status words under the 1 % bar, groups unreadable over REST. */
  readonly warnings: readonly string[];
}

/** What a scan begins with: the probe's answer. */
export interface ScanStart {
  readonly instance: string;
  readonly startedAt: Date;
  readonly connectedAs: string;
  readonly lastLoginSource: InstanceCapabilities['lastLogin'];
  readonly capabilities: InstanceCapabilities;
}

/** How a scan ends: the header fields written when it finishes. */
export interface ScanResult {
  readonly finishedAt: Date;
  readonly status: 'complete' | 'incomplete';
  readonly error: string | null;
  readonly grants: PermissionGrants;
  readonly license: LicenseUsage;
  readonly applications: readonly ApplicationSnapshot[];
  readonly directories: readonly DirectorySnapshot[];
  readonly groups: readonly string[];
  /** Groups whose membership cannot be changed through the instance (read-only directory). */
  readonly readOnlyGroups: readonly string[];
  readonly warnings: readonly string[];
}

/** Scans: each a snapshot of one instance, written in batches and marked complete or incomplete when finished. */
export interface ScanRepository {
  /** Opens a scan in state `running` and returns its id. */
  start(input: ScanStart): Promise<string>;
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
  /**
   * The account a scan lists under a username, compared case-insensitively (the exact spelling first); null when it
   * lists none. For one name, without loading the snapshot.
   */
  accountNamed(scanId: string, username: string): Promise<{ readonly username: string; readonly userKey: string } | null>;
}
