/**
 * One plan row through the journal: read the user, then per step claim (or reuse an earlier entry), decide, send,
 * settle. Shared by apply and resume so a first run and a resumed one follow the same rules.
 */

import type { ConfluenceConnector } from './confluence-port.ts';
import type { Store } from './store-port.ts';
import type { Clock } from './clock.ts';
import type { ActionStep, PlanRow } from '../domain/plan.ts';
import type { JournalEntry, StepOutcome, UserState } from '../domain/journal.ts';
import type { Protection } from '../domain/policy.ts';
import { applyStep } from '../domain/action-step.ts';
import { decideStep } from '../domain/step-reconciliation.ts';

/** How a step can end. */
export type SettledOutcome = Exclude<StepOutcome, 'planned' | 'claimed'>;

/** Why later steps of a user are skipped after one failed: resume retries entries skipped for this reason. */
export const EARLIER_STEP_FAILED = 'an earlier step for this user failed';

/**
 * What running a row needs; `onSettled` sees every step's outcome once it is written, with the error of a failed one
 * (the run's failure-rate brake, and its stop when the circuit breaker gave up).
 */
export interface RowRunnerContext {
  readonly store: Store;
  readonly connector: ConfluenceConnector;
  readonly clock: Clock;
  readonly runId: string;
  /** The account Seatkeeper connects as, which is never changed. */
  readonly connectedAs: string;
  readonly protection: Protection;
  readonly signal?: AbortSignal;
  onSettled(outcome: SettledOutcome, error?: unknown): void;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** True when an entry is settled for good: resume leaves it as it is. */
export function isFinal(entry: JournalEntry): boolean {
  if (entry.outcome === 'done' || entry.outcome === 'already-done') return true;
  return entry.outcome === 'skipped' && entry.error !== EARLIER_STEP_FAILED;
}

/**
 * Runs one row. `existing` holds the row's entries from an earlier attempt of the same run (empty on a first apply):
 * final ones are left alone, claimed ones are reconciled against the user's current state, failed ones retried.
 */
export async function runPlanRow(ctx: RowRunnerContext, row: PlanRow, existing: ReadonlyMap<number, JournalEntry> = new Map()): Promise<void> {
  const { store, connector, clock, signal } = ctx;
  const settle = async (entryId: number, outcome: SettledOutcome, reason: string | null, error?: unknown): Promise<void> => {
    await store.journal.settle(entryId, outcome, reason, clock.now());
    ctx.onSettled(outcome, error);
  };
  const pending = [...row.steps.entries()].filter(([seq]) => {
    const entry = existing.get(seq);
    return entry === undefined || !isFinal(entry);
  });
  if (pending.length === 0) return;

  let state: UserState | null;
  try {
    state = await connector.readUserState(row.username, signal);
  } catch (error) {
    for (const [seq, step] of pending) {
      const id = await claimOrReuse(ctx, row, seq, step, existing.get(seq), null);
      await settle(id.entryId, 'failed', `could not read the user before changing it: ${message(error)}`, error);
    }
    return;
  }
  let blocked: string | null =
    state === null
      ? 'the user no longer exists'
      : row.username === ctx.connectedAs
        ? 'the account Seatkeeper connects as is never changed'
        : state.groups.some((g) => ctx.protection.groups.includes(g)) || ctx.protection.users.includes(row.username)
          ? 'the user is protected now'
          : null;
  for (const [seq, step] of pending) {
    const { entryId, prior, maybeSent } = await claimOrReuse(ctx, row, seq, step, existing.get(seq), state);
    const decision = decideStep({ step, prior, current: state, blocked, maybeSent });
    if (decision.action === 'settle') {
      await settle(entryId, decision.outcome, decision.reason);
      if (decision.outcome === 'done' && state !== null) state = applyStep(step, state);
      continue;
    }
    try {
      await sendStep(connector, row.username, step, signal);
      if (state !== null) state = applyStep(step, state);
      await settle(entryId, 'done', null);
    } catch (error) {
      await settle(entryId, 'failed', message(error), error);
      blocked = EARLIER_STEP_FAILED;
    }
  }
}

/** A claimed entry for the step: a new one, the earlier claimed one, or a failed/skipped one claimed again. */
async function claimOrReuse(
  ctx: RowRunnerContext,
  row: PlanRow,
  seq: number,
  step: ActionStep,
  entry: JournalEntry | undefined,
  state: UserState | null,
): Promise<{ entryId: number; prior: UserState | null; maybeSent: boolean }> {
  if (entry === undefined) {
    const entryId = await ctx.store.journal.claim({ runId: ctx.runId, username: row.username, seq, step, prior: state, at: ctx.clock.now() });
    return { entryId, prior: state, maybeSent: false };
  }
  if (entry.outcome !== 'claimed') await ctx.store.journal.reclaim(entry.id, ctx.clock.now());
  // A skipped entry never went out; a claimed or failed one may have.
  return { entryId: entry.id, prior: entry.prior ?? state, maybeSent: entry.outcome !== 'skipped' };
}

/** The one place a step becomes a connector call. */
export async function sendStep(connector: ConfluenceConnector, username: string, step: ActionStep, signal?: AbortSignal): Promise<void> {
  switch (step.kind) {
    case 'remove-group':
      return connector.removeFromGroup(username, step.group, signal);
    case 'add-group':
      return connector.addToGroup(username, step.group, signal);
    case 'revoke-use-grant':
      return connector.revokeUseGrant(username, signal, step.restore);
    case 'grant-use':
      return connector.grantUse(username, signal, step.restore);
    case 'disable':
      return connector.disable(username, signal);
    case 'enable':
      return connector.enable(username, signal);
    case 'set-display-name':
      return connector.updateDisplayName(username, step.displayName, signal);
  }
}
