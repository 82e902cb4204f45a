/**
 * The journal follows the account, not its name: each entry records the account id (user key) of the plan row it
 * carried out, so "every change to one user" finds an account's entries under every name it had, and never those of a
 * later account that took a freed name.
 */

import { sql, type Kysely, type Migration } from 'kysely';
import { planBodySchema, userStateSchema } from '../store-json-schema.ts';

/** Usernames (or entry ids) per statement: two parameters each, well under SQLite's and PostgreSQL's limits. */
const CHUNK = 200;
/** Entries read per page while backfilling from prior states: a journal can hold millions of rows. */
const PAGE = 2000;

/**
 * Migration 0012: nullable `user_key` on journal_entries, filled in for the entries already there — from the plan row
 * of the entry's run with the same username (exactly as the plan wrote it, which is how the runner journaled it), else
 * from the user key the prior state recorded, else left null (such entries are matched by username, as before).
 *
 * The column is outside the entry's signature (domain/record-signature.ts signs run, username, step number, step and
 * prior state, a fixed set), so old entries verify as they did; whoever reads it by key checks it against the signed
 * prior state's key (app/undo-account.ts).
 */
export const journalAccountsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('journal_entries').addColumn('user_key', 'text').execute();

    // From the plans: one pass per run, over the usernames its entries name.
    const runs = (await sql<{ run_id: string; plan_json: string }>`select r.id as run_id, p.plan_json from runs r join plans p on p.id = r.plan_id`.execute(db)).rows;
    for (const run of runs) {
      const keys = planKeys(run.plan_json);
      if (keys.size === 0) continue;
      const names = (await sql<{ username: string }>`select distinct username from journal_entries where run_id = ${run.run_id}`.execute(db)).rows;
      const known = names.flatMap(({ username }): [string, string][] => {
        const key = keys.get(username);
        return key === undefined ? [] : [[username, key]];
      });
      for (let i = 0; i < known.length; i += CHUNK) {
        const part = known.slice(i, i + CHUNK);
        await sql`update journal_entries
          set user_key = case username ${sql.join(part.map(([username, key]) => sql`when ${username} then ${key}`), sql` `)} end
          where run_id = ${run.run_id} and user_key is null and username in (${sql.join(part.map(([username]) => username))})`.execute(db);
      }
    }

    // From the prior states, for entries whose plan named no key (or is unreadable).
    let after = 0;
    for (;;) {
      const page = (
        await sql<{ id: number | string; prior_json: string }>`select id, prior_json from journal_entries
          where user_key is null and prior_json is not null and id > ${after} order by id limit ${PAGE}`.execute(db)
      ).rows;
      const last = page[page.length - 1];
      if (last === undefined) break;
      after = Number(last.id);
      const known = page.flatMap((row): [number, string][] => {
        const key = priorKey(row.prior_json);
        return key === null ? [] : [[Number(row.id), key]];
      });
      for (let i = 0; i < known.length; i += CHUNK) {
        const part = known.slice(i, i + CHUNK);
        await sql`update journal_entries
          set user_key = case id ${sql.join(part.map(([id, key]) => sql`when ${id} then ${key}`), sql` `)} end
          where id in (${sql.join(part.map(([id]) => id))})`.execute(db);
      }
    }

    // "Every change to one account": by key, in journal order (entries without a key keep journal_entries_user).
    await db.schema.createIndex('journal_entries_account').on('journal_entries').columns(['user_key', 'id']).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('journal_entries_account').execute();
    await db.schema.alterTable('journal_entries').dropColumn('user_key').execute();
  },
};

/**
 * Username → user key of each plan row that has one. A plan the schema no longer reads gives none: the migration must
 * not stop on one odd row, and its entries still have their prior states to go by.
 */
function planKeys(planJson: string): Map<string, string> {
  const parsed = planBodySchema.safeParse(parseOrNull(planJson));
  const keys = new Map<string, string>();
  if (!parsed.success) return keys;
  for (const row of parsed.data.rows) if (row.userKey !== '' && !keys.has(row.username)) keys.set(row.username, row.userKey);
  return keys;
}

/** The user key a prior state recorded, or null. */
function priorKey(priorJson: string): string | null {
  const parsed = userStateSchema.safeParse(parseOrNull(priorJson));
  if (!parsed.success) return null;
  const key = parsed.data.userKey;
  return key === undefined || key === '' ? null : key;
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
