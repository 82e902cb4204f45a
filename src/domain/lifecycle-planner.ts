/**
 * Plans one policy that has a lifecycle: for each user the stage due now (lifecycle.ts), turned into plan rows for
 * the account stages, notices for the e-mail stage and cancellations for records a login set aside.
 */

import type { InstanceSnapshot, UserSnapshot } from './snapshot.ts';
import type { ActionStep, PlanRow, PolicySummary } from './plan.ts';
import type { LicenceModel } from './licence-model.ts';
import { skipReason, type InactiveUsersPolicy, type Protection } from './policy.ts';
import { noSkips } from './selection-reason.ts';
import { applicationLookup, stepsFor } from './policy-steps.ts';
import { nameKey, NameSet, sameName } from './names.ts';
import {
  decideStage,
  type LifecycleAction,
  type LifecycleCancellation,
  type LifecycleRecord,
  type LifecycleSummary,
  type PlanLifecycle,
  type PlannedNotice,
} from './lifecycle.ts';
import type { LifecycleSettings } from './lifecycle-settings.ts';

/** What the planner shares with every policy it evaluates. */
export interface LifecyclePlanContext {
  readonly snapshot: InstanceSnapshot;
  readonly model: LicenceModel;
  readonly protection: Protection;
  readonly now: Date;
  /** Users sorted by username. */
  readonly users: readonly UserSnapshot[];
  /** Users an earlier policy already acts on (any spelling): the first policy that selects a user wins. */
  readonly taken: NameSet;
  /** The instance's lifecycle records (every policy's). */
  readonly records: readonly LifecycleRecord[];
}

/** One policy's share of the plan. */
export interface LifecyclePolicyPlan {
  readonly rows: PlanRow[];
  readonly notices: PlannedNotice[];
  readonly cancellations: LifecycleCancellation[];
  readonly summary: PolicySummary;
  readonly lifecycle: LifecycleSummary;
}

function isWritable(snapshot: InstanceSnapshot, user: UserSnapshot): boolean {
  // As in the planner: an unknown directory counts as writable only when the snapshot lists no directories at all.
  if (user.directory === null) return snapshot.directories.length === 0;
  const directory = user.directory;
  return snapshot.directories.find((d) => sameName(d.name, directory))?.writable ?? false;
}

/** The display name the rename stage sets: the suffix once, never twice. */
export function suffixedName(displayName: string, suffix: string): string {
  return displayName.endsWith(suffix) ? displayName : `${displayName}${suffix}`;
}

/** Evaluates one policy with a lifecycle against the snapshot and the policy's lifecycle records. */
export function planLifecyclePolicy(
  context: LifecyclePlanContext,
  policy: InactiveUsersPolicy,
  settings: LifecycleSettings,
): LifecyclePolicyPlan {
  const { snapshot, model, protection, now, taken } = context;
  const readOnlyGroups = new NameSet(snapshot.readOnlyGroups);
  const records = new Map(context.records.filter((r) => r.policy === policy.id).map((r) => [nameKey(r.username), r]));
  const skipped = noSkips();
  const rows: PlanRow[] = [];
  const notices: PlannedNotice[] = [];
  const cancellations: LifecycleCancellation[] = [];
  const counts = { notice: 0, unlicense: 0, deactivate: 0, rename: 0, waiting: 0, notPossible: 0 };
  let inactive = 0;
  let neverLoggedIn = 0;

  for (const user of context.users) {
    const seat = model.seatOf(user);
    const record = records.get(nameKey(user.username)) ?? null;
    const { decision, cancelled } = decideStage({ policy, settings, user, licensed: seat.licensed, record, now });
    // Bookkeeping, whoever acts on the user now: the record no longer stands.
    if (cancelled !== null) cancellations.push(cancelled);
    if (decision.status === 'idle' || decision.status === 'finished') continue;
    if (decision.status === 'unwarnable') {
      // Nobody could be warned: the licence stays, counted, unless the policy says notice.required: false.
      if (skipReason(policy, user, seat, { connectedAs: snapshot.connectedAs, protection, inGroup: model.inGroup }) === null) counts.notPossible += 1;
      continue;
    }

    const afterUnlicense = decision.status === 'due' ? decision.action === 'deactivate' || decision.action === 'rename' : decision.next !== 'unlicense';
    // After the unlicense the processing group may be gone with the licence groups: the user is still in scope.
    const scope = afterUnlicense ? { ...policy, select: { ...policy.select, group: null } } : policy;
    let skip = taken.has(user.username)
      ? 'already-selected'
      : skipReason(scope, user, seat, { connectedAs: snapshot.connectedAs, protection, inGroup: model.inGroup });
    // The stages after the unlicense act on users who no longer hold a seat: that is their point.
    if (skip === 'no-seat' && afterUnlicense) skip = null;
    if (skip !== null) {
      skipped[skip] += 1;
      continue;
    }
    if (decision.status === 'waiting') {
      counts.waiting += 1;
      taken.add(user.username);
      continue;
    }

    const writable = isWritable(snapshot, user);
    let steps: ActionStep[];
    const notes = [...decision.notes];
    const action: LifecycleAction = decision.action;
    if (action === 'notice' || action === 'unlicense') {
      const planned = stepsFor(policy, user, seat, writable, readOnlyGroups, snapshot.capabilities, applicationLookup(snapshot.applications, model));
      // A seat the actions cannot free is not warned about or half-handled: the plan counts it instead.
      if (!planned.freed) {
        if (seat.billableGroups.some((g) => readOnlyGroups.has(g))) skipped['seat-in-read-only-group'] += 1;
        else counts.notPossible += 1;
        continue;
      }
      steps = action === 'notice' ? [] : planned.steps;
      notes.push(...planned.notes);
    } else if (!writable || (action === 'deactivate' ? !snapshot.capabilities.disable : !snapshot.capabilities.updateDisplayName)) {
      // Read-only directories own the account flag and the display name, and an instance may not change them over its
      // API: the user stays at the stage reached.
      counts.notPossible += 1;
      continue;
    } else if (action === 'deactivate') {
      steps = [{ kind: 'disable' }];
    } else {
      steps = [{ kind: 'set-display-name', displayName: suffixedName(user.displayName, settings.rename?.displayNameSuffix ?? '') }];
    }

    if (action === 'notice') {
      // lifecycle.ts decides a notice only for a user with an address; the check keeps the types honest.
      if (decision.notice === null || user.email === null) continue;
      notices.push({
        policy: policy.id,
        username: user.username,
        displayName: user.displayName,
        email: user.email,
        stage: 'unlicense',
        dueDate: decision.notice.dueDate,
        inactiveSince: decision.notice.inactiveSince,
        lastLogin: decision.reason.lastLogin,
        reason: decision.reason.text,
      });
    } else {
      rows.push({
        username: user.username,
        userKey: user.userKey,
        displayName: user.displayName,
        directory: user.directory,
        policy: policy.id,
        reason: decision.reason,
        steps,
        notes,
        stage: action,
        // Unlicensing frees a held seat by construction (planned.freed); deactivating frees one still held.
        freesSeat: seat.licensed && (action === 'unlicense' || action === 'deactivate'),
      });
    }
    taken.add(user.username);
    counts[action] += 1;
    if (decision.reason.rule === 'never-logged-in') neverLoggedIn += 1;
    else inactive += 1;
  }

  return {
    rows,
    notices,
    cancellations,
    summary: {
      policy: policy.id,
      selected: inactive + neverLoggedIn,
      byRule: { inactive, neverLoggedIn },
      skipped,
      notYetDue: { neverLoggedIn: 0 },
    },
    lifecycle: { policy: policy.id, ...counts, cancelled: cancellations.length },
  };
}

/** The plan's lifecycle part from each lifecycle policy's share; absent when no policy has a lifecycle. */
export function lifecyclePartOf(parts: readonly LifecyclePolicyPlan[]): { lifecycle?: PlanLifecycle } {
  if (parts.length === 0) return {};
  return {
    lifecycle: {
      notices: parts.flatMap((p) => p.notices),
      cancellations: parts.flatMap((p) => p.cancellations),
      summaries: parts.map((p) => p.lifecycle),
    },
  };
}
