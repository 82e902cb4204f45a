/**
 * The notice journal: each notice e-mail is claimed (written) before it goes to the mail server and settled with the
 * server's answer. Its unique key — instance, policy, user, stage, period of inactivity — is what sends a notice once.
 */

import type { Selectable } from 'kysely';
import { Conflict, NotFound } from '../domain/errors.ts';
import type { NoticeClaim, NoticeEntry, NoticeJournalRepository } from '../app/store/notice-journal-repository-port.ts';
import type { StoreContext } from './store-context.ts';
import type { NoticeJournalTable } from './lifecycle-tables.ts';
import { toIso } from './store-codec.ts';
import { modeInstance, modeMatch, plainInstance } from './rehearsal-instance.ts';

type ClaimInput = Parameters<NoticeJournalRepository['claim']>[0];

/** NoticeJournalRepository over Kysely. */
export class SqlNoticeJournalRepository implements NoticeJournalRepository {
  constructor(private readonly context: StoreContext) {}

  async claim(input: ClaimInput): Promise<NoticeClaim> {
    const { db } = this.context;
    // A rehearsal claims under its own instance key (rehearsal-instance.ts): its notices never count as sent for real.
    const key = { instance: modeInstance(this.context, input.instance), policy: input.policy, username: input.username, stage: input.stage, inactive_since: toIso(input.inactiveSince) };
    const fresh = { user_key: input.userKey ?? null, recipient: input.recipient, token_hash: input.tokenHash, run_id: input.runId, claimed_at: toIso(input.at) };
    // The unique key decides, race-free across processes: whoever inserts the row sends the notice.
    const inserted = await db
      .insertInto('notice_journal')
      .values({ ...key, ...fresh, sent_at: null, message_id: null, error: null })
      .onConflict((oc) => oc.columns(['instance', 'policy', 'username', 'stage', 'inactive_since']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted !== undefined) return { status: 'claimed', id: inserted.id };

    // A failed attempt is claimed again (the mail server said no, so nothing reached the user); the update's condition
    // makes that a compare-and-set, so two processes cannot both retry it.
    const retried = await db
      .updateTable('notice_journal')
      .set({ ...fresh, error: null, message_id: null })
      .where('instance', '=', key.instance)
      .where('policy', '=', key.policy)
      .where('username', '=', key.username)
      .where('stage', '=', key.stage)
      .where('inactive_since', '=', key.inactive_since)
      .where('sent_at', 'is', null)
      .where('error', 'is not', null)
      .returning('id')
      .executeTakeFirst();
    if (retried !== undefined) return { status: 'claimed', id: retried.id };

    const row = await db
      .selectFrom('notice_journal')
      .selectAll()
      .where('instance', '=', key.instance)
      .where('policy', '=', key.policy)
      .where('username', '=', key.username)
      .where('stage', '=', key.stage)
      .where('inactive_since', '=', key.inactive_since)
      .executeTakeFirstOrThrow();
    // Neither sent nor failed: an attempt stopped between the claim and the server's answer. The e-mail may have gone
    // out, so it is never sent again.
    return row.sent_at !== null ? { status: 'sent', entry: toEntry(row) } : { status: 'in-flight', entry: toEntry(row) };
  }

  async settle(id: number, outcome: { sentAt: Date; messageId: string } | { error: string }): Promise<void> {
    const { db } = this.context;
    const mode = modeMatch(this.context);
    const values = 'sentAt' in outcome
      ? { sent_at: toIso(outcome.sentAt), message_id: outcome.messageId, error: null }
      : { sent_at: null, message_id: null, error: outcome.error };
    // Only an open claim settles: a sent notice stays sent.
    const result = await db
      .updateTable('notice_journal')
      .set(values)
      .where('id', '=', id)
      .where('instance', mode.op, mode.pattern)
      .where('sent_at', 'is', null)
      .where('error', 'is', null)
      .executeTakeFirst();
    if (result.numUpdatedRows > 0n) return;
    const row = await db.selectFrom('notice_journal').select(['sent_at', 'error']).where('id', '=', id).where('instance', mode.op, mode.pattern).executeTakeFirst();
    if (row === undefined) throw new NotFound(`Notice ${id} does not exist.`);
    throw new Conflict(`Notice ${id} is already settled (${row.sent_at !== null ? `sent ${row.sent_at}` : `failed: ${row.error ?? ''}`}).`);
  }

  async list(instance: string, filter: { username?: string; runId?: string } = {}): Promise<NoticeEntry[]> {
    let query = this.context.db.selectFrom('notice_journal').selectAll().where('instance', '=', modeInstance(this.context, instance));
    if (filter.username !== undefined) query = query.where('username', '=', filter.username);
    if (filter.runId !== undefined) query = query.where('run_id', '=', filter.runId);
    const rows = await query.orderBy('id').execute();
    return rows.map(toEntry);
  }

  async findByTokenHash(tokenHash: string): Promise<NoticeEntry | null> {
    // A link from a rehearsed notice keeps nothing for real, and a real link is not answered by a rehearsal server.
    const mode = modeMatch(this.context);
    const row = await this.context.db
      .selectFrom('notice_journal')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .where('instance', mode.op, mode.pattern)
      .executeTakeFirst();
    return row === undefined ? null : toEntry(row);
  }
}

function toEntry(row: Selectable<NoticeJournalTable>): NoticeEntry {
  return {
    id: row.id,
    instance: plainInstance(row.instance),
    policy: row.policy,
    username: row.username,
    userKey: row.user_key,
    stage: row.stage,
    inactiveSince: row.inactive_since,
    recipient: row.recipient,
    runId: row.run_id,
    claimedAt: row.claimed_at,
    sentAt: row.sent_at,
    messageId: row.message_id,
    error: row.error,
  };
}
