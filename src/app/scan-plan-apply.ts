/**
 * Use case: scan an instance, plan its policies on what the scan read, and apply the plan when every guard lets it:
 * the one path behind `apply --yes`, `run POLICY` and every scheduled run (run-policy.ts). `scanAndPlan` is its first
 * half, for front doors that plan without applying.
 */

import type { InstanceConnector } from './instance-port.ts';
import type { OrgDirectory } from './directory-port.ts';
import type { Store } from './store-port.ts';
import type { Clock } from './clock.ts';
import type { InactiveUsersPolicy, Protection } from '../domain/policy.ts';
import type { SafetyLimits } from '../domain/safety-guard.ts';
import { scanInstance, type ScanOutcome, type ScanProgress } from './scan-instance.ts';
import { planInstance, type PlanOutcome } from './plan-instance.ts';
import { applyPlan, type RunDeps, type RunReport } from './apply-plan.ts';

/** What to plan: the instance's policies, the guards' settings, and who is planning. */
export interface PlanRequest {
  readonly instance: string;
  readonly policies: readonly InactiveUsersPolicy[];
  readonly protection: Protection;
  readonly limits: SafetyLimits;
  /** The admin making the plan: recorded as its maker. */
  readonly actor: string;
  /** Groups whose members the scan must read (protected, excluded and processing groups). */
  readonly mustRead: readonly string[];
}

/** How a front door follows the scan and the plan. */
export interface PlanWatch {
  /** Sees the scan's progress. */
  readonly scanProgress?: ScanProgress;
  /** Sees the scan once it is stored, before the plan is made. */
  readonly onScanned?: (scanned: ScanOutcome) => void;
  /** Sees the plan once it is stored, before anything is applied: the front door says what is about to happen. */
  readonly onPlanned?: (planned: PlanOutcome) => void;
}

/** What scanning and planning need: a connector to scan with (none: plan on the newest stored scan). */
export interface ScanPlanDeps extends PlanWatch {
  readonly store: Store;
  readonly clock: Clock;
  readonly connector?: InstanceConnector;
  readonly concurrency?: number;
  readonly directories?: ReadonlyMap<string, OrgDirectory>;
  readonly signal?: AbortSignal;
}

/** The scan (null when planned on a stored one) and the stored plan with the guards' verdict. */
export interface ScanPlanOutcome {
  readonly scanned: ScanOutcome | null;
  readonly planned: PlanOutcome;
}

/** Scans (when given a connector), then plans on what the scan read; an incomplete scan trips the scan guard by its id. */
export async function scanAndPlan(deps: ScanPlanDeps, input: PlanRequest): Promise<ScanPlanOutcome> {
  const { store, clock, connector } = deps;
  let scanned: ScanOutcome | null = null;
  if (connector !== undefined) {
    scanned = await scanInstance({
      connector,
      store,
      clock,
      concurrency: deps.concurrency ?? 4,
      mustRead: input.mustRead,
      ...(deps.scanProgress === undefined ? {} : { progress: deps.scanProgress }),
      ...(deps.signal === undefined ? {} : { signal: deps.signal }),
    });
    deps.onScanned?.(scanned);
  }
  // Plan on what the scan just read; an incomplete scan has no snapshot and trips the scan guard by its id.
  const source = scanned === null ? {} : scanned.snapshot ? { snapshot: scanned.snapshot } : { scanId: scanned.scan.id };
  const planned = await planInstance(
    { store, clock, ...(deps.directories === undefined ? {} : { directories: deps.directories }) },
    { instance: input.instance, policies: input.policies, protection: input.protection, limits: input.limits, actor: input.actor, ...source },
  );
  deps.onPlanned?.(planned);
  return { scanned, planned };
}

/** The scan, the plan, and the run when the plan was applied (null: held by a guard, `shouldApply` said no, or interrupted). */
export interface ScanPlanApplyOutcome extends ScanPlanOutcome {
  readonly report: RunReport | null;
  /** The interrupt came before the run started: the plan is stored, no run was opened. */
  readonly interrupted: boolean;
}

/**
 * Scans, plans and applies the plan when the guards let it (and `shouldApply`, if given, agrees). A plan over a limit
 * or refused is stored and returned unapplied: the caller decides whether that is an error. Guards that trip on the
 * scan or the run throw GuardTripped, as applyPlan does.
 */
export async function scanPlanApply(
  deps: RunDeps & PlanWatch & { readonly directories?: ReadonlyMap<string, OrgDirectory> },
  input: PlanRequest & { readonly shouldApply?: (planned: PlanOutcome) => boolean },
): Promise<ScanPlanApplyOutcome> {
  const { scanned, planned } = await scanAndPlan(deps, input);
  if (!planned.verdict.ok || input.shouldApply?.(planned) === false) return { scanned, planned, report: null, interrupted: false };
  // Stopped while scanning or planning: no run is opened, rather than one that stops before its first row.
  if (deps.interrupt?.aborted === true) return { scanned, planned, report: null, interrupted: true };
  const report = await applyPlan(deps, { planId: planned.planId, limits: input.limits, protection: input.protection });
  return { scanned, planned, report, interrupted: false };
}
