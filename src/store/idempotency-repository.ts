/** Idempotency keys over Kysely: the primary key (caller, key) decides which of concurrent requests runs. */

import type { IdempotencyRecord, IdempotencyRepository } from '../app/store/idempotency-repository-port.ts';
import type { StoreContext } from './store-context.ts';
import type { IdempotencyKeysTable } from './security-tables.ts';
import { toIso } from './store-codec.ts';

function recordOf(row: IdempotencyKeysTable): IdempotencyRecord {
  const response = row.status_code === null || row.response_json === null ? null : { statusCode: Number(row.status_code), body: parseJson(row.response_json) };
  return { caller: row.caller, key: row.key, bodyHash: row.body_hash, response, expiresAt: row.expires_at };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** IdempotencyRepository over Kysely. */
export class SqlIdempotencyRepository implements IdempotencyRepository {
  constructor(private readonly context: StoreContext) {}

  async claim(input: { caller: string; key: string; bodyHash: string; at: Date; expiresAt: Date }): Promise<{ claimed: true } | { claimed: false; record: IdempotencyRecord }> {
    const { db } = this.context;
    const at = toIso(input.at);
    // Expired keys are gone for every purpose: the caller's are dropped first, so a key may be used again.
    await db.deleteFrom('idempotency_keys').where('caller', '=', input.caller).where('expires_at', '<=', at).execute();
    const inserted = await db
      .insertInto('idempotency_keys')
      .values({ caller: input.caller, key: input.key, body_hash: input.bodyHash, status_code: null, response_json: null, created_at: at, expires_at: toIso(input.expiresAt) })
      .onConflict((oc) => oc.columns(['caller', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (inserted !== undefined) return { claimed: true };
    const row = await db.selectFrom('idempotency_keys').selectAll().where('caller', '=', input.caller).where('key', '=', input.key).executeTakeFirst();
    // Released between the two statements: the caller may try again.
    if (row === undefined) return this.claim(input);
    return { claimed: false, record: recordOf(row) };
  }

  async complete(input: { caller: string; key: string; statusCode: number; body: unknown }): Promise<void> {
    await this.context.db
      .updateTable('idempotency_keys')
      .set({ status_code: input.statusCode, response_json: JSON.stringify(input.body ?? null) })
      .where('caller', '=', input.caller)
      .where('key', '=', input.key)
      .execute();
  }

  async release(caller: string, key: string): Promise<void> {
    await this.context.db.deleteFrom('idempotency_keys').where('caller', '=', caller).where('key', '=', key).execute();
  }
}
