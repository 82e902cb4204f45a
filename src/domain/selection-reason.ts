/** Why a policy selects a user, and why it leaves one alone: the reasons a plan row and a policy summary carry. */

/** Why a user was selected: the rule and the measurable facts that triggered it. */
export interface SelectionReason {
  /** `undo`: the row puts back what an earlier run changed. `requested`: a person asked for the row's changes by hand. */
  readonly rule: 'inactive' | 'never-logged-in' | 'undo' | 'org-status' | 'requested';
  /** Human sentence, e.g. "last login 2026-03-02, 269 days ago > 90". */
  readonly text: string;
  readonly lastLogin: string | null;
  readonly referenceDate: string | null;
  readonly days: number;
  readonly thresholdDays: number;
}

/** Why a policy looked at a user and did not act on them. */
export type SkipReason =
  | 'protected-admin'
  | 'protected-connector-account'
  | 'excluded-user'
  | 'excluded-group'
  | 'excluded-directory'
  | 'out-of-scope'
  | 'no-seat'
  | 'unknown-status'
  | 'already-selected'
  | 'seat-in-read-only-group';

/** Every skip reason at zero. */
export function noSkips(): Record<SkipReason, number> {
  return {
    'protected-admin': 0,
    'protected-connector-account': 0,
    'excluded-user': 0,
    'excluded-group': 0,
    'excluded-directory': 0,
    'out-of-scope': 0,
    'no-seat': 0,
    'unknown-status': 0,
    'already-selected': 0,
    'seat-in-read-only-group': 0,
  };
}
