/** Schemas for the lifecycle parts of a stored plan (a row's stage, the notices, cancellations and counts). */

import { z } from 'zod';
import type {
  LifecycleAction,
  LifecycleCancellation,
  LifecycleStage,
  LifecycleSummary,
  PlanLifecycle,
  PlannedNotice,
} from '../domain/lifecycle.ts';

// Annotated with the domain types, and enums built from maps keyed by every member, as in store-json-schema.ts:
// a field or member the domain adds and these miss is a type error.
function enumOf<T extends string>(members: { readonly [K in T]: K }) {
  return z.enum(members);
}

/** The lifecycle stage a plan row carries out. */
export const lifecycleActionSchema: z.ZodType<LifecycleAction> = enumOf<LifecycleAction>({
  notice: 'notice',
  unlicense: 'unlicense',
  deactivate: 'deactivate',
  rename: 'rename',
});

const stageSchema = enumOf<LifecycleStage>({ noticed: 'noticed', unlicensed: 'unlicensed', deactivated: 'deactivated', renamed: 'renamed' });

const noticeSchema: z.ZodType<PlannedNotice> = z.object({
  policy: z.string(),
  username: z.string(),
  displayName: z.string(),
  email: z.string(),
  stage: z.literal('unlicense'),
  dueDate: z.string(),
  inactiveSince: z.string(),
  lastLogin: z.string().nullable(),
  reason: z.string(),
});

const cancellationSchema: z.ZodType<LifecycleCancellation> = z.object({
  policy: z.string(),
  username: z.string(),
  stage: stageSchema,
  enteredAt: z.string(),
  reason: z.string(),
});

const summarySchema: z.ZodType<LifecycleSummary> = z.object({
  policy: z.string(),
  notice: z.number(),
  unlicense: z.number(),
  deactivate: z.number(),
  rename: z.number(),
  waiting: z.number(),
  cancelled: z.number(),
  notPossible: z.number(),
});

/** The lifecycle part of a stored plan. */
export const planLifecycleSchema: z.ZodType<PlanLifecycle> = z.object({
  notices: z.array(noticeSchema),
  cancellations: z.array(cancellationSchema),
  summaries: z.array(summarySchema),
});
