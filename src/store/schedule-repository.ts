/** Schedules over Kysely: synced from the config, claimed by compare-and-set so one process runs each due run. */

import type { Selectable } from 'kysely';
import type { ScheduleOutcome, ScheduleRecord, ScheduleRepository } from '../app/store/schedule-repository-port.ts';
import type { SchedulesTable } from './store-tables.ts';
import type { StoreContext } from './store-context.ts';
import { toIso } from './store-codec.ts';
import { modeInstance, modeMatch, plainInstance } from './rehearsal-instance.ts';

const OUTCOMES: readonly ScheduleOutcome[] = ['running', 'done', 'done-with-failures', 'waiting-approval', 'blocked', 'failed', 'missed'];

function outcomeOf(value: string | null): ScheduleOutcome | null {
  return OUTCOMES.find((o) => o === value) ?? null;
}

function toRecord(row: Selectable<SchedulesTable>): ScheduleRecord {
  return {
    instance: plainInstance(row.instance),
    policy: row.policy,
    cron: row.cron,
    timeZone: row.time_zone,
    nextRunAt: row.next_run_at,
    lastDueAt: row.last_due_at,
    lastStartedAt: row.last_started_at,
    lastFinishedAt: row.last_finished_at,
    lastOutcome: outcomeOf(row.last_outcome),
    lastDetail: row.last_detail,
    claimedBy: row.claimed_by,
  };
}

/** ScheduleRepository over Kysely; the same SQL on SQLite and PostgreSQL. */
export class SqlScheduleRepository implements ScheduleRepository {
  constructor(private readonly context: StoreContext) {}

  async sync(
    wanted: readonly { instance: string; policy: string; cron: string; timeZone: string }[],
    firstDue: (cron: string, timeZone: string) => Date,
  ): Promise<ScheduleRecord[]> {
    // A rehearsal `serve` keeps its own schedules (rehearsal-instance.ts): syncing or claiming at a simulated time must
    // neither drop nor move on a real one. Below, every instance is the stored one of this store's mode.
    const mode = modeMatch(this.context);
    const mine = wanted.map((w) => ({ ...w, instance: modeInstance(this.context, w.instance) }));
    await this.context.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('schedules').selectAll().where('instance', mode.op, mode.pattern).execute();
      const key = (s: { instance: string; policy: string }) => `${s.instance}\u0000${s.policy}`;
      const wantedKeys = new Set(mine.map(key));
      for (const row of existing) {
        if (!wantedKeys.has(key(row))) {
          await trx.deleteFrom('schedules').where('instance', '=', row.instance).where('policy', '=', row.policy).execute();
        }
      }
      const byKey = new Map(existing.map((row) => [key(row), row]));
      for (const w of mine) {
        const row = byKey.get(key(w));
        if (row === undefined) {
          await trx
            .insertInto('schedules')
            .values({ instance: w.instance, policy: w.policy, cron: w.cron, time_zone: w.timeZone, next_run_at: toIso(firstDue(w.cron, w.timeZone)) })
            // Another process may have inserted it between our read and this write: theirs stands.
            .onConflict((oc) => oc.columns(['instance', 'policy']).doNothing())
            .execute();
        } else if (row.cron !== w.cron || row.time_zone !== w.timeZone) {
          await trx
            .updateTable('schedules')
            .set({ cron: w.cron, time_zone: w.timeZone, next_run_at: toIso(firstDue(w.cron, w.timeZone)) })
            .where('instance', '=', w.instance)
            .where('policy', '=', w.policy)
            .execute();
        }
      }
    });
    return this.list();
  }

  async list(): Promise<ScheduleRecord[]> {
    const mode = modeMatch(this.context);
    const rows = await this.context.db.selectFrom('schedules').selectAll().where('instance', mode.op, mode.pattern).orderBy('next_run_at').orderBy('instance').orderBy('policy').execute();
    return rows.map(toRecord);
  }

  async claim(input: { instance: string; policy: string; due: string; next: string; by: string; outcome: 'running' | 'missed'; at: Date; detail?: string }): Promise<boolean> {
    const at = toIso(input.at);
    const result = await this.context.db
      .updateTable('schedules')
      .set({
        next_run_at: input.next,
        last_due_at: input.due,
        last_started_at: at,
        last_finished_at: input.outcome === 'missed' ? at : null,
        last_outcome: input.outcome,
        last_detail: input.detail ?? null,
        claimed_by: input.by,
      })
      .where('instance', '=', modeInstance(this.context, input.instance))
      .where('policy', '=', input.policy)
      .where('next_run_at', '=', input.due)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async finish(input: { instance: string; policy: string; outcome: ScheduleOutcome; detail: string | null; at: Date }): Promise<void> {
    await this.context.db
      .updateTable('schedules')
      .set({ last_outcome: input.outcome, last_detail: input.detail, last_finished_at: toIso(input.at) })
      .where('instance', '=', modeInstance(this.context, input.instance))
      .where('policy', '=', input.policy)
      .execute();
  }
}
