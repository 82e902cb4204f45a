/**
 * Runs and the journal: each step is written as `claimed` with the user's prior state before the remote call. A run
 * belongs to the mode its store was opened in, as its plan does: a real command cannot start a run of a rehearsal plan,
 * nor resume, list or undo a rehearsal run (and the other way round); their entries go with them.
 */

import type { Selectable } from 'kysely';
import { Conflict, InvalidInput, NotFound } from '../domain/errors.ts';
import type { RunStatus, StepOutcome, UserState } from '../domain/journal.ts';
import type { ActionStep } from '../domain/plan.ts';
import type { JournalAccount, JournalNameHolder, JournalRepository, SignedJournalEntry, SignedRunRecord } from '../app/store/journal-repository-port.ts';
import { signJournalEntry, signRun, type JournalEntrySignedFields } from '../domain/record-signature.ts';
import type { JournalEntriesTable, RunsTable } from './store-tables.ts';
import type { StoreContext } from './store-context.ts';
import { newId, toIso } from './store-codec.ts';
import { actionStepSchema, parseStoredJson, userStateSchema } from './store-json-schema.ts';

/** JournalRepository over Kysely. */
export class SqlJournalRepository implements JournalRepository {
  constructor(private readonly context: StoreContext) {}

  /** The ids of this mode's runs, for statements on journal entries. */
  private runsOfMode() {
    return this.context.db.selectFrom('runs').select('id').where('rehearsal', '=', this.context.rehearsal);
  }

  async startRun(input: { planId: string; instance: string; startedAt: Date }): Promise<SignedRunRecord> {
    const { db } = this.context;
    const plan = await db.selectFrom('plans').select('instance').where('id', '=', input.planId).where('rehearsal', '=', this.context.rehearsal).executeTakeFirst();
    if (plan === undefined) throw new NotFound(`Plan ${input.planId} does not exist.`);
    if (plan.instance !== input.instance) {
      throw new Conflict(`Plan ${input.planId} is for instance ${plan.instance}, not ${input.instance}.`);
    }
    const id = newId('run');
    const key = this.context.key?.() ?? null;
    const run: SignedRunRecord = {
      id,
      planId: input.planId,
      instance: input.instance,
      startedAt: toIso(input.startedAt),
      finishedAt: null,
      status: 'running',
      signature: key === null ? null : signRun(key, { id, planId: input.planId, instance: input.instance }),
    };
    await db.transaction().execute(async (trx) => {
      // The plan names its run by a conditional update: of two starts at once, the second finds run_id set (PostgreSQL
      // makes it wait for the first's row lock, SQLite for its write lock) and starts nothing.
      const claimed = await trx
        .updateTable('plans')
        .set({ run_id: id })
        .where('id', '=', input.planId)
        .where('rehearsal', '=', this.context.rehearsal)
        .where('run_id', 'is', null)
        .executeTakeFirst();
      if (claimed.numUpdatedRows === 0n) {
        const existing = await trx.selectFrom('plans').select('run_id').where('id', '=', input.planId).where('rehearsal', '=', this.context.rehearsal).executeTakeFirst();
        throw new Conflict(`Plan ${input.planId} already has run ${existing?.run_id ?? 'unknown'}; a plan runs once.`);
      }
      await trx
        .insertInto('runs')
        .values({
          id,
          plan_id: run.planId,
          instance: run.instance,
          started_at: run.startedAt,
          finished_at: null,
          status: run.status,
          signature: run.signature,
          rehearsal: this.context.rehearsal,
        })
        .execute();
    });
    return run;
  }

  async runOfPlan(planId: string): Promise<SignedRunRecord | null> {
    const { db } = this.context;
    const plan = await db.selectFrom('plans').select('run_id').where('id', '=', planId).executeTakeFirst();
    const runId = plan?.run_id ?? null;
    // plans.run_id is what stops a second start; a run row naming the plan without it (inserted by hand) counts too.
    const row = runId === null
      ? await db.selectFrom('runs').selectAll().where('plan_id', '=', planId).orderBy('seq').limit(1).executeTakeFirst()
      : await db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
    return row === undefined ? null : toRunRecord(row);
  }

  async claim(input: { runId: string; username: string; userKey?: string | null; seq: number; step: ActionStep; prior: UserState | null; at: Date }): Promise<number> {
    const { db } = this.context;
    const run = await db.selectFrom('runs').select('status').where('id', '=', input.runId).where('rehearsal', '=', this.context.rehearsal).executeTakeFirst();
    if (run === undefined) throw new NotFound(`Run ${input.runId} does not exist.`);
    if (run.status !== 'running') throw new Conflict(`Run ${input.runId} is ${run.status}; no more steps can be claimed in it.`);
    const key = this.context.key?.() ?? null;
    const row = await db
      .insertInto('journal_entries')
      .values({
        run_id: input.runId,
        username: input.username,
        step_seq: input.seq,
        step_json: JSON.stringify(input.step),
        outcome: 'claimed',
        prior_json: input.prior === null ? null : JSON.stringify(input.prior),
        error: null,
        claimed_at: toIso(input.at),
        settled_at: null,
        // Not signed: the signature covers a fixed set of fields, which entries from before the column still verify by.
        user_key: accountKeyOf(input.userKey ?? null, input.prior),
        signature: key === null ? null : signJournalEntry(key, signedFieldsOf(input)),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async settle(entryId: number, outcome: Exclude<StepOutcome, 'planned' | 'claimed'>, error: string | null, at: Date): Promise<void> {
    const { db } = this.context;
    // Only a claimed entry settles, and only once: the journal is evidence, not a scratchpad.
    const result = await db
      .updateTable('journal_entries')
      .set({ outcome, error, settled_at: toIso(at) })
      .where('id', '=', entryId)
      .where('outcome', '=', 'claimed')
      .where('run_id', 'in', this.runsOfMode())
      .executeTakeFirst();
    if (result.numUpdatedRows > 0n) return;
    const entry = await db.selectFrom('journal_entries').select('outcome').where('id', '=', entryId).where('run_id', 'in', this.runsOfMode()).executeTakeFirst();
    if (entry === undefined) throw new NotFound(`Journal entry ${entryId} does not exist.`);
    throw new Conflict(`Journal entry ${entryId} is already settled as ${entry.outcome}.`);
  }

  async finishRun(runId: string, status: RunStatus, finishedAt: Date): Promise<void> {
    if (status === 'running') throw new InvalidInput(`Run ${runId} cannot finish with status "running".`);
    const { db } = this.context;
    const result = await db
      .updateTable('runs')
      .set({ status, finished_at: toIso(finishedAt) })
      .where('id', '=', runId)
      .where('status', '=', 'running')
      .where('rehearsal', '=', this.context.rehearsal)
      .executeTakeFirst();
    if (result.numUpdatedRows > 0n) return;
    const run = await db.selectFrom('runs').select('status').where('id', '=', runId).where('rehearsal', '=', this.context.rehearsal).executeTakeFirst();
    if (run === undefined) throw new NotFound(`Run ${runId} does not exist.`);
    throw new Conflict(`Run ${runId} already finished as ${run.status}.`);
  }

  async reopenRun(runId: string): Promise<void> {
    const { db } = this.context;
    const run = await db.selectFrom('runs').select('status').where('id', '=', runId).where('rehearsal', '=', this.context.rehearsal).executeTakeFirst();
    if (run === undefined) throw new NotFound(`Run ${runId} does not exist.`);
    if (run.status === 'done') throw new Conflict(`Run ${runId} finished done; there is nothing to resume.`);
    await db.updateTable('runs').set({ status: 'running', finished_at: null }).where('id', '=', runId).where('rehearsal', '=', this.context.rehearsal).execute();
  }

  async reclaim(entryId: number, at: Date): Promise<void> {
    const { db } = this.context;
    const result = await db
      .updateTable('journal_entries')
      .set({ outcome: 'claimed', claimed_at: toIso(at), settled_at: null })
      .where('id', '=', entryId)
      .where('outcome', 'in', ['failed', 'skipped'])
      .where('run_id', 'in', this.runsOfMode())
      .executeTakeFirst();
    if (result.numUpdatedRows > 0n) return;
    const entry = await db.selectFrom('journal_entries').select('outcome').where('id', '=', entryId).where('run_id', 'in', this.runsOfMode()).executeTakeFirst();
    if (entry === undefined) throw new NotFound(`Journal entry ${entryId} does not exist.`);
    throw new Conflict(`Journal entry ${entryId} is ${entry.outcome}; only failed or skipped entries are tried again.`);
  }

  async outcomeCounts(instance?: string, runId?: string): Promise<Map<string, Record<StepOutcome, number>>> {
    let query = this.context.db
      .selectFrom('journal_entries')
      .innerJoin('runs', 'runs.id', 'journal_entries.run_id')
      .select(({ fn }) => ['journal_entries.run_id as runId', 'journal_entries.outcome as outcome', fn.countAll<number | string | bigint>().as('n')])
      .where('runs.rehearsal', '=', this.context.rehearsal)
      .groupBy(['journal_entries.run_id', 'journal_entries.outcome']);
    if (instance !== undefined) query = query.where('runs.instance', '=', instance);
    if (runId !== undefined) query = query.where('journal_entries.run_id', '=', runId);
    const counts = new Map<string, Record<StepOutcome, number>>();
    for (const row of await query.execute()) {
      const entry = counts.get(row.runId) ?? { planned: 0, claimed: 0, done: 0, 'already-done': 0, failed: 0, skipped: 0 };
      // PostgreSQL returns count(*) as a bigint string.
      entry[row.outcome] += Number(row.n);
      counts.set(row.runId, entry);
    }
    return counts;
  }

  async getRun(runId: string): Promise<SignedRunRecord | null> {
    const row = await this.context.db.selectFrom('runs').selectAll().where('id', '=', runId).where('rehearsal', '=', this.context.rehearsal).executeTakeFirst();
    return row === undefined ? null : toRunRecord(row);
  }

  async listRuns(instance?: string, status?: RunStatus): Promise<SignedRunRecord[]> {
    let query = this.context.db.selectFrom('runs').selectAll().where('rehearsal', '=', this.context.rehearsal);
    if (instance !== undefined) query = query.where('instance', '=', instance);
    if (status !== undefined) query = query.where('status', '=', status);
    const rows = await query.orderBy('started_at', 'desc').orderBy('seq', 'desc').execute();
    return rows.map(toRunRecord);
  }

  async entries(runId: string): Promise<SignedJournalEntry[]> {
    const rows = await this.context.db
      .selectFrom('journal_entries')
      .selectAll()
      .where('run_id', '=', runId)
      .where('run_id', 'in', this.runsOfMode())
      .orderBy('id')
      .execute();
    return rows.map(toEntry);
  }

  async entriesForUser(instance: string, username: string): Promise<SignedJournalEntry[]> {
    const rows = await this.context.db
      .selectFrom('journal_entries')
      .innerJoin('runs', 'runs.id', 'journal_entries.run_id')
      .selectAll('journal_entries')
      .where('runs.instance', '=', instance)
      .where('runs.rehearsal', '=', this.context.rehearsal)
      .where('journal_entries.username', '=', username)
      .orderBy('journal_entries.id')
      .execute();
    return rows.map(toEntry);
  }

  async entriesForAccount(instance: string, account: JournalAccount): Promise<SignedJournalEntry[]> {
    const { userKey, username } = account;
    if (userKey === null) return this.entriesForUser(instance, username);
    const base = () =>
      this.context.db
        .selectFrom('journal_entries')
        .innerJoin('runs', 'runs.id', 'journal_entries.run_id')
        .selectAll('journal_entries')
        .where('runs.instance', '=', instance)
        .where('runs.rehearsal', '=', this.context.rehearsal);
    // Two statements, each on its own index (journal_entries_account, journal_entries_user), rather than one OR.
    const byKey = await base().where('journal_entries.user_key', '=', userKey).execute();
    const byName = await base().where('journal_entries.user_key', 'is', null).where('journal_entries.username', '=', username).execute();
    return [...byKey, ...byName].sort((a, b) => a.id - b.id).map(toEntry);
  }

  async holdersOfName(instance: string, username: string): Promise<JournalNameHolder[]> {
    const lower = username.toLowerCase();
    const base = () =>
      this.context.db
        .selectFrom('journal_entries')
        .innerJoin('runs', 'runs.id', 'journal_entries.run_id')
        .where('runs.instance', '=', instance)
        .where('runs.rehearsal', '=', this.context.rehearsal)
        .where('journal_entries.user_key', 'is not', null);
    const newest = new Map<string, number>();
    const note = (userKey: string | null, id: number): void => {
      if (userKey !== null && id > (newest.get(userKey) ?? 0)) newest.set(userKey, id);
    };
    // Only when neither a scan nor user memory knows the name (undo-account.ts), so no index of its own: a scan of the
    // instance's journal. lower() folds ASCII only on SQLite, so the exact spelling is asked for too.
    const named = await base()
      .select(['journal_entries.id as id', 'journal_entries.user_key as userKey', 'journal_entries.username as username'])
      .where((eb) => eb.or([eb('journal_entries.username', '=', username), eb(eb.fn('lower', ['journal_entries.username']), '=', lower)]))
      .execute();
    for (const row of named) if (row.username.toLowerCase() === lower) note(row.userKey, row.id);
    // Renames are few; their target is inside the step's JSON, written by JSON.stringify as `"kind":"rename"`.
    const renames = await base()
      .select(['journal_entries.id as id', 'journal_entries.user_key as userKey', 'journal_entries.step_json as stepJson'])
      .where('journal_entries.outcome', '=', 'done')
      .where('journal_entries.step_json', 'like', '%"kind":"rename"%')
      .execute();
    for (const row of renames) {
      const step = actionStepSchema.safeParse(parseOrNull(row.stepJson));
      if (step.success && step.data.kind === 'rename' && step.data.to.toLowerCase() === lower) note(row.userKey, row.id);
    }
    return [...newest].map(([userKey, lastEntryId]) => ({ userKey, lastEntryId })).sort((a, b) => b.lastEntryId - a.lastEntryId);
  }
}

/** The account an entry is about: the plan row's key, else the one its prior state read, else none. */
function accountKeyOf(planned: string | null, prior: UserState | null): string | null {
  if (planned !== null && planned !== '') return planned;
  const read = prior?.userKey;
  return read === undefined || read === '' ? null : read;
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * The signed fields as they will read back: the step and prior state go through the same schemas as on read (which
 * fill defaults and drop unknown members), so the signature checks against what resume and undo will see.
 */
function signedFieldsOf(input: { runId: string; username: string; seq: number; step: ActionStep; prior: UserState | null }): JournalEntrySignedFields {
  return {
    runId: input.runId,
    username: input.username,
    seq: input.seq,
    step: actionStepSchema.parse(JSON.parse(JSON.stringify(input.step))),
    prior: input.prior === null ? null : userStateSchema.parse(JSON.parse(JSON.stringify(input.prior))),
  };
}

function toRunRecord(row: Selectable<RunsTable>): SignedRunRecord {
  return {
    id: row.id,
    planId: row.plan_id,
    instance: row.instance,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    status: row.status,
    signature: row.signature,
  };
}

function toEntry(row: Selectable<JournalEntriesTable>): SignedJournalEntry {
  const what = `journal entry ${row.id}`;
  return {
    id: row.id,
    runId: row.run_id,
    username: row.username,
    seq: row.step_seq,
    step: parseStoredJson(actionStepSchema, row.step_json, `step of ${what}`),
    outcome: row.outcome,
    prior: row.prior_json === null ? null : parseStoredJson(userStateSchema, row.prior_json, `prior state of ${what}`),
    error: row.error,
    // The time of the latest change to the entry: settled, or else claimed.
    at: row.settled_at ?? row.claimed_at,
    signature: row.signature,
    userKey: row.user_key,
  };
}
