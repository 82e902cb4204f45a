/**
 * Plans: stored as canonical JSON next to their hash, so an approved plan is read back exactly as approved. A plan is
 * stamped with the store's clock when saved, and belongs to the mode it was saved in: a real store never hands back a
 * rehearsal plan, nor a rehearsal store a real one.
 */

import type { Selectable } from 'kysely';
import { z } from 'zod';
import { Conflict, InvalidInput, NotFound } from '../domain/errors.ts';
import { canonicalJson, hashText } from '../domain/plan-hash.ts';
import type { Plan } from '../domain/plan.ts';
import type { PlanHold, PlanRecordInput, PlanRepository, PlanStatus, StoredPlan } from '../app/store/plan-repository-port.ts';
import type { PlansTable } from './store-tables.ts';
import type { StoreContext } from './store-context.ts';
import { isoFromText, newId, toIso } from './store-codec.ts';
import { parseStoredJson, planBodySchema } from './store-json-schema.ts';
import { signApproval, signPlan } from '../domain/record-signature.ts';

/** PlanRepository over Kysely. */
export class SqlPlanRepository implements PlanRepository {
  constructor(private readonly context: StoreContext) {}

  /**
   * Stores the canonical text of everything but the hash, so the hash can be checked on the text itself when the
   * plan is read back: no re-serialisation of a 100k-row plan, and any edit in the database is caught.
   */
  async save(plan: Plan, status: PlanStatus, record: PlanRecordInput = {}): Promise<string> {
    const { hash, ...body } = plan;
    const text = canonicalJson(body);
    if (hashText(text) !== hash) throw new InvalidInput(`The plan for ${plan.instance} does not match its hash ${hash}; it was changed after hashing.`);
    const id = newId('plan');
    const savedAt = toIso(await this.context.now());
    const createdBy = record.createdBy ?? null;
    const policyChangedBy = [...new Set(record.policyChangedBy ?? [])].sort();
    const key = this.context.key?.() ?? null;
    await this.context.db
      .insertInto('plans')
      .values({
        id,
        instance: plan.instance,
        scan_id: plan.scanId,
        created_at: isoFromText(plan.createdAt, 'The plan createdAt'),
        hash: plan.hash,
        status,
        plan_json: text,
        created_by: createdBy,
        policy_changed_by_json: JSON.stringify(policyChangedBy),
        hold_json: record.hold ? JSON.stringify(record.hold) : null,
        approved_by: null,
        approved_at: null,
        rehearsal: this.context.rehearsal,
        saved_at: savedAt,
        signature: key === null ? null : signPlan(key, { id, hash: plan.hash, createdBy, policyChangedBy, savedAt }),
        approval_signature: null,
        run_id: null,
      })
      .execute();
    return id;
  }

  async get(id: string): Promise<StoredPlan | null> {
    const row = await this.context.db.selectFrom('plans').selectAll().where('id', '=', id).where('rehearsal', '=', this.context.rehearsal).executeTakeFirst();
    return row === undefined ? null : toStoredPlan(row);
  }

  async setStatus(id: string, status: PlanStatus): Promise<void> {
    const result = await this.context.db.updateTable('plans').set({ status }).where('id', '=', id).where('rehearsal', '=', this.context.rehearsal).executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new NotFound(`Plan ${id} does not exist.`);
  }

  async approve(id: string, by: string, at: Date): Promise<void> {
    const current = await this.context.db.selectFrom('plans').select('hash').where('id', '=', id).executeTakeFirst();
    if (current === undefined) throw new NotFound(`Plan ${id} does not exist.`);
    const approvedAt = toIso(at);
    const key = this.context.key?.() ?? null;
    // Conditional on the state, so two admins approving at once (or an approval racing an apply) cannot both win; and
    // on the hash the signature names, so it signs the content that is there.
    const result = await this.context.db
      .updateTable('plans')
      .set({
        status: 'approved',
        approved_by: by,
        approved_at: approvedAt,
        approval_signature: key === null ? null : signApproval(key, { planId: id, planHash: current.hash, by, at: approvedAt }),
      })
      .where('id', '=', id)
      .where('hash', '=', current.hash)
      .where('status', '=', 'waiting-approval')
      .where('rehearsal', '=', this.context.rehearsal)
      .executeTakeFirst();
    if (result.numUpdatedRows > 0n) return;
    const row = await this.context.db.selectFrom('plans').select('status').where('id', '=', id).where('rehearsal', '=', this.context.rehearsal).executeTakeFirst();
    if (row === undefined) throw new NotFound(`Plan ${id} does not exist.`);
    throw new Conflict(`Plan ${id} is ${row.status}, not waiting for approval.`);
  }

  async latest(instance: string): Promise<StoredPlan | null> {
    const row = await this.context.db
      .selectFrom('plans')
      .selectAll()
      .where('instance', '=', instance)
      .where('rehearsal', '=', this.context.rehearsal)
      .orderBy('created_at', 'desc')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? null : toStoredPlan(row);
  }

  async list(instance: string | undefined, limit: number): Promise<StoredPlan[]> {
    let query = this.context.db.selectFrom('plans').selectAll().where('rehearsal', '=', this.context.rehearsal);
    if (instance !== undefined) query = query.where('instance', '=', instance);
    const rows = await query.orderBy('created_at', 'desc').orderBy('seq', 'desc').limit(limit).execute();
    return rows.map(toStoredPlan);
  }
}

const namesSchema: z.ZodType<string[]> = z.array(z.string());
const holdSchema: z.ZodType<PlanHold> = z.object({ guard: z.string(), count: z.number(), limit: z.number(), message: z.string() });

function toStoredPlan(row: Selectable<PlansTable>): StoredPlan {
  // A plan is what an admin approved: refuse to hand back one whose content no longer matches its hash.
  if (hashText(row.plan_json) !== row.hash) throw new Error(`Stored plan ${row.id} does not match its hash; it was changed in the database.`);
  const body = parseStoredJson(planBodySchema, row.plan_json, `plan ${row.id}`);
  const policyChangedBy = row.policy_changed_by_json === null ? [] : parseStoredJson(namesSchema, row.policy_changed_by_json, `plan ${row.id} policy changers`);
  return {
    id: row.id,
    status: row.status,
    plan: { ...body, hash: row.hash },
    createdBy: row.created_by,
    policyChangedBy,
    hold: row.hold_json === null ? null : parseStoredJson(holdSchema, row.hold_json, `plan ${row.id} hold`),
    approval: row.approved_by === null || row.approved_at === null ? null : { by: row.approved_by, at: row.approved_at },
    // Migration 0007 filled it in for every older plan; a row written around it by hand falls back to the plan's own time.
    savedAt: row.saved_at ?? row.created_at,
    signature: row.signature,
    approvalSignature: row.approval_signature,
  };
}
