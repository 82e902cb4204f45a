/** Journal types: every change Seatkeeper makes is written here before it is sent, with the user's prior state. */

import type { AccountStatus } from './snapshot.ts';
import type { ActionStep } from './plan.ts';

/** A user's state as read from the target just before a change: what undo restores. */
export interface UserState {
  readonly username: string;
  /**
   * The user key the target answered with, when it has one: lets a run check after a write that the account changed is
   * the planned one (a username can be re-used or reach another account through a proxy; the key cannot).
   */
  readonly userKey?: string;
  readonly status: AccountStatus;
  readonly displayName: string;
  /** The e-mail address as read (null: the product gave none); absent in entries journaled before it was recorded. */
  readonly email?: string | null;
  /** Direct group memberships, sorted. */
  readonly groups: readonly string[];
  /** Whether the user holds some application individually. */
  readonly useGrant: boolean;
  /**
   * Keys of the applications the user holds individually, sorted; absent in entries journaled before applications were
   * recorded, which read `useGrant` as Confluence's one application (action-step.ts directApplicationsOf).
   */
  readonly directApplications?: readonly string[];
  /**
   * Other global permissions the user holds individually (`targetType/operationKey`, e.g. `space/create`), sorted.
   * Confluence removes them all when "can use" is revoked, so undo of a revoke grants them back.
   */
  readonly otherPermissions: readonly string[];
}

export type StepOutcome = 'planned' | 'claimed' | 'done' | 'already-done' | 'failed' | 'skipped';

/** One journaled step of a run. */
export interface JournalEntry {
  readonly id: number;
  readonly runId: string;
  readonly username: string;
  readonly seq: number;
  readonly step: ActionStep;
  readonly outcome: StepOutcome;
  readonly prior: UserState | null;
  readonly error: string | null;
  readonly at: string;
}

export type RunStatus = 'running' | 'done' | 'done-with-failures' | 'stopped';

export interface RunRecord {
  readonly id: string;
  readonly planId: string;
  readonly instance: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly status: RunStatus;
}
