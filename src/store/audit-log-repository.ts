/**
 * The audit log over Kysely: a row's seq is the newest seq + 1, read and inserted in one transaction; two appenders
 * that read the same newest row collide on the primary key and the loser tries again on the new newest row.
 */

import type { AuditEvent, AuditLogRepository, AuditRecord } from '../app/store/audit-log-repository-port.ts';
import type { StoreContext } from './store-context.ts';
import type { AuditLogTable } from './security-tables.ts';
import { auditRowHash, GENESIS_HASH } from '../domain/audit-chain.ts';
import { canonicalJson } from '../domain/plan-hash.ts';
import { toIso } from './store-codec.ts';
import { isUniqueViolation } from './unique-violation.ts';

const ATTEMPTS = 8;

/** A stored row as read: a detail that is no JSON object any more is kept as text, so the row's hash fails to match. */
function recordOf(row: AuditLogTable): AuditRecord {
  let detail: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(row.detail_json);
    detail = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? Object.fromEntries(Object.entries(parsed)) : { unreadable: row.detail_json };
  } catch {
    detail = { unreadable: row.detail_json };
  }
  return {
    seq: Number(row.seq),
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    address: row.address,
    outcome: row.outcome,
    detail,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** AuditLogRepository over Kysely. */
export class SqlAuditLogRepository implements AuditLogRepository {
  constructor(private readonly context: StoreContext) {}

  async append(event: AuditEvent, at: Date): Promise<AuditRecord> {
    const when = toIso(at);
    // Canonical text, so the stored detail reads back to the value the hash was taken over.
    const detail: unknown = JSON.parse(canonicalJson(event.detail));
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.context.db.transaction().execute(async (trx) => {
          const last = await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
          const seq = last === undefined ? 1 : Number(last.seq) + 1;
          const prevHash = last?.hash ?? GENESIS_HASH;
          const fields = { seq, at: when, actor: event.actor, action: event.action, target: event.target, address: event.address, outcome: event.outcome, detail, prevHash };
          const hash = auditRowHash(fields);
          await trx
            .insertInto('audit_log')
            .values({ seq, at: when, actor: event.actor, action: event.action, target: event.target, address: event.address, outcome: event.outcome, detail_json: canonicalJson(detail), prev_hash: prevHash, hash })
            .execute();
          return { ...event, seq, at: when, detail: event.detail, prevHash, hash };
        });
      } catch (error) {
        if (attempt >= ATTEMPTS || !isUniqueViolation(error)) throw error;
      }
    }
  }

  async read(input: { afterSeq: number; limit: number; since?: Date }): Promise<AuditRecord[]> {
    let query = this.context.db.selectFrom('audit_log').selectAll().where('seq', '>', input.afterSeq);
    if (input.since !== undefined) query = query.where('at', '>=', toIso(input.since));
    const rows = await query.orderBy('seq').limit(input.limit).execute();
    return rows.map(recordOf);
  }
}
