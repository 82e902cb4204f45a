/**
 * The API's resources as zod schemas (validated on the way out, and the OpenAPI document's components), with the
 * functions that project the use cases' values onto them: the API's shape is its own, not the store's.
 */

import { z } from 'zod';
import type { ScanRecord } from '../app/store/scan-repository-port.ts';
import type { StoredPlan } from '../app/store/plan-repository-port.ts';
import type { PlanListing } from '../app/list-plans.ts';
import type { RunDetail, RunSummary } from '../app/list-runs.ts';
import { describeStep } from '../domain/action-step.ts';
import type { PlanRow } from '../domain/plan.ts';

/** An id in a path: letters, digits, `_` and `-`, as Seatkeeper makes them. */
export const idParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/) });

const seats = z.object({
  used: z.number().int(),
  max: z.number().int().nullable(),
  freed: z.number().int(),
  after: z.number().int(),
  applications: z.array(z.object({ key: z.string(), name: z.string(), used: z.number().int(), freed: z.number().int(), after: z.number().int() })).optional(),
});

/** A scan as the API shows it. */
export const scanResource = z
  .object({
    id: z.string(),
    instance: z.string(),
    status: z.string(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    error: z.string().nullable(),
    userCount: z.number().int(),
    membershipCount: z.number().int(),
    connectedAs: z.string(),
    lastLoginSource: z.string(),
    licence: z.object({ used: z.number().int().nullable(), max: z.number().int().nullable() }),
    applications: z.array(z.object({ key: z.string(), name: z.string() })),
    warnings: z.array(z.string()),
  })
  .meta({ id: 'Scan' });

/** A stored scan as the API shows it. */
export function toScan(scan: ScanRecord): z.infer<typeof scanResource> {
  return {
    id: scan.id,
    instance: scan.instance,
    status: scan.status,
    startedAt: scan.startedAt,
    finishedAt: scan.finishedAt,
    error: scan.error,
    userCount: scan.userCount,
    membershipCount: scan.membershipCount,
    connectedAs: scan.connectedAs,
    lastLoginSource: scan.lastLoginSource,
    licence: { used: scan.license.used, max: scan.license.max },
    applications: scan.applications.map((a) => ({ key: a.key, name: a.name })),
    warnings: [...scan.warnings],
  };
}

/** A configured instance with licence use from its newest complete scan. */
export const instanceResource = z
  .object({
    id: z.string(),
    product: z.string(),
    url: z.string(),
    /** Licence use from the newest complete scan; null before the first one. */
    licence: z.object({ scanId: z.string(), scannedAt: z.string(), used: z.number().int().nullable(), max: z.number().int().nullable() }).nullable(),
  })
  .meta({ id: 'Instance' });

/** A line of the plan listing. */
export const planSummaryResource = z
  .object({
    id: z.string(),
    instance: z.string(),
    kind: z.string(),
    policies: z.array(z.string()),
    status: z.string(),
    rows: z.number().int(),
    seats,
    createdAt: z.string(),
    createdBy: z.string().nullable(),
    run: z.object({ id: z.string(), status: z.string() }).nullable(),
  })
  .meta({ id: 'PlanSummary' });

/** A plan listing line as the API shows it. */
export function toPlanSummary(listing: PlanListing): z.infer<typeof planSummaryResource> {
  const { applications, ...seatCounts } = listing.seats;
  return { ...listing, policies: [...listing.policies], seats: { ...seatCounts, ...(applications === undefined ? {} : { applications: [...applications] }) } };
}

/** A plan row: the user, the rule and its reason, the steps and notes. */
export const planRowResource = z.object({
  username: z.string(),
  displayName: z.string(),
  directory: z.string().nullable(),
  policy: z.string(),
  reason: z.object({ rule: z.string(), text: z.string(), lastLogin: z.string().nullable(), days: z.number() }),
  steps: z.array(z.string()),
  notes: z.array(z.string()),
});

/** A plan with every row, its reason and its steps. */
export const planResource = z
  .object({
    id: z.string(),
    instance: z.string(),
    kind: z.string(),
    status: z.string(),
    hash: z.string(),
    scanId: z.string(),
    policies: z.array(z.string()),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
    approval: z.object({ by: z.string(), at: z.string() }).nullable(),
    hold: z.object({ guard: z.string(), message: z.string() }).nullable(),
    rows: z.array(planRowResource),
  })
  .meta({ id: 'Plan' });

/** A stored plan as the API shows it. */
export function toPlan(stored: StoredPlan): z.infer<typeof planResource> {
  const { plan } = stored;
  return {
    id: stored.id,
    instance: plan.instance,
    kind: plan.kind,
    status: stored.status,
    hash: plan.hash,
    scanId: plan.scanId,
    policies: [...plan.policies],
    createdAt: plan.createdAt,
    createdBy: stored.createdBy,
    approval: stored.approval === null ? null : { by: stored.approval.by, at: stored.approval.at },
    hold: stored.hold === null ? null : { guard: stored.hold.guard, message: stored.hold.message },
    rows: plan.rows.map(toPlanRow),
  };
}

/** A plan row as the API shows it. */
export function toPlanRow(row: PlanRow): z.infer<typeof planRowResource> {
  return {
    username: row.username,
    displayName: row.displayName,
    directory: row.directory,
    policy: row.policy,
    reason: { rule: row.reason.rule, text: row.reason.text, lastLogin: row.reason.lastLogin, days: row.reason.days },
    steps: row.steps.map(describeStep),
    notes: [...row.notes],
  };
}

const counts = z.object({ claimed: z.number().int(), done: z.number().int(), 'already-done': z.number().int(), failed: z.number().int(), skipped: z.number().int() });

/** A run with its step counts. */
export const runResource = z
  .object({ id: z.string(), planId: z.string(), instance: z.string(), status: z.string(), startedAt: z.string(), finishedAt: z.string().nullable(), counts })
  .meta({ id: 'Run' });

/** A run summary as the API shows it. */
export function toRun(run: RunSummary): z.infer<typeof runResource> {
  return { id: run.id, planId: run.planId, instance: run.instance, status: run.status, startedAt: run.startedAt, finishedAt: run.finishedAt, counts: { ...run.counts } };
}

/** A run with the steps that need attention. */
export const runDetailResource = runResource
  .extend({
    plannedSteps: z.number().int(),
    notStarted: z.number().int(),
    attention: z.array(z.object({ username: z.string(), step: z.string(), outcome: z.string(), error: z.string().nullable(), at: z.string() })),
  })
  .meta({ id: 'RunDetail' });

/** A run detail as the API shows it. */
export function toRunDetail(run: RunDetail): z.infer<typeof runDetailResource> {
  return { ...toRun(run), plannedSteps: run.plannedSteps, notStarted: run.notStarted, attention: run.attention.map((a) => ({ ...a })) };
}

/** A user of the newest complete scan, as `seatkeeper users` lists it. */
export const userResource = z
  .object({
    username: z.string(),
    displayName: z.string(),
    email: z.string().nullable(),
    directory: z.string().nullable(),
    status: z.string(),
    licensed: z.boolean(),
    admin: z.boolean(),
    lastLogin: z.string().nullable(),
    daysSinceLogin: z.number().nullable(),
    firstSeen: z.string(),
    groups: z.array(z.string()),
    changesSinceScan: z.array(z.string()),
  })
  .meta({ id: 'User' });
