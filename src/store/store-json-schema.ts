/**
 * Schemas for the JSON kept in text columns (grants, licence, directories, plans, journal steps).
 * Stored JSON is parsed back through these rather than trusted, so a row written by an older version,
 * or edited by hand, fails loudly at the boundary instead of deep inside a policy.
 */

import { z } from 'zod';
import type { AccountStatus, ApplicationSnapshot, DirectorySnapshot, LicenseUsage, PermissionGrants } from '../domain/snapshot.ts';
import type { ActionKind, ActionStep, Plan, PlanRow, PolicySummary } from '../domain/plan.ts';
import type { SelectionReason, SkipReason } from '../domain/selection-reason.ts';
import type { UserState } from '../domain/journal.ts';
import type { InstanceCapabilities } from '../domain/instance-capabilities.ts';
import { lifecycleActionSchema, planLifecycleSchema } from './lifecycle-json-schema.ts';

// Each schema is annotated with its domain type, so a field the domain adds and the schema misses is a type
// error; enums and the step union are built from maps keyed by every member, so a new member is one too.

/** A zod enum listing every member of `T`, checked by the compiler. */
function enumOf<T extends string>(members: { readonly [K in T]: K }) {
  return z.enum(members);
}

/** Global grants as stored on a scan header. */
export const permissionGrantsSchema: z.ZodType<PermissionGrants> = z.object({
  useGroups: z.array(z.string()),
  useUsers: z.array(z.string()),
  adminGroups: z.array(z.string()),
  adminUsers: z.array(z.string()),
  source: enumOf<PermissionGrants['source']>({ 'permissions-api': 'permissions-api', config: 'config' }),
});

/** What the instance could do, as stored on a scan header. */
export const instanceCapabilitiesSchema: z.ZodType<InstanceCapabilities> = z.object({
  productName: z.string(),
  lastLogin: enumOf<InstanceCapabilities['lastLogin']>({ rest: 'rest', database: 'database', 'rest-per-user': 'rest-per-user' }),
  memberLists: enumOf<InstanceCapabilities['memberLists']>({ direct: 'direct', 'maybe-flattened': 'maybe-flattened' }),
  directGrants: z.boolean(),
  revokeTakesOtherPermissions: z.boolean(),
  disable: z.boolean(),
  rename: z.boolean(),
  updateDisplayName: z.boolean(),
  updateEmail: z.boolean(),
});

/** Each application's grants and seats as stored on a scan header. */
export const applicationsSchema: z.ZodType<ApplicationSnapshot[]> = z.array(
  z.object({
    key: z.string(),
    name: z.string(),
    groups: z.array(z.string()),
    users: z.array(z.string()),
    defaultGroups: z.array(z.string()),
    seatsUsed: z.number().nullable(),
    seatsMax: z.number().nullable(),
    unlimited: z.boolean(),
  }),
);

/** Licence use as stored on a scan header. */
export const licenseUsageSchema: z.ZodType<LicenseUsage> = z.object({
  used: z.number().nullable(),
  max: z.number().nullable(),
});

/** The instance's directories as stored on a scan header. */
export const directoriesSchema: z.ZodType<DirectorySnapshot[]> = z.array(
  z.object({ name: z.string(), order: z.number(), active: z.boolean(), writable: z.boolean() }),
);

/** The instance's group names as stored on a scan header. */
export const groupNamesSchema: z.ZodType<string[]> = z.array(z.string());

const stepVariants: { readonly [K in ActionKind]: z.ZodType<Extract<ActionStep, { kind: K }>> } = {
  'remove-group': z.object({ kind: z.literal('remove-group'), group: z.string() }),
  'add-group': z.object({ kind: z.literal('add-group'), group: z.string() }),
  'revoke-use-grant': z.object({ kind: z.literal('revoke-use-grant'), restore: z.array(z.string()).optional() }),
  'grant-use': z.object({ kind: z.literal('grant-use'), restore: z.array(z.string()).optional() }),
  'revoke-application': z.object({ kind: z.literal('revoke-application'), application: z.string(), restore: z.array(z.string()).optional() }),
  'grant-application': z.object({ kind: z.literal('grant-application'), application: z.string(), restore: z.array(z.string()).optional() }),
  rename: z.object({ kind: z.literal('rename'), to: z.string() }),
  disable: z.object({ kind: z.literal('disable') }),
  enable: z.object({ kind: z.literal('enable') }),
  'set-display-name': z.object({ kind: z.literal('set-display-name'), displayName: z.string() }),
  'set-email': z.object({ kind: z.literal('set-email'), email: z.string() }),
  'confirm-seat-freed': z.object({ kind: z.literal('confirm-seat-freed') }),
};

/** One journaled or planned change. */
export const actionStepSchema: z.ZodType<ActionStep> = z.union(Object.values(stepVariants));

/** A user's prior state as journaled before a change. */
export const userStateSchema: z.ZodType<UserState> = z.object({
  username: z.string(),
  // Journal entries written before the key was read have none.
  userKey: z.string().optional(),
  status: enumOf<AccountStatus>({ active: 'active', disabled: 'disabled', unknown: 'unknown' }),
  displayName: z.string(),
  // Journal entries written before e-mail was recorded have none.
  email: z.string().nullable().optional(),
  groups: z.array(z.string()),
  useGrant: z.boolean(),
  // Journal entries written before applications were recorded have none (read as useGrant says: action-step.ts).
  directApplications: z.array(z.string()).optional(),
  // Journal entries written before permissions were read have none.
  otherPermissions: z.array(z.string()).default([]),
});

const selectionReasonSchema: z.ZodType<SelectionReason> = z.object({
  rule: enumOf<SelectionReason['rule']>({
    inactive: 'inactive',
    'never-logged-in': 'never-logged-in',
    undo: 'undo',
    'org-status': 'org-status',
    requested: 'requested',
  }),
  text: z.string(),
  lastLogin: z.string().nullable(),
  referenceDate: z.string().nullable(),
  days: z.number(),
  thresholdDays: z.number(),
});

const planRowSchema: z.ZodType<PlanRow> = z.object({
  username: z.string(),
  userKey: z.string(),
  displayName: z.string(),
  directory: z.string().nullable(),
  policy: z.string(),
  reason: selectionReasonSchema,
  steps: z.array(actionStepSchema),
  notes: z.array(z.string()),
  stage: lifecycleActionSchema.optional(),
  // Every field of a row is in the plan's hash: one the schema dropped would make the stored plan look altered.
  freesSeat: z.boolean().optional(),
  freesApplications: z.array(z.string()).optional(),
});

const skipReason = enumOf<SkipReason>({
  'protected-admin': 'protected-admin',
  'protected-connector-account': 'protected-connector-account',
  'excluded-user': 'excluded-user',
  'excluded-group': 'excluded-group',
  'excluded-directory': 'excluded-directory',
  'out-of-scope': 'out-of-scope',
  'no-seat': 'no-seat',
  'unknown-status': 'unknown-status',
  'already-selected': 'already-selected',
  'seat-in-read-only-group': 'seat-in-read-only-group',
});

const policySummarySchema: z.ZodType<PolicySummary> = z.object({
  policy: z.string(),
  selected: z.number(),
  byRule: z.object({ inactive: z.number(), neverLoggedIn: z.number(), orgStatus: z.number().optional() }),
  skipped: z.record(skipReason, z.number()),
  notYetDue: z.object({ neverLoggedIn: z.number() }),
  unknownEmail: z.number().optional(),
});

/** A plan as stored: everything but its hash, which sits in its own column and is checked against this text. */
export const planBodySchema: z.ZodType<Omit<Plan, 'hash'>> = z.object({
  kind: enumOf<Plan['kind']>({ policy: 'policy', undo: 'undo', changes: 'changes' }),
  undoOf: z.array(z.string()),
  instance: z.string(),
  scanId: z.string(),
  createdAt: z.string(),
  policies: z.array(z.string()),
  licensedUsers: z.number(),
  limitBase: z.object({ application: z.string(), name: z.string(), users: z.number() }).optional(),
  seatGroups: z.array(z.string()).optional(),
  applications: z.array(z.object({ key: z.string(), name: z.string(), groups: z.array(z.string()), held: z.number(), freed: z.number() })).optional(),
  rows: z.array(planRowSchema),
  summaries: z.array(policySummarySchema),
  lifecycle: planLifecycleSchema.optional(),
});

/** Parses a JSON column through its schema; says which row is unreadable when it fails. */
export function parseStoredJson<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`Stored ${what} is not valid JSON.`, { cause: error });
  }
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(`Stored ${what} does not match its schema: ${z.prettifyError(result.error)}`);
  return result.data;
}
