/**
 * What Seatkeeper remembers of a user follows the account, not its name: user memory, lifecycle stages and the notice
 * journal record the account id (the user key) beside the username, so a rename seen by a scan moves them.
 */

import { sql, type Kysely, type Migration } from 'kysely';

const SUFFIX = '@rehearsal';

interface MemoryRow {
  instance: string;
  username: string;
  first_seen: string;
  last_login: string | null;
  last_licensed_at: string | null;
}

interface StageRow {
  instance: string;
  policy: string;
  username: string;
  entered_at: string;
}

/** Per stored instance: lower-case username → the key and spelling of the newest scan listing it; key → newest name. */
interface Known {
  readonly byName: Map<string, { key: string; username: string }>;
  readonly nameOfKey: Map<string, string>;
}

/**
 * Migration 0011: user_key on user_memory, lifecycle_stages and notice_journal, filled in from the newest scan of the
 * instance that lists the username (compared case-insensitively, as the products compare usernames); left null where
 * no scan does, until the next scan. Rows that turn out to be one account — the same key under two names, or two
 * spellings of one name — are merged first, so the unique keys on the account id hold: memory keeps the earliest
 * first-seen and the latest last login and licence, a stage the latest entered. Notices are evidence: never merged.
 */
export const accountKeysMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('user_memory').addColumn('user_key', 'text').execute();
    await db.schema.alterTable('lifecycle_stages').addColumn('user_key', 'text').execute();
    await db.schema.alterTable('notice_journal').addColumn('user_key', 'text').execute();

    const known = await knownAccounts(db);
    const lookup = (instance: string, username: string) => known.get(instance)?.byName.get(username.toLowerCase()) ?? null;
    /** The newest name of the account, else the name's spelling in the newest scan, else the name as stored. */
    const nameOf = (instance: string, username: string): { key: string | null; name: string } => {
      const found = lookup(instance, username);
      if (found === null) return { key: null, name: username };
      // The account's newest name, unless a newer listing gave that name to another account.
      const newest = known.get(instance)?.nameOfKey.get(found.key);
      const newestHolder = newest === undefined ? null : lookup(instance, newest);
      return { key: found.key, name: newest !== undefined && newestHolder?.key === found.key ? newest : found.username };
    };

    // User memory: one row per account.
    const memory = (await sql<MemoryRow>`select instance, username, first_seen, last_login, last_licensed_at from user_memory`.execute(db)).rows;
    const memoryGroups = groupBy(memory, (row) => {
      const { key } = nameOf(row.instance, row.username);
      return `${row.instance}\u0000${key === null ? `name:${row.username.toLowerCase()}` : `key:${key}`}`;
    });
    for (const group of memoryGroups.values()) {
      const [first] = group;
      if (first === undefined) continue;
      const { key, name } = nameOf(first.instance, first.username);
      const merged = group.reduce((a, b) => ({
        ...a,
        first_seen: b.first_seen < a.first_seen ? b.first_seen : a.first_seen,
        last_login: later(a.last_login, b.last_login),
        last_licensed_at: later(a.last_licensed_at, b.last_licensed_at),
      }));
      if (group.length > 1 || first.username !== name) {
        // Rewritten under the account's newest name; the keyless case-insensitive twins keep the first spelling.
        const target = key === null ? first.username : name;
        await sql`delete from user_memory where instance = ${first.instance} and username in (${sql.join(group.map((r) => r.username))})`.execute(db);
        await sql`insert into user_memory (instance, username, first_seen, last_login, last_licensed_at, user_key)
          values (${first.instance}, ${target}, ${merged.first_seen}, ${merged.last_login}, ${merged.last_licensed_at}, ${key})`.execute(db);
      } else if (key !== null) {
        await sql`update user_memory set user_key = ${key} where instance = ${first.instance} and username = ${first.username}`.execute(db);
      }
    }

    // Lifecycle stages: one row per account and policy; of two, the stage entered last stands.
    const stages = (await sql<StageRow>`select instance, policy, username, entered_at from lifecycle_stages`.execute(db)).rows;
    const stageGroups = groupBy(stages, (row) => {
      const { key } = nameOf(row.instance, row.username);
      return `${row.instance}\u0000${row.policy}\u0000${key === null ? `name:${row.username.toLowerCase()}` : `key:${key}`}`;
    });
    for (const group of stageGroups.values()) {
      const newest = group.reduce((a, b) => (b.entered_at > a.entered_at ? b : a));
      const { key, name } = nameOf(newest.instance, newest.username);
      for (const row of group) {
        if (row === newest) continue;
        await sql`delete from lifecycle_stages where instance = ${row.instance} and policy = ${row.policy} and username = ${row.username}`.execute(db);
      }
      const target = key === null ? newest.username : name;
      await sql`update lifecycle_stages set user_key = ${key}, username = ${target}
        where instance = ${newest.instance} and policy = ${newest.policy} and username = ${newest.username}`.execute(db);
    }

    // Notices keep the name they were sent to (they are the record of it) until a scan sees the account renamed.
    const notices = (await sql<{ id: number; instance: string; username: string }>`select id, instance, username from notice_journal`.execute(db)).rows;
    for (const notice of notices) {
      const found = lookup(notice.instance, notice.username);
      if (found !== null) await sql`update notice_journal set user_key = ${found.key} where id = ${notice.id}`.execute(db);
    }

    await db.schema.createIndex('user_memory_account').on('user_memory').columns(['instance', 'user_key']).unique().where(sql.ref('user_key'), 'is not', null).execute();
    await db.schema
      .createIndex('lifecycle_stages_account')
      .on('lifecycle_stages')
      .columns(['instance', 'policy', 'user_key'])
      .unique()
      .where(sql.ref('user_key'), 'is not', null)
      .execute();
    await db.schema.createIndex('notice_journal_account').on('notice_journal').columns(['instance', 'user_key']).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('notice_journal_account').execute();
    await db.schema.dropIndex('lifecycle_stages_account').execute();
    await db.schema.dropIndex('user_memory_account').execute();
    await db.schema.alterTable('notice_journal').dropColumn('user_key').execute();
    await db.schema.alterTable('lifecycle_stages').dropColumn('user_key').execute();
    await db.schema.alterTable('user_memory').dropColumn('user_key').execute();
  },
};

/** What the scans know, per stored instance id (a rehearsal's rows sit under `<instance>@rehearsal`, its scans are marked). */
async function knownAccounts(db: Kysely<unknown>): Promise<Map<string, Known>> {
  const listed = (
    await sql<{ instance: string; rehearsal: number; username: string; user_key: string }>`
      select s.instance, s.rehearsal, u.username, u.user_key
      from scan_users u join scans s on s.seq = u.scan_seq
      order by s.seq, u.ord`.execute(db)
  ).rows;
  const known = new Map<string, Known>();
  // Oldest scan first: a newer listing of the same name or key overwrites an older one.
  for (const row of listed) {
    const stored = Number(row.rehearsal) === 1 ? `${row.instance}${SUFFIX}` : row.instance;
    let entry = known.get(stored);
    if (entry === undefined) {
      entry = { byName: new Map(), nameOfKey: new Map() };
      known.set(stored, entry);
    }
    entry.byName.set(row.username.toLowerCase(), { key: row.user_key, username: row.username });
    entry.nameOfKey.set(row.user_key, row.username);
  }
  return known;
}

function groupBy<T>(rows: readonly T[], keyOf: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [row]);
    else group.push(row);
  }
  return groups;
}

function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return b > a ? b : a;
}
