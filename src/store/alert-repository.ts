/**
 * Alerts: guard trips and run stops, open until an admin acknowledges them or their cause clears. A repeat of an
 * unresolved alert (same instance, kind and scan or run) is folded into it by a unique key, race-free across processes.
 */

import type { Selectable } from 'kysely';
import { NotFound } from '../domain/errors.ts';
import type { Alert, AlertOnce, AlertRepository, AlertResolution } from '../app/store/alert-repository-port.ts';
import type { AlertsTable } from './store-tables.ts';
import type { StoreContext } from './store-context.ts';
import { toIso } from './store-codec.ts';
import { modeInstance, modeMatch, plainInstance } from './rehearsal-instance.ts';

/** The key that folds repeats together while the alert is unresolved; null raises a new alert every time. */
function openKey(input: { kind: string; scanId: string; runId?: string; once?: AlertOnce }): string | null {
  const once = input.once ?? 'per-scan';
  if (once === 'never') return null;
  if (once === 'per-run') return `${input.kind}|run:${input.runId ?? ''}`;
  return `${input.kind}|scan:${input.scanId}`;
}

/** AlertRepository over Kysely. */
export class SqlAlertRepository implements AlertRepository {
  constructor(private readonly context: StoreContext) {}

  async raise(input: { instance: string; scanId: string; kind: string; message: string; at: Date; runId?: string; once?: AlertOnce }): Promise<{ alert: Alert; created: boolean }> {
    const { db } = this.context;
    const key = openKey(input);
    // A rehearsal's alerts are kept apart (rehearsal-instance.ts): they neither show among real ones nor fold into them.
    const instance = modeInstance(this.context, input.instance);
    // An unresolved alert holding the key is the one to return; resolved between the two statements, it frees the key
    // and the insert is tried again (a few times at most).
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const inserted = await db
        .insertInto('alerts')
        .values({
          instance,
          scan_id: input.scanId,
          run_id: input.runId ?? null,
          kind: input.kind,
          message: input.message,
          created_at: toIso(input.at),
          acknowledged_at: null,
          acknowledged_by: null,
          resolved_at: null,
          resolved_reason: null,
          open_key: key,
        })
        .onConflict((oc) => oc.columns(['instance', 'open_key']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted !== undefined) {
        return { alert: toAlert(await db.selectFrom('alerts').selectAll().where('id', '=', inserted.id).executeTakeFirstOrThrow()), created: true };
      }
      // Only a keyed alert can conflict.
      const row = await db.selectFrom('alerts').selectAll().where('instance', '=', instance).where('open_key', '=', key ?? '').executeTakeFirst();
      if (row !== undefined) return { alert: toAlert(row), created: false };
    }
    throw new Error(`the alert ${key ?? ''} of ${input.instance} kept being resolved while it was raised`);
  }

  async resolve(input: AlertResolution): Promise<Alert[]> {
    if (input.kinds.length === 0) return [];
    const { db } = this.context;
    let match = db
      .selectFrom('alerts')
      .select('id')
      // A rehearsal's cause clearing resolves only rehearsal alerts, and a real one only real ones.
      .where('instance', '=', modeInstance(this.context, input.instance))
      .where('kind', 'in', [...input.kinds])
      .where('resolved_at', 'is', null);
    if (input.runId !== undefined) match = match.where('run_id', '=', input.runId);
    if (input.exceptScanId !== undefined) match = match.where('scan_id', '<>', input.exceptScanId);
    const ids = (await match.execute()).map((r) => r.id);
    if (ids.length === 0) return [];
    // Conditional on still being unresolved: of two processes clearing the same cause, the first one's reason stays.
    await db
      .updateTable('alerts')
      .set({ resolved_at: toIso(input.at), resolved_reason: input.reason, open_key: null })
      .where('id', 'in', ids)
      .where('resolved_at', 'is', null)
      .execute();
    const rows = await db.selectFrom('alerts').selectAll().where('id', 'in', ids).orderBy('id').execute();
    return rows.map(toAlert);
  }

  async listOpen(instance?: string): Promise<Alert[]> {
    const mode = modeMatch(this.context);
    let query = this.context.db
      .selectFrom('alerts')
      .selectAll()
      .where('instance', mode.op, mode.pattern)
      .where('acknowledged_at', 'is', null)
      .where('resolved_at', 'is', null);
    if (instance !== undefined) query = query.where('instance', '=', modeInstance(this.context, instance));
    const rows = await query.orderBy('id').execute();
    return rows.map(toAlert);
  }

  async listAll(instance?: string): Promise<Alert[]> {
    const mode = modeMatch(this.context);
    let query = this.context.db.selectFrom('alerts').selectAll().where('instance', mode.op, mode.pattern);
    if (instance !== undefined) query = query.where('instance', '=', modeInstance(this.context, instance));
    const rows = await query.orderBy('id').execute();
    return rows.map(toAlert);
  }

  async acknowledge(id: number, by: string, at: Date): Promise<Alert> {
    const { db } = this.context;
    // An alert of the other mode is not there to acknowledge, as it is not there to list.
    const mode = modeMatch(this.context);
    await db
      .updateTable('alerts')
      .set({ acknowledged_at: toIso(at), acknowledged_by: by })
      .where('id', '=', id)
      .where('instance', mode.op, mode.pattern)
      .where('acknowledged_at', 'is', null)
      .execute();
    const row = await db.selectFrom('alerts').selectAll().where('id', '=', id).where('instance', mode.op, mode.pattern).executeTakeFirst();
    if (row === undefined) throw new NotFound(`no alert ${id}: list alerts with \`seatkeeper alerts --all\``);
    return toAlert(row);
  }
}

function toAlert(row: Selectable<AlertsTable>): Alert {
  return {
    id: row.id,
    instance: plainInstance(row.instance),
    scanId: row.scan_id,
    runId: row.run_id,
    kind: row.kind,
    message: row.message,
    createdAt: row.created_at,
    acknowledgedAt: row.acknowledged_at,
    acknowledgedBy: row.acknowledged_by,
    resolvedAt: row.resolved_at,
    resolvedReason: row.resolved_reason,
  };
}
