/** Seatkeeper's own memory of users: first seen, last login, last licensed; kept across scans. */

import type { UserMemory, UserMemoryRepository } from '../app/store/user-memory-repository-port.ts';
import type { UserMemoryTable } from './store-tables.ts';
import type { StoreContext } from './store-context.ts';
import { chunk, fromIso, fromIsoOrNull, toIso, toIsoOrNull } from './store-codec.ts';
import { bulkInsert } from './bulk-insert.ts';
import { modeInstance } from './rehearsal-instance.ts';

/** One observation as `observe` receives it. */
type Fact = { username: string; userKey?: string | null; seenAt: Date; lastLogin: Date | null; licensed: boolean };

const MEMORY_COLUMNS = 6;

// ISO text compares like the instants it encodes, so the merge is plain SQL on both dialects.
// CASE rather than min()/max() or least()/greatest(): SQLite's and PostgreSQL's differ on NULLs.
// A row of another account under the same name (a new account re-using an old username) is not merged but replaced:
// the new account is a stranger, and a scan follows renames (account-follow-repository.ts) before it observes.
const STRANGER = 'user_memory.user_key is not null and excluded.user_key is not null and user_memory.user_key <> excluded.user_key';
const MERGE = `on conflict (instance, username) do update set
  user_key = coalesce(excluded.user_key, user_memory.user_key),
  first_seen = case when ${STRANGER} or excluded.first_seen < user_memory.first_seen then excluded.first_seen else user_memory.first_seen end,
  last_login = case
    when ${STRANGER} then excluded.last_login
    when excluded.last_login is null then user_memory.last_login
    when user_memory.last_login is null or excluded.last_login > user_memory.last_login then excluded.last_login
    else user_memory.last_login end,
  last_licensed_at = case
    when ${STRANGER} then excluded.last_licensed_at
    when excluded.last_licensed_at is null then user_memory.last_licensed_at
    when user_memory.last_licensed_at is null or excluded.last_licensed_at > user_memory.last_licensed_at then excluded.last_licensed_at
    else user_memory.last_licensed_at end`;
const MEMORY_COLUMN_NAMES = ['instance', 'username', 'user_key', 'first_seen', 'last_login', 'last_licensed_at'] as const;

/** UserMemoryRepository over Kysely: batched upserts that merge in the database. */
export class SqlUserMemoryRepository implements UserMemoryRepository {
  constructor(private readonly context: StoreContext) {}

  async observe(instance: string, facts: readonly Fact[]): Promise<void> {
    // A rehearsal's simulated seenAt must never make a real user "first seen" earlier: its memory is kept apart.
    const rows = mergeByUsername(modeInstance(this.context, instance), facts);
    if (rows.length === 0) return;
    // Hand-compiled (bulk-insert.ts): 100k observations per scan would otherwise build a query tree per value.
    await this.context.db.transaction().execute(async (trx) => {
      for (const batch of chunk(rows, MEMORY_COLUMNS, this.context.maxParameters)) {
        const tuples = batch.map((r) => [r.instance, r.username, r.user_key, r.first_seen, r.last_login, r.last_licensed_at]);
        await bulkInsert(trx, this.context.dialect, 'user_memory', MEMORY_COLUMN_NAMES, tuples, MERGE);
      }
    });
  }

  async recall(instance: string, usernames?: readonly string[]): Promise<Map<string, UserMemory>> {
    const { db, maxParameters } = this.context;
    const base = db.selectFrom('user_memory').select(['username', 'user_key', 'first_seen', 'last_login', 'last_licensed_at']).where('instance', '=', modeInstance(this.context, instance));
    const rows =
      usernames === undefined
        ? await base.execute()
        : (
            await Promise.all(
              // One value of each statement is the instance.
              chunk([...new Set(usernames)], 1, maxParameters - 1).map((names) => base.where('username', 'in', names).execute()),
            )
          ).flat();
    const memory = new Map<string, UserMemory>();
    for (const row of rows) {
      memory.set(row.username, {
        username: row.username,
        userKey: row.user_key,
        firstSeen: fromIso(row.first_seen),
        lastLogin: fromIsoOrNull(row.last_login),
        lastLicensedAt: fromIsoOrNull(row.last_licensed_at),
      });
    }
    return memory;
  }
}

/**
 * Folds repeated usernames into one row with the same rules the upsert applies: PostgreSQL refuses
 * to let one INSERT … ON CONFLICT touch a row twice.
 */
function mergeByUsername(instance: string, facts: readonly Fact[]): UserMemoryTable[] {
  const rows = new Map<string, UserMemoryTable>();
  for (const fact of facts) {
    const row: UserMemoryTable = {
      instance,
      username: fact.username,
      user_key: fact.userKey ?? null,
      first_seen: toIso(fact.seenAt),
      last_login: toIsoOrNull(fact.lastLogin),
      last_licensed_at: fact.licensed ? toIso(fact.seenAt) : null,
    };
    const seen = rows.get(fact.username);
    rows.set(
      fact.username,
      seen === undefined
        ? row
        : {
            instance,
            username: fact.username,
            user_key: row.user_key ?? seen.user_key,
            first_seen: row.first_seen < seen.first_seen ? row.first_seen : seen.first_seen,
            last_login: later(seen.last_login, row.last_login),
            last_licensed_at: later(seen.last_licensed_at, row.last_licensed_at),
          },
    );
  }
  return [...rows.values()];
}

function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return b > a ? b : a;
}
