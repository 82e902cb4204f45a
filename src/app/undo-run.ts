/**
 * Use case: undo a run, or every change to one user that is still in effect. The journal gives Seatkeeper's net change
 * per field, a live read of each user finds drift (changes by hand since), and the undo is stored as a plan and run
 * through the same journaled executor as any plan, so it is itself a run: journaled, resumable and undoable.
 */

import type { Store } from './store-port.ts';
import type { Plan } from '../domain/plan.ts';
import type { JournalEntry, UserState } from '../domain/journal.ts';
import type { Protection } from '../domain/policy.ts';
import type { GuardVerdict, SafetyLimits } from '../domain/safety-guard.ts';
import { driftVerdict, netChanges, undoPlan, undoRows, type LeftAlone, type UndoIdentity, type UndoScope } from '../domain/undo-planner.ts';
import { InvalidInput, NotFound } from '../domain/errors.ts';
import { applyPlan, type RunDeps, type RunReport } from './apply-plan.ts';
import { mapConcurrent } from './map-concurrent.ts';

/** What `planUndo` found and stored. */
export interface UndoPlanned {
  readonly instance: string;
  /** `null` with `plan: null` when Seatkeeper's net effect in the scope is nothing. */
  readonly planId: string | null;
  readonly plan: Plan | null;
  /** Users changed by hand since Seatkeeper's change to a field the undo touches, sorted. */
  readonly drifted: readonly string[];
  /** Changes in the scope that are not undone, and why. */
  readonly leftAlone: readonly LeftAlone[];
  /** `undo.drift` when users drifted and --force was not given: the plan is stored as refused. */
  readonly verdict: GuardVerdict;
}

/** An undo as planned, and its run unless there was nothing to do or it was refused. */
export interface UndoOutcome extends UndoPlanned {
  readonly report: RunReport | null;
}

/** Undo runs through the executor like any plan; it sends no notices. */
type UndoDeps = Omit<RunDeps, 'notices'>;

/** What to undo, on which instance, and who asks. */
export interface UndoRequest {
  readonly instance: string;
  readonly scope: UndoScope;
  /** Undo even where users drifted, overwriting the changes made by hand. */
  readonly force: boolean;
  /** Who asks for the undo: recorded on the plan. */
  readonly actor: string;
}

/** The instance a run belongs to; refuses a different one named by the caller. */
export async function instanceOfRun(store: Store, runId: string, requested?: string): Promise<string> {
  const run = await store.journal.getRun(runId);
  if (run === null) throw new NotFound(`no run ${runId}: the run ids are printed by \`seatkeeper apply\` and \`seatkeeper undo\``);
  if (requested !== undefined && requested !== run.instance) {
    throw new InvalidInput(`run ${runId} is not of instance ${requested}`, [`it ran on instance ${run.instance}; drop --instance or name that one`]);
  }
  return run.instance;
}

/** The journal entries the net change needs, in journal order: the run's and any later run's for its users, or the user's. */
async function scopeEntries(store: Store, instance: string, scope: UndoScope): Promise<JournalEntry[]> {
  if (scope.kind === 'user') return store.journal.entriesForUser(instance, scope.username);
  const run = await store.journal.getRun(scope.runId);
  if (run === null) throw new NotFound(`no run ${scope.runId}`);
  const own = await store.journal.entries(run.id);
  const users = new Set(own.map((e) => e.username));
  // Later runs may have put a change back or changed it again: the net change leaves those fields alone.
  const later = (await store.journal.listRuns(instance)).filter((r) => r.id !== run.id && r.startedAt >= run.startedAt);
  const entries = [...own];
  for (const other of later) {
    for (const entry of await store.journal.entries(other.id)) if (users.has(entry.username)) entries.push(entry);
  }
  return entries.sort((a, b) => a.id - b.id);
}

/** userKey and directory of each user, from the plan rows of the runs being undone. */
async function identitiesOf(store: Store, runIds: readonly string[], usernames: ReadonlySet<string>): Promise<Map<string, UndoIdentity>> {
  const identities = new Map<string, UndoIdentity>();
  for (const runId of runIds) {
    const run = await store.journal.getRun(runId);
    const stored = run === null ? null : await store.plans.get(run.planId);
    for (const row of stored?.plan.rows ?? []) {
      if (usernames.has(row.username) && !identities.has(row.username)) identities.set(row.username, { userKey: row.userKey, directory: row.directory });
    }
  }
  return identities;
}

/** Builds and stores the undo plan: changes nothing in Confluence (it only reads each user's current state). */
export async function planUndo(deps: UndoDeps, input: UndoRequest): Promise<UndoPlanned> {
  const { store, connector, clock, signal } = deps;
  const { instance, scope } = input;
  if (scope.kind === 'run') await instanceOfRun(store, scope.runId, instance);
  const { changes, leftAlone } = netChanges(await scopeEntries(store, instance, scope), scope);
  if (changes.length === 0) return { instance, planId: null, plan: null, drifted: [], leftAlone, verdict: { ok: true } };

  const usernames = [...new Set(changes.map((c) => c.username))];
  const current = new Map<string, UserState | null>();
  await mapConcurrent(usernames, deps.concurrency, async (username) => {
    current.set(username, await connector.readUserState(username, signal));
  });
  const runIds = [...new Set(changes.flatMap((c) => c.runIds))];
  const identities = await identitiesOf(store, runIds, new Set(usernames));
  const { rows, drifted } = undoRows({ changes, current, identities });
  const latestScan = await store.scans.latest(instance);
  const plan = undoPlan({ instance, scanId: latestScan?.id ?? '', now: clock.now(), rows, changes });
  const verdict = driftVerdict(drifted, input.force);
  const hold = verdict.ok ? null : { guard: verdict.guard, count: verdict.count, limit: verdict.limit, message: verdict.message };
  const planId = await store.plans.save(plan, verdict.ok ? 'planned' : 'refused', { createdBy: input.actor, hold });
  return { instance, planId, plan, drifted, leftAlone, verdict };
}

/** Plans the undo and, unless there is nothing to do or drift refuses it, runs it like any plan. */
export async function undoRun(
  deps: UndoDeps,
  input: UndoRequest & { limits: SafetyLimits; protection: Protection },
): Promise<UndoOutcome> {
  const planned = await planUndo(deps, input);
  if (planned.planId === null || !planned.verdict.ok) return { ...planned, report: null };
  const report = await applyPlan(deps, { planId: planned.planId, limits: input.limits, protection: input.protection });
  return { ...planned, report };
}
