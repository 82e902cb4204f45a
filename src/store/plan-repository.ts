/** Plans: stored as canonical JSON next to their hash, so an approved plan is read back exactly as approved. */

import type { Selectable } from 'kysely';
import { InvalidInput, NotFound } from '../domain/errors.ts';
import { canonicalJson, verifyPlanHash } from '../domain/plan-hash.ts';
import type { Plan } from '../domain/plan.ts';
import type { PlanRepository, PlanStatus, StoredPlan } from '../app/store-port.ts';
import type { PlansTable, StoreContext } from './store-database.ts';
import { isoFromText, newId } from './store-codec.ts';
import { parseStoredJson, planSchema } from './store-json-schema.ts';

/** PlanRepository over Kysely. */
export class SqlPlanRepository implements PlanRepository {
  constructor(private readonly context: StoreContext) {}

  async save(plan: Plan, status: PlanStatus): Promise<string> {
    if (!verifyPlanHash(plan)) throw new InvalidInput(`The plan for ${plan.instance} does not match its hash ${plan.hash}; it was changed after hashing.`);
    const id = newId('plan');
    await this.context.db
      .insertInto('plans')
      .values({
        id,
        instance: plan.instance,
        scan_id: plan.scanId,
        created_at: isoFromText(plan.createdAt, 'The plan createdAt'),
        hash: plan.hash,
        status,
        plan_json: canonicalJson(plan),
      })
      .execute();
    return id;
  }

  async get(id: string): Promise<StoredPlan | null> {
    const row = await this.context.db.selectFrom('plans').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : toStoredPlan(row);
  }

  async setStatus(id: string, status: PlanStatus): Promise<void> {
    const result = await this.context.db.updateTable('plans').set({ status }).where('id', '=', id).executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new NotFound(`Plan ${id} does not exist.`);
  }

  async latest(instance: string): Promise<StoredPlan | null> {
    const row = await this.context.db
      .selectFrom('plans')
      .selectAll()
      .where('instance', '=', instance)
      .orderBy('created_at', 'desc')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? null : toStoredPlan(row);
  }
}

function toStoredPlan(row: Selectable<PlansTable>): StoredPlan {
  const plan = parseStoredJson(planSchema, row.plan_json, `plan ${row.id}`);
  // A plan is what an admin approved: refuse to hand back one whose content no longer matches its hash.
  if (plan.hash !== row.hash || !verifyPlanHash(plan)) throw new Error(`Stored plan ${row.id} does not match its hash; it was changed in the database.`);
  return { id: row.id, status: row.status, plan };
}
