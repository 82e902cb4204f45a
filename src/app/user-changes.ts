/**
 * Use case: plan changes a person asks for by hand (groups, deactivation, e-mail, display name, rename) on one
 * instance. Every request is checked against the newest scan first; the plan is stored like a policy plan and goes
 * through the same guards, approval, journaled apply, resume and undo. Nothing here calls the instance.
 */

import type { Store } from './store-port.ts';
import type { Clock } from './clock.ts';
import type { PlanOutcome } from './plan-instance.ts';
import type { ScanRecord } from './store/scan-repository-port.ts';
import type { Protection } from '../domain/policy.ts';
import type { SafetyLimits } from '../domain/safety-guard.ts';
import type { InstanceSnapshot } from '../domain/snapshot.ts';
import { checkUserChanges, changesPlan, emailDomainMove, type CheckedChanges, type UserChangeRequest, type UserChangeVerdict } from '../domain/user-changes.ts';
import type { ActionStep, Plan } from '../domain/plan.ts';
import type { PlanStatus } from './store/plan-repository-port.ts';
import type { GuardVerdict } from '../domain/safety-guard.ts';
import { unableReason } from '../domain/step-capability.ts';
import { InvalidInput, NotFound, RequestsRefused } from '../domain/errors.ts';
import { requireSaneScan } from './plan-instance.ts';
import { holdOf, screenPlan, waitingMessage } from './plan-guards.ts';
import { raiseGuardAlert, resolvePlanAlerts } from './guard-alerts.ts';
import { applyPlan, type RunDeps, type RunReport } from './apply-plan.ts';

/** What `planUserChanges` found: a verdict per request and the stored plan, unless nothing was planned (and why). */
export interface UserChangesOutcome {
  readonly instance: string;
  readonly scanId: string;
  readonly verdicts: readonly UserChangeVerdict[];
  readonly refused: number;
  /** The stored plan with the guards' verdict; null when nothing was planned. */
  readonly planned: PlanOutcome | null;
  /** Why nothing was planned: refused requests (without validOnly), or nothing to change. Null when planned. */
  readonly notPlanned: string | null;
}

/** What to plan: the requests, the guards' settings, and who asks. */
export interface UserChangesInput {
  readonly instance: string;
  readonly requests: readonly UserChangeRequest[];
  readonly protection: Protection;
  readonly limits: SafetyLimits;
  /** Who asks: named in each row's reason and recorded as the plan's maker. */
  readonly actor: string;
  /** Plan the requests that passed even when others were refused (default: any refusal plans nothing). */
  readonly validOnly?: boolean;
  /** A refusal (without validOnly) is reported in the outcome (default), or thrown as RequestsRefused. */
  readonly onRefusal?: 'report' | 'throw';
}

/** The newest scan, which must be sane to plan on (as for a policy plan), with its snapshot. */
async function saneScan(store: Store, instance: string, now: Date, limits: SafetyLimits): Promise<{ scan: ScanRecord; snapshot: InstanceSnapshot }> {
  const scan = await store.scans.latest(instance);
  if (scan === null) throw new NotFound(`instance ${instance} has not been scanned yet`, { next: { kind: 'scan', instance } });
  await requireSaneScan(store, scan, limits, now);
  return { scan, snapshot: await store.scans.loadSnapshot(scan.id) };
}

/** The requests checked against the newest sane scan, with the scan's snapshot and the rows of the ok requests. */
async function checkAgainstScan(store: Store, clock: Clock, input: UserChangesInput): Promise<{ scan: ScanRecord; snapshot: InstanceSnapshot; checked: CheckedChanges; refused: number }> {
  if (input.requests.length === 0) throw new InvalidInput('no changes were asked for', ['name a user and a change, or give a file of changes']);
  const { scan, snapshot } = await saneScan(store, input.instance, clock.now(), input.limits);
  const checked = checkUserChanges({ snapshot, requests: input.requests, protection: input.protection, requestedBy: input.actor });
  const refused = checked.verdicts.filter((v) => v.status === 'refused').length;
  if (refused > 0 && input.validOnly !== true && input.onRefusal === 'throw') throw refusedError(snapshot, input.requests, checked.verdicts);
  return { scan, snapshot, checked, refused };
}

/** What the instance's API cannot do at all of a request (a rename, an e-mail change), from the scan's capabilities. */
function cannotDo(snapshot: InstanceSnapshot, request: UserChangeRequest): string[] {
  const asked: ActionStep[] = [
    ...(request.renameTo === undefined ? [] : [{ kind: 'rename' as const, to: request.renameTo }]),
    ...(request.email === undefined ? [] : [{ kind: 'set-email' as const, email: request.email }]),
    ...(request.displayName === undefined ? [] : [{ kind: 'set-display-name' as const, displayName: request.displayName }]),
    ...(request.deactivate === true ? [{ kind: 'disable' as const }] : []),
    ...(request.reactivate === true ? [{ kind: 'enable' as const }] : []),
  ];
  return asked.flatMap((step) => unableReason(snapshot.capabilities, step) ?? []);
}

/** The refusal of a whole list, each refused request with its reasons; `instanceCannot` when one asks the impossible. */
function refusedError(snapshot: InstanceSnapshot, requests: readonly UserChangeRequest[], verdicts: readonly UserChangeVerdict[]): RequestsRefused {
  const rows = verdicts.filter((v) => v.status === 'refused').map((v) => ({ index: v.index, username: v.username, reasons: [...v.reasons] }));
  const instanceCannot = rows.some((r) => {
    const request = requests[r.index];
    return request !== undefined && cannotDo(snapshot, request).length > 0;
  });
  const what = rows.length === 1 ? '1 request was refused' : `${rows.length} requests were refused`;
  const why = instanceCannot ? `; instance ${snapshot.instance} cannot do what one of them asks` : '';
  return new RequestsRefused(`${what}, so nothing was planned${why}`, rows, instanceCannot);
}

/** Why nothing is planned from checked requests, or null when there is a plan to make. */
function notPlannedBecause(refused: number, rows: number, validOnly: boolean): string | null {
  if (refused > 0 && !validOnly) {
    const what = refused === 1 ? '1 request was refused' : `${refused} requests were refused`;
    return `${what}, so nothing was planned: fix or drop ${refused === 1 ? 'it' : 'them'}, or plan the valid ones only`;
  }
  return rows === 0 ? 'nothing to change: every valid request already holds' : null;
}

/** What a dry run found: the verdicts, and the plan (not stored) with the guards' verdict on it. */
export interface UserChangesPreview {
  readonly instance: string;
  readonly scanId: string;
  readonly verdicts: readonly UserChangeVerdict[];
  readonly refused: number;
  /** The plan that would be stored and its screening; null when nothing would be planned. */
  readonly planned: { readonly plan: Plan; readonly status: PlanStatus; readonly verdict: GuardVerdict } | null;
  readonly notPlanned: string | null;
}

/** Checks the requests and builds their plan as planUserChanges would, storing nothing and raising no alert. */
export async function previewUserChanges(deps: { store: Store; clock: Clock }, input: UserChangesInput): Promise<UserChangesPreview> {
  const { scan, snapshot, checked, refused } = await checkAgainstScan(deps.store, deps.clock, input);
  const base = { instance: input.instance, scanId: scan.id, verdicts: checked.verdicts, refused };
  const notPlanned = notPlannedBecause(refused, checked.rows.length, input.validOnly === true);
  if (notPlanned !== null) return { ...base, planned: null, notPlanned };
  const plan = changesPlan({ snapshot, rows: checked.rows, now: deps.clock.now() });
  return { ...base, planned: { plan, ...screenPlan(plan, snapshot, input.limits) }, notPlanned: null };
}

/**
 * Checks every request, and stores a `changes` plan of the ok ones when none was refused (or `validOnly`). The plan
 * is screened like a policy plan: over the limits it waits for approval, and one that would leave too few
 * administrators is refused. Apply it with applyPlan.
 */
export async function planUserChanges(deps: { store: Store; clock: Clock }, input: UserChangesInput): Promise<UserChangesOutcome> {
  const { store, clock } = deps;
  const { scan, snapshot, checked, refused } = await checkAgainstScan(store, clock, input);
  const base = { instance: input.instance, scanId: scan.id, verdicts: checked.verdicts, refused };
  const notPlanned = notPlannedBecause(refused, checked.rows.length, input.validOnly === true);
  if (notPlanned !== null) return { ...base, planned: null, notPlanned };
  const plan = changesPlan({ snapshot, rows: checked.rows, now: clock.now() });
  const { status, verdict } = screenPlan(plan, snapshot, input.limits);
  const hold = holdOf(verdict);
  const planId = await store.plans.save(plan, status, { createdBy: input.actor, hold });
  if (status === 'planned') await resolvePlanAlerts(store, { instance: plan.instance, planId }, clock.now());
  if (hold !== null) {
    const message = status === 'waiting-approval' ? waitingMessage(planId, hold) : `plan ${planId} was refused: ${hold.message}`;
    await raiseGuardAlert(store, { instance: plan.instance, scanId: plan.scanId, guard: hold.guard, message }, clock.now());
  }
  return { ...base, planned: { planId, plan, scan, verdict, status }, notPlanned: null };
}

/** The plan of the requests and its run; `report` is null when nothing was planned, a guard holds the plan, or interrupted. */
export interface UserChangesApplied extends UserChangesOutcome {
  readonly report: RunReport | null;
}

/**
 * Plans the requests and applies the plan at once when every guard lets it (the `--yes` path): the same plan, checks,
 * journal and undo as planning and applying one after the other. A plan held for approval is returned unapplied.
 */
export async function planAndApplyUserChanges(
  deps: RunDeps & { readonly onPlanned?: (outcome: UserChangesOutcome) => void },
  input: UserChangesInput,
): Promise<UserChangesApplied> {
  const outcome = await planUserChanges(deps, input);
  deps.onPlanned?.(outcome);
  const planned = outcome.planned;
  if (planned === null || !planned.verdict.ok || deps.interrupt?.aborted === true) return { ...outcome, report: null };
  const report = await applyPlan(deps, { planId: planned.planId, limits: input.limits, protection: input.protection });
  return { ...outcome, report };
}

/**
 * The requests that move every e-mail address of domain `from` to `to` on the instance, from its newest scan: the
 * bulk form of planUserChanges for a company acquisition. InvalidInput when no address is in `from`.
 */
export async function emailDomainMoveRequests(
  deps: { store: Pick<Store, 'scans'> },
  input: { instance: string; from: string; to: string },
): Promise<UserChangeRequest[]> {
  const scan = await deps.store.scans.latest(input.instance, { status: 'complete' });
  if (scan === null) throw new NotFound(`instance ${input.instance} has no complete scan yet`, { next: { kind: 'scan', instance: input.instance } });
  const requests = emailDomainMove((await deps.store.scans.loadSnapshot(scan.id)).users, input.from, input.to);
  if (requests.length === 0) {
    throw new InvalidInput(`no user of instance ${input.instance} has an e-mail address in ${input.from}`, [`scan ${scan.id} was read; domains compare case-insensitively, subdomains are not matched`]);
  }
  return requests;
}
