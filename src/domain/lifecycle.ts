/**
 * The staged lifecycle of a policy — notice → unlicense → deactivate → rename — and which stage is due for one user
 * now, from the policy, the user's last login and the user's lifecycle record. Pure: the clock comes in as `now`.
 *
 * Rules, in the words the plan uses:
 * - notice: e-mail the user `daysBefore` days before the licence goes. The licence goes on the later of the day the
 *   policy's threshold is passed and `daysBefore` days after the day the notice was sent, so a notice sent late (a new
 *   policy, a user first seen long inactive) still gives the full warning.
 * - unlicense: the policy's removeGroups/addGroups actions, on that day (or, without a notice stage, as soon as the
 *   policy's threshold is passed, like a policy without a lifecycle).
 * - deactivate: `deactivateAfterDays` calendar days after the unlicense.
 * - rename: the display-name suffix, on the first run after the stage before it (deactivate, else unlicense).
 * - A login after a stage was entered cancels the stages after it and the user starts over; so does a stage whose
 *   effect no longer holds (the user holds a seat again after the unlicense, or is active again after the
 *   deactivation: an undo, or an admin's hand).
 */

import type { SelectionReason } from './selection-reason.ts';
import type { LifecycleSettings } from './lifecycle-settings.ts';
import type { UserSnapshot } from './snapshot.ts';
import { matchRule, type InactiveUsersPolicy } from './policy.ts';
import { noticeAddressProblem } from './notice-address.ts';

/** A stage a user has entered; recorded in the store once it was carried out. */
export type LifecycleStage = 'noticed' | 'unlicensed' | 'deactivated' | 'renamed';

/** What a plan does to move a user into the next stage. */
export type LifecycleAction = 'notice' | 'unlicense' | 'deactivate' | 'rename';

/** The stage each action enters once carried out. */
export const STAGE_ENTERED: Readonly<Record<LifecycleAction, LifecycleStage>> = {
  notice: 'noticed',
  unlicense: 'unlicensed',
  deactivate: 'deactivated',
  rename: 'renamed',
};

/** Where one user stands in one policy's lifecycle. */
export interface LifecycleRecord {
  readonly policy: string;
  readonly username: string;
  readonly stage: LifecycleStage;
  readonly enteredAt: Date;
  /** The user's last login when the stage was entered: a later login cancels the stages after it. */
  readonly lastLoginAtEntry: Date | null;
}

/** An e-mail a plan sends. Not an ActionStep of the account: nothing can undo an e-mail. */
export interface PlannedNotice {
  readonly policy: string;
  readonly username: string;
  readonly displayName: string;
  readonly email: string;
  /** The stage the notice announces. */
  readonly stage: 'unlicense';
  /** The UTC day the licence goes (yyyy-mm-dd). */
  readonly dueDate: string;
  /**
   * The instant inactivity counts from (last login, else creation or first sight): a notice is sent once per stage
   * per period of inactivity, so a user who came back and left again is warned again.
   */
  readonly inactiveSince: string;
  readonly lastLogin: string | null;
  /** "notice: licence goes on 2026-12-10, last login 2026-08-01, 80 days ago > 76". */
  readonly reason: string;
}

/** A lifecycle record a plan clears: the user logged in, or the stage's effect was undone. */
export interface LifecycleCancellation {
  readonly policy: string;
  readonly username: string;
  readonly stage: LifecycleStage;
  readonly enteredAt: string;
  readonly reason: string;
}

/** Per policy with a lifecycle: how many users each stage moves, and how many wait or cannot go on. */
export interface LifecycleSummary {
  readonly policy: string;
  readonly notice: number;
  readonly unlicense: number;
  readonly deactivate: number;
  readonly rename: number;
  /** In a stage whose next stage is not due yet. */
  readonly waiting: number;
  readonly cancelled: number;
  /** Due for a stage that cannot be carried out (read-only directory, a seat the actions cannot free, no address to warn). */
  readonly notPossible: number;
}

/** The lifecycle part of a plan: hashed with it, and kept apart from the rows because none of it is an account step. */
export interface PlanLifecycle {
  readonly notices: readonly PlannedNotice[];
  readonly cancellations: readonly LifecycleCancellation[];
  readonly summaries: readonly LifecycleSummary[];
}

/** What is next for one user. */
export type StageDecision =
  | {
      readonly status: 'due';
      readonly action: LifecycleAction;
      readonly reason: SelectionReason;
      /** For a notice: the day the licence goes and the instant inactivity counts from. */
      readonly notice: { readonly dueDate: string; readonly inactiveSince: string } | null;
      readonly notes: readonly string[];
    }
  | { readonly status: 'waiting'; readonly next: LifecycleAction; readonly dueDate: string }
  /** Nothing in progress and nothing due. */
  | { readonly status: 'idle' }
  /** The unlicense would be due, but the notice stage cannot reach the user (no known e-mail address, or not one address). */
  | { readonly status: 'unwarnable'; readonly why: string }
  /** Every configured stage is done. */
  | { readonly status: 'finished' };

/** The decision, and the record it set aside, if any. */
export interface StageVerdict {
  readonly decision: StageDecision;
  readonly cancelled: LifecycleCancellation | null;
}

const DAY_MS = 86_400_000;

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function startOfDay(date: Date): Date {
  return new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS);
}

function ceilToDay(date: Date): Date {
  return new Date(Math.ceil(date.getTime() / DAY_MS) * DAY_MS);
}

function plusDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

/** Calendar days (UTC) from `then` to `now`: waits between Seatkeeper's own stages do not depend on the hour a run started. */
export function calendarDaysBetween(then: Date, now: Date): number {
  return Math.round((startOfDay(now).getTime() - startOfDay(then).getTime()) / DAY_MS);
}

/** The inactivity facts of a user under a policy: since when, against which threshold; null when no rule applies. */
function inactivity(policy: InactiveUsersPolicy, user: UserSnapshot): { since: Date; threshold: number } | null {
  if (user.lastLogin !== null) {
    return policy.select.inactiveDays === null ? null : { since: user.lastLogin, threshold: policy.select.inactiveDays };
  }
  if (policy.select.neverLoggedInDays === null || !user.loginKnown) return null;
  return { since: user.createdAt ?? user.firstSeen, threshold: policy.select.neverLoggedInDays };
}

/** The policy with its thresholds moved `days` earlier (not below 0): when the notice is due. */
function earlierBy(policy: InactiveUsersPolicy, days: number): InactiveUsersPolicy {
  const shift = (threshold: number | null) => (threshold === null ? null : Math.max(0, threshold - days));
  return {
    ...policy,
    select: { ...policy.select, inactiveDays: shift(policy.select.inactiveDays), neverLoggedInDays: shift(policy.select.neverLoggedInDays) },
  };
}

function lastLoginWords(user: UserSnapshot): string {
  return user.lastLogin === null ? 'never logged in' : `last login ${isoDay(user.lastLogin)}`;
}

/** A reason for the stages after the unlicense, which count from Seatkeeper's own earlier stage rather than from the login. */
function stageReason(user: UserSnapshot, text: string, since: Date, days: number, threshold: number): SelectionReason {
  return {
    rule: user.lastLogin === null ? 'never-logged-in' : 'inactive',
    text,
    lastLogin: user.lastLogin === null ? null : user.lastLogin.toISOString(),
    referenceDate: since.toISOString(),
    days,
    thresholdDays: threshold,
  };
}

/** Why the record no longer stands, or null when it does. */
function voidReason(settings: LifecycleSettings, user: UserSnapshot, licensed: boolean, record: LifecycleRecord): string | null {
  const entry = record.lastLoginAtEntry;
  if (user.lastLogin !== null && (entry === null || user.lastLogin.getTime() > entry.getTime())) {
    return `logged in ${isoDay(user.lastLogin)}, after the stage "${record.stage}" of ${isoDay(record.enteredAt)}: later stages cancelled`;
  }
  if (record.stage !== 'noticed' && licensed) {
    return `holds a seat again since the stage "${record.stage}" of ${isoDay(record.enteredAt)}: later stages cancelled`;
  }
  const disabledByUs = record.stage === 'deactivated' || (record.stage === 'renamed' && settings.deactivateAfterDays !== null);
  if (disabledByUs && user.status === 'active') {
    return `active again since the stage "${record.stage}" of ${isoDay(record.enteredAt)}: later stages cancelled`;
  }
  return null;
}

/** The stage that follows the unlicense, if any. */
function afterUnlicense(settings: LifecycleSettings): LifecycleAction | null {
  if (settings.deactivateAfterDays !== null) return 'deactivate';
  return settings.rename !== null ? 'rename' : null;
}

/** Why an e-mail address cannot take a notice, in words for the plan's notes; null when it can. */
function addressProblem(email: string): string | null {
  const problem = noticeAddressProblem(email);
  return problem === null ? null : `e-mail address ${JSON.stringify(email)} ${problem}`;
}

/** What is due for a user who is in no stage (or whose record was set aside). */
function fresh(policy: InactiveUsersPolicy, settings: LifecycleSettings, user: UserSnapshot, licensed: boolean, now: Date): StageDecision {
  if (!licensed) return { status: 'idle' };
  const facts = inactivity(policy, user);
  if (facts === null) return { status: 'idle' };
  const notice = settings.notice;
  // An address a mailer could read as several (or none) reaches nobody safely: the user counts as having none.
  const unusable = user.email === null ? 'no e-mail address' : addressProblem(user.email);
  if (notice !== null && unusable === null) {
    const early = matchRule(earlierBy(policy, notice.daysBefore), user, now);
    if (early === null) return { status: 'idle' };
    const goes = ceilToDay(plusDays(facts.since, facts.threshold + 1));
    const dueDate = isoDay(new Date(Math.max(goes.getTime(), plusDays(startOfDay(now), notice.daysBefore).getTime())));
    const text = `notice: licence goes on ${dueDate}, ${early.text}`;
    const due = { dueDate, inactiveSince: facts.since.toISOString() };
    return { status: 'due', action: 'notice', reason: { ...early, text }, notice: due, notes: [] };
  }
  const reason = matchRule(policy, user, now);
  if (reason === null) return { status: 'idle' };
  if (notice !== null && notice.required !== false) return { status: 'unwarnable', why: unusable ?? 'no e-mail address' };
  const notes = notice !== null ? [`${unusable ?? 'no e-mail address'}: the licence goes without a notice (notice.required: false)`] : [];
  return { status: 'due', action: 'unlicense', reason: { ...reason, text: `unlicense: ${reason.text}` }, notice: null, notes };
}

/** Decides what is due now for one user under one policy's lifecycle. */
export function decideStage(input: {
  policy: InactiveUsersPolicy;
  settings: LifecycleSettings;
  user: UserSnapshot;
  /** Whether the user holds a seat now. */
  licensed: boolean;
  record: LifecycleRecord | null;
  now: Date;
}): StageVerdict {
  const { policy, settings, user, licensed, now } = input;
  let record = input.record;
  let cancelled: LifecycleCancellation | null = null;
  if (record !== null) {
    const reason = voidReason(settings, user, licensed, record);
    if (reason !== null) {
      cancelled = { policy: policy.id, username: user.username, stage: record.stage, enteredAt: record.enteredAt.toISOString(), reason };
      record = null;
    }
  }
  if (record === null) return { decision: fresh(policy, settings, user, licensed, now), cancelled };

  const entered = record.enteredAt;
  const since = calendarDaysBetween(entered, now);
  switch (record.stage) {
    case 'noticed': {
      const facts = inactivity(policy, user);
      // A seat taken back by other means, or a policy that no longer selects by this rule: nothing for us to do.
      if (!licensed || facts === null || settings.notice === null) return { decision: { status: 'idle' }, cancelled };
      const goes = ceilToDay(plusDays(facts.since, facts.threshold + 1));
      const due = new Date(Math.max(goes.getTime(), plusDays(startOfDay(entered), settings.notice.daysBefore).getTime()));
      const dueDate = isoDay(due);
      const reason = matchRule(policy, user, now);
      if (now.getTime() < due.getTime() || reason === null) return { decision: { status: 'waiting', next: 'unlicense', dueDate }, cancelled };
      const text = `unlicense: noticed ${isoDay(entered)} for ${dueDate}, ${reason.text}`;
      return { decision: { status: 'due', action: 'unlicense', reason: { ...reason, text }, notice: null, notes: [] }, cancelled };
    }
    case 'unlicensed': {
      const next = afterUnlicense(settings);
      if (next === null) return { decision: { status: 'finished' }, cancelled };
      if (next === 'deactivate') {
        const wait = settings.deactivateAfterDays ?? 0;
        if (since < wait) return { decision: { status: 'waiting', next, dueDate: isoDay(plusDays(startOfDay(entered), wait)) }, cancelled };
        const text = `deactivate: unlicensed ${isoDay(entered)}, ${since} days ago ≥ ${wait}; ${lastLoginWords(user)}`;
        return { decision: { status: 'due', action: next, reason: stageReason(user, text, entered, since, wait), notice: null, notes: [] }, cancelled };
      }
      const text = `rename: unlicensed ${isoDay(entered)}; ${lastLoginWords(user)}`;
      return { decision: { status: 'due', action: next, reason: stageReason(user, text, entered, since, 0), notice: null, notes: [] }, cancelled };
    }
    case 'deactivated': {
      if (settings.rename === null) return { decision: { status: 'finished' }, cancelled };
      const text = `rename: deactivated ${isoDay(entered)}; ${lastLoginWords(user)}`;
      return { decision: { status: 'due', action: 'rename', reason: stageReason(user, text, entered, since, 0), notice: null, notes: [] }, cancelled };
    }
    case 'renamed':
      return { decision: { status: 'finished' }, cancelled };
  }
}
