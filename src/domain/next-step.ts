/**
 * What a person can do next about an error, as data: each front door phrases it in its own words (the CLI names a
 * command and its flags, the REST API returns the kind and ids), so app and domain code never name a command.
 */
export type NextStep =
  /** Read the instance into a snapshot first. */
  | { readonly kind: 'scan'; readonly instance: string }
  /** Look the run up among the runs. */
  | { readonly kind: 'list-runs' }
  /** Look one run's steps over. */
  | { readonly kind: 'review-run'; readonly runId: string }
  /** Look the plan up among the plans, or plan again. */
  | { readonly kind: 'list-plans' }
  /** Look the alert up among the alerts. */
  | { readonly kind: 'list-alerts' }
  /** Continue the run (a plan is applied once), or plan again. */
  | { readonly kind: 'resume-run'; readonly runId: string }
  /** An approver releases the plan; `reason` is the limit it is over. */
  | { readonly kind: 'approve-plan'; readonly planId: string; readonly reason: string }
  /** Apply the plan, which needs nothing more. */
  | { readonly kind: 'apply-plan'; readonly planId: string }
  /** Undo again, forcing past the users changed by hand since. */
  | { readonly kind: 'force-undo' }
  /** Name one of these instances. */
  | { readonly kind: 'choose-instance'; readonly instances: readonly string[] }
  /** Name the instance the run ran on, or none. */
  | { readonly kind: 'instance-of-run'; readonly instance: string };
