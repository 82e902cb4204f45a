/**
 * The lifecycle part of a run, after its account steps: clears the records a login set aside, records the stages the
 * run's rows reached, and sends the plan's notices — each journaled before it goes to the mail server and after, so a
 * re-run or a crash never sends one twice. Notices are not journal entries of the account: nothing undoes an e-mail.
 */

import { createHash, randomBytes } from 'node:crypto';
import type { Store } from './store-port.ts';
import type { Clock } from './clock.ts';
import type { Notifier } from './notifier-port.ts';
import type { Plan } from '../domain/plan.ts';
import { STAGE_ENTERED, type PlannedNotice } from '../domain/lifecycle.ts';
import type { UserMemory } from './store/user-memory-repository-port.ts';
import { keepAccessLink, renderNotice, type NoticeTemplates } from '../domain/notice-template.ts';
import { InvalidInput } from '../domain/errors.ts';
import { noticeAddressProblem } from '../domain/notice-address.ts';
import { ConnectorError } from './connector-error.ts';

/** What sending notices needs. */
export interface NoticeDelivery {
  readonly notifier: Notifier;
  readonly templates: NoticeTemplates;
  /** The keep-access URL template, with `{token}`. */
  readonly keepAccessUrl: string;
}

/**
 * How each notice of a run ended. `already-sent`: an earlier run sent it. `unconfirmed`: an earlier attempt stopped
 * between claim and answer, so it may have gone out and is not sent again. `not-sent`: the mail server became unusable
 * earlier in this run; the next run sends it.
 */
export type NoticeOutcome = 'sent' | 'already-sent' | 'unconfirmed' | 'failed' | 'not-sent';

export interface NoticeReport {
  readonly counts: Readonly<Record<NoticeOutcome, number>>;
  /** Notices the mail server refused (each is tried again on the next run). */
  readonly failures: readonly { username: string; error: string }[];
  /** Why the `not-sent` ones were not tried, once for all of them. */
  readonly notSentBecause: string | null;
}

/** The lifecycle part of a run report. */
export interface LifecycleReport {
  readonly notices: NoticeReport;
  /** Users this run moved into a stage (notices included). */
  readonly entered: number;
  /** Records cleared because the user logged in or the stage was undone. */
  readonly cancelled: number;
}

/** Refuses, before anything runs, a plan with notices when no mail server is configured. */
export function requireNoticeDelivery(plan: Plan, delivery: NoticeDelivery | undefined): void {
  const count = plan.lifecycle?.notices.length ?? 0;
  if (count > 0 && delivery === undefined) {
    throw new InvalidInput(`the plan sends ${count} notice${count === 1 ? '' : 's'}, but no mail server is configured`, [
      'add notices: { smtp: { host, port }, from, keepAccessUrl } to the config',
    ]);
  }
}

/** True when the lifecycle part of a run left something undone (a notice failed or was not sent). */
export function lifecycleFailed(report: LifecycleReport | null): boolean {
  return report !== null && report.notices.counts.failed + report.notices.counts['not-sent'] > 0;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function dateOrNull(iso: string | null): Date | null {
  return iso === null ? null : new Date(iso);
}

/** Settles the lifecycle part of a plan after its rows ran; null when the plan has none. */
export async function settleLifecycle(
  deps: { store: Store; clock: Clock; delivery?: NoticeDelivery; signal?: AbortSignal },
  input: { plan: Plan; runId: string },
): Promise<LifecycleReport | null> {
  const { store, clock } = deps;
  const { plan, runId } = input;
  if (plan.lifecycle === undefined) return null;
  const instance = plan.instance;

  let cancelled = 0;
  for (const c of plan.lifecycle.cancellations) {
    if (await store.lifecycle.clear(instance, c.policy, c.username, new Date(c.enteredAt))) cancelled += 1;
  }

  // A stage is reached when every step of its row is done (or already was); a failed or skipped step leaves the user
  // where they were, and the next plan proposes the stage again.
  let entered = 0;
  const staged = plan.rows.filter((row) => row.stage !== undefined);
  if (staged.length > 0) {
    const outcomes = new Map<string, string[]>();
    for (const entry of await store.journal.entries(runId)) {
      // A seat check is no step of the row: it counts only by failing, which leaves the stage unreached.
      if (entry.step.kind === 'confirm-seat-freed' && entry.outcome !== 'failed') continue;
      const list = outcomes.get(entry.username);
      if (list) list.push(entry.outcome);
      else outcomes.set(entry.username, [entry.outcome]);
    }
    for (const row of staged) {
      const done = outcomes.get(row.username) ?? [];
      const complete = done.length === row.steps.length && done.every((o) => o === 'done' || o === 'already-done');
      if (row.stage === undefined || !complete) continue;
      await store.lifecycle.enter(instance, {
        policy: row.policy,
        username: row.username,
        userKey: row.userKey,
        stage: STAGE_ENTERED[row.stage],
        enteredAt: clock.now(),
        lastLoginAtEntry: dateOrNull(row.reason.lastLogin),
      });
      entered += 1;
    }
  }

  const notices = await sendNotices(deps, plan, runId);
  return { notices: notices.report, entered: entered + notices.entered, cancelled };
}

/** Sends the plan's notices one at a time, each claimed in the notice journal first. */
async function sendNotices(
  deps: { store: Store; clock: Clock; delivery?: NoticeDelivery; signal?: AbortSignal },
  plan: Plan,
  runId: string,
): Promise<{ report: NoticeReport; entered: number }> {
  const { store, clock, delivery, signal } = deps;
  const counts: Record<NoticeOutcome, number> = { sent: 0, 'already-sent': 0, unconfirmed: 0, failed: 0, 'not-sent': 0 };
  const failures: { username: string; error: string }[] = [];
  let entered = 0;
  let unusable: string | null = null;
  // A notice names the user, not the account: the account id comes from the memory of the scan the plan was made
  // from, so the stage and the notice follow the account if it is renamed before the next scan.
  const planned = plan.lifecycle?.notices ?? [];
  const remembered = planned.length === 0 ? new Map<string, UserMemory>() : await store.memory.recall(plan.instance, planned.map((n) => n.username));
  const userKeyOf = (notice: PlannedNotice): string | null => remembered.get(notice.username)?.userKey ?? null;
  const enterNoticed = async (notice: PlannedNotice, at: Date) => {
    await store.lifecycle.enter(plan.instance, {
      policy: notice.policy,
      username: notice.username,
      userKey: userKeyOf(notice),
      stage: 'noticed',
      enteredAt: at,
      lastLoginAtEntry: dateOrNull(notice.lastLogin),
    });
    entered += 1;
  };

  for (const notice of plan.lifecycle?.notices ?? []) {
    if (unusable !== null || delivery === undefined) {
      counts['not-sent'] += 1;
      unusable ??= 'no mail server is configured';
      continue;
    }
    // The planner only plans notices to one plain address; a stored plan from before that rule is held to it here,
    // before anything is claimed, so a list such as "a@x, b@y" reaches nobody.
    const addressProblem = noticeAddressProblem(notice.email);
    if (addressProblem !== null) {
      counts.failed += 1;
      failures.push({ username: notice.username, error: `not sent: ${JSON.stringify(notice.email)} is not one e-mail address (it ${addressProblem})` });
      continue;
    }
    // The token is only ever in the e-mail; the journal keeps its hash, which a keep-access request is checked against.
    const token = randomBytes(24).toString('base64url');
    const claim = await store.notices.claim({
      instance: plan.instance,
      policy: notice.policy,
      username: notice.username,
      userKey: userKeyOf(notice),
      stage: notice.stage,
      inactiveSince: new Date(notice.inactiveSince),
      recipient: notice.email,
      tokenHash: createHash('sha256').update(token).digest('hex'),
      runId,
      at: clock.now(),
    });
    if (claim.status === 'sent') {
      counts['already-sent'] += 1;
      // The stage may be missing if a run stopped between sending and recording it: record it from the journal.
      await enterNoticed(notice, new Date(claim.entry.sentAt ?? claim.entry.claimedAt));
      continue;
    }
    if (claim.status === 'in-flight') {
      // It may have reached the user; the promise is "never twice", so it counts as sent from when it was claimed.
      counts.unconfirmed += 1;
      await enterNoticed(notice, new Date(claim.entry.claimedAt));
      continue;
    }
    const rendered = renderNotice(delivery.templates, {
      displayName: notice.displayName,
      username: notice.username,
      email: notice.email,
      instance: plan.instance,
      policy: notice.policy,
      dueDate: notice.dueDate,
      lastLogin: notice.lastLogin === null ? 'never' : notice.lastLogin.slice(0, 10),
      keepAccessUrl: keepAccessLink(delivery.keepAccessUrl, token),
    });
    try {
      const receipt = await delivery.notifier.send(
        { to: notice.email, ...rendered, headers: { 'X-Seatkeeper-Notice': `${notice.policy}/${notice.stage}` } },
        signal,
      );
      const sentAt = clock.now();
      await store.notices.settle(claim.id, { sentAt, messageId: receipt.messageId });
      counts.sent += 1;
      await enterNoticed(notice, sentAt);
    } catch (error) {
      await store.notices.settle(claim.id, { error: message(error) });
      counts.failed += 1;
      failures.push({ username: notice.username, error: message(error) });
      // A server that cannot be used fails every further notice the same way: stop, and let the next run send them.
      if (error instanceof ConnectorError && error.fixable) unusable = `${error.target}: ${message(error)}`;
    }
  }
  return { report: { counts, failures, notSentBecause: counts['not-sent'] > 0 ? unusable : null }, entered };
}
