/** Alerts: guard trips recorded once per instance, scan and kind, open until an admin acknowledges them. */

import type { Selectable } from 'kysely';
import { NotFound } from '../domain/errors.ts';
import type { Alert, AlertRepository } from '../app/store-port.ts';
import type { AlertsTable, StoreContext } from './store-database.ts';
import { toIso } from './store-codec.ts';

/** AlertRepository over Kysely. */
export class SqlAlertRepository implements AlertRepository {
  constructor(private readonly context: StoreContext) {}

  async raise(input: { instance: string; scanId: string; kind: string; message: string; at: Date }): Promise<{ alert: Alert; created: boolean }> {
    const { db } = this.context;
    // The unique (instance, scan_id, kind) constraint does the deduplication, race-free across processes.
    const inserted = await db
      .insertInto('alerts')
      .values({
        instance: input.instance,
        scan_id: input.scanId,
        kind: input.kind,
        message: input.message,
        created_at: toIso(input.at),
        acknowledged_at: null,
        acknowledged_by: null,
      })
      .onConflict((oc) => oc.columns(['instance', 'scan_id', 'kind']).doNothing())
      .returning('id')
      .executeTakeFirst();
    const row = await db
      .selectFrom('alerts')
      .selectAll()
      .where('instance', '=', input.instance)
      .where('scan_id', '=', input.scanId)
      .where('kind', '=', input.kind)
      .executeTakeFirstOrThrow();
    return { alert: toAlert(row), created: inserted !== undefined };
  }

  async listOpen(instance?: string): Promise<Alert[]> {
    let query = this.context.db.selectFrom('alerts').selectAll().where('acknowledged_at', 'is', null);
    if (instance !== undefined) query = query.where('instance', '=', instance);
    const rows = await query.orderBy('id').execute();
    return rows.map(toAlert);
  }

  async acknowledge(id: number, by: string, at: Date): Promise<Alert> {
    const { db } = this.context;
    await db
      .updateTable('alerts')
      .set({ acknowledged_at: toIso(at), acknowledged_by: by })
      .where('id', '=', id)
      .where('acknowledged_at', 'is', null)
      .execute();
    const row = await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) throw new NotFound(`no alert ${id}: list open alerts with \`seatkeeper alerts\``);
    return toAlert(row);
  }
}

function toAlert(row: Selectable<AlertsTable>): Alert {
  return {
    id: row.id,
    instance: row.instance,
    scanId: row.scan_id,
    kind: row.kind,
    message: row.message,
    createdAt: row.created_at,
    acknowledgedAt: row.acknowledged_at,
    acknowledgedBy: row.acknowledged_by,
  };
}
