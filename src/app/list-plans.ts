/**
 * Use case: the stored plans of an instance (or all), newest first, each with its status, size, the seats it frees and
 * the run that applied it; and the seat counts a plan or a run leaves, for `plan`, `apply` and `plans`.
 */

import type { PlanStatus, StoredPlan } from './store/plan-repository-port.ts';
import type { Store } from './store-port.ts';
import type { Plan, PlanRow } from '../domain/plan.ts';
import type { JournalEntry, RunStatus } from '../domain/journal.ts';
import { NameSet } from '../domain/names.ts';

/** The planner's words on a row whose user keeps a seat through something the policy does not remove (planner.ts). */
const KEEPS_SEAT = 'keeps a seat through ';

/** Whether carrying out the row takes the user's seat away, as the planner judged it. */
export function rowFreesSeat(plan: Pick<Plan, 'seatGroups'>, row: PlanRow): boolean {
  if (row.reason.rule === 'undo') return false;
  if (row.freesSeat !== undefined) return row.freesSeat;
  // A plan made before rows said so: judged from its words and steps.
  if (row.notes.some((note) => note.startsWith(KEEPS_SEAT))) return false;
  const seatGroups = plan.seatGroups === undefined ? null : new NameSet(plan.seatGroups);
  return row.steps.some(
    (step) =>
      step.kind === 'disable' ||
      step.kind === 'revoke-use-grant' ||
      step.kind === 'revoke-application' ||
      (step.kind === 'remove-group' && (seatGroups === null || seatGroups.has(step.group))),
  );
}

/** Seats in use when the plan was made, the tier, and how many the plan frees. */
export interface SeatCount {
  readonly used: number;
  /** The licence tier Confluence reported; null when it did not say. */
  readonly max: number | null;
  readonly freed: number;
  readonly after: number;
  /** Per application, where the instance has several (a single application's seats are the line above). */
  readonly applications?: readonly ApplicationSeatCount[];
}

/** One application's seats: users holding it when the plan was made, and after the plan or run. */
export interface ApplicationSeatCount {
  readonly key: string;
  readonly name: string;
  readonly used: number;
  readonly freed: number;
  readonly after: number;
}

/** Per application, `freed` counted by `frees` (rows, or rows a run carried out); absent for one application or none. */
function applicationSeats(plan: Plan, rows: readonly PlanRow[]): { applications?: ApplicationSeatCount[] } {
  if (plan.applications === undefined || plan.applications.length < 2) return {};
  return {
    applications: plan.applications.map((a) => {
      const freed = rows.filter((row) => rowFreesSeat(plan, row) && (row.freesApplications ?? []).includes(a.key)).length;
      return { key: a.key, name: a.name, used: a.held, freed, after: Math.max(0, a.held - freed) };
    }),
  };
}

/** What the plan leaves: seats used at its scan, minus the rows that free one. */
export function planSeats(plan: Plan, max: number | null): SeatCount {
  const freed = plan.rows.filter((row) => rowFreesSeat(plan, row)).length;
  return { used: plan.licensedUsers, max, freed, after: Math.max(0, plan.licensedUsers - freed), ...applicationSeats(plan, plan.rows) };
}

/**
 * What the run left, from its journal: a seat counts as freed only for a row meant to free one whose every step ended
 * done or already done and whose re-read (`confirm-seat-freed`) did not fail; a row not started or partly failed frees
 * none. Undo runs free nothing.
 */
export function runSeats(plan: Plan, max: number | null, entries: readonly JournalEntry[]): SeatCount {
  const byUser = new Map<string, JournalEntry[]>();
  for (const entry of entries) byUser.set(entry.username, [...(byUser.get(entry.username) ?? []), entry]);
  let freed = 0;
  const carried: PlanRow[] = [];
  for (const row of plan.rows) {
    if (!rowFreesSeat(plan, row)) continue;
    const mine = byUser.get(row.username) ?? [];
    const settled = new Set(mine.filter((e) => e.outcome === 'done' || e.outcome === 'already-done').map((e) => e.seq));
    const allSteps = row.steps.every((_, seq) => settled.has(seq));
    const checkFailed = mine.some((e) => e.seq === row.steps.length && e.outcome !== 'done' && e.outcome !== 'already-done');
    if (allSteps && !checkFailed) {
      freed += 1;
      carried.push(row);
    }
  }
  return { used: plan.licensedUsers, max, freed, after: Math.max(0, plan.licensedUsers - freed), ...applicationSeats(plan, carried) };
}

/** One line of `seatkeeper plans`. */
export interface PlanListing {
  readonly id: string;
  readonly instance: string;
  readonly kind: Plan['kind'];
  readonly policies: readonly string[];
  readonly status: PlanStatus;
  readonly rows: number;
  readonly seats: SeatCount;
  readonly createdAt: string;
  readonly createdBy: string | null;
  /** The newest run of the plan, whatever it ended as; null when it never ran. */
  readonly run: { readonly id: string; readonly status: RunStatus } | null;
}

/** The newest `limit` plans, newest first, of one instance or all. */
export async function listPlans(store: Store, input: { instance?: string; limit: number }): Promise<PlanListing[]> {
  const [plans, runs] = await Promise.all([store.plans.list(input.instance, input.limit), store.journal.listRuns(input.instance)]);
  const maxByScan = new Map<string, number | null>();
  const listings: PlanListing[] = [];
  for (const stored of plans) {
    const scanId = stored.plan.scanId;
    if (!maxByScan.has(scanId)) maxByScan.set(scanId, scanId === '' ? null : ((await store.scans.get(scanId))?.license.max ?? null));
    // Runs are newest first: the first one of the plan is its latest.
    const run = runs.find((r) => r.planId === stored.id);
    listings.push(toListing(stored, maxByScan.get(scanId) ?? null, run === undefined ? null : { id: run.id, status: run.status }));
  }
  return listings;
}

function toListing(stored: StoredPlan, max: number | null, run: PlanListing['run']): PlanListing {
  const { plan } = stored;
  return {
    id: stored.id,
    instance: plan.instance,
    kind: plan.kind,
    policies: plan.policies,
    status: stored.status,
    rows: plan.rows.length,
    seats: planSeats(plan, max),
    createdAt: plan.createdAt,
    createdBy: stored.createdBy,
    run,
  };
}
