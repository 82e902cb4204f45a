/**
 * Follows accounts across renames: user memory, lifecycle stages and the notice journal record the account id (user
 * key) beside the username (migration 0011), and a scan that lists a known id under a new name moves its rows there.
 */

import type { Transaction } from 'kysely';
import type { AccountFollowRepository, AccountRename } from '../app/store/account-follow-repository-port.ts';
import type { StoreContext } from './store-context.ts';
import type { Database } from './store-tables.ts';
import { modeInstance } from './rehearsal-instance.ts';

type Listed = { readonly userKey: string; readonly username: string };

/** Where the scan lists each account: by id, and by lower-case username (usernames compare case-insensitively). */
interface Listing {
  readonly nameOfKey: ReadonlyMap<string, string>;
  readonly keyOfName: ReadonlyMap<string, string>;
}

// A name no account can have (usernames hold no control characters; PostgreSQL text refuses NUL), unique per account id: rows parked here while
// names are swapped, so A → B and B → A in one scan never meet on a key.
const parked = (userKey: string): string => `\u0001moving\u0001${userKey}`;

/** AccountFollowRepository over Kysely. */
export class SqlAccountFollowRepository implements AccountFollowRepository {
  constructor(private readonly context: StoreContext) {}

  async follow(instance: string, accounts: readonly Listed[]): Promise<{ renames: AccountRename[]; dropped: string[] }> {
    const stored = modeInstance(this.context, instance);
    const listing: Listing = {
      nameOfKey: new Map(accounts.map((a) => [a.userKey, a.username])),
      keyOfName: new Map(accounts.map((a) => [a.username.toLowerCase(), a.userKey])),
    };
    return this.context.db.transaction().execute(async (trx) => {
      const renames = new Map<string, AccountRename>();
      const dropped: string[] = [];
      const seen = (userKey: string, from: string, to: string) => {
        if (!renames.has(userKey)) renames.set(userKey, { userKey, from, to });
      };
      await followMemory(trx, stored, listing, seen, dropped);
      await followStages(trx, stored, listing, seen, dropped);
      await followNotices(trx, stored, listing, seen);
      return { renames: [...renames.values()].sort((a, b) => (a.to < b.to ? -1 : 1)), dropped };
    });
  }
}

type Seen = (userKey: string, from: string, to: string) => void;

async function followMemory(trx: Transaction<Database>, instance: string, listing: Listing, seen: Seen, dropped: string[]): Promise<void> {
  const rows = await trx.selectFrom('user_memory').selectAll().where('instance', '=', instance).execute();
  const moving = rows.filter((r) => r.user_key !== null && listing.nameOfKey.has(r.user_key) && listing.nameOfKey.get(r.user_key) !== r.username);
  for (const row of moving) {
    if (row.user_key === null) continue;
    await trx.updateTable('user_memory').set({ username: parked(row.user_key) }).where('instance', '=', instance).where('username', '=', row.username).execute();
  }
  const movedKeys = new Set(moving.flatMap((r) => r.user_key ?? []));
  for (const row of moving) {
    const userKey = row.user_key;
    const to = userKey === null ? undefined : listing.nameOfKey.get(userKey);
    if (userKey === null || to === undefined) continue;
    let merged = { first_seen: row.first_seen, last_login: row.last_login, last_licensed_at: row.last_licensed_at };
    for (const other of rows.filter((r) => r.username.toLowerCase() === to.toLowerCase() && !movedKeys.has(r.user_key ?? ''))) {
      if (other.user_key === null) {
        // Keyless memory under the account's name is matched by name: it is this account's, from before keys were kept.
        merged = {
          first_seen: other.first_seen < merged.first_seen ? other.first_seen : merged.first_seen,
          last_login: later(merged.last_login, other.last_login),
          last_licensed_at: later(merged.last_licensed_at, other.last_licensed_at),
        };
      } else {
        dropped.push(`memory of ${JSON.stringify(other.username)} (user key ${other.user_key}): the name is now user key ${userKey}'s`);
      }
      await trx.deleteFrom('user_memory').where('instance', '=', instance).where('username', '=', other.username).execute();
    }
    await trx.updateTable('user_memory').set({ username: to, ...merged }).where('instance', '=', instance).where('username', '=', parked(userKey)).execute();
    seen(userKey, row.username, to);
  }
  // Keyless rows of a listed name get its account id, unless the account has memory already (then the name is gone).
  const keyed = new Set(rows.flatMap((r) => r.user_key ?? []));
  for (const row of rows) {
    if (row.user_key !== null) continue;
    const userKey = listing.keyOfName.get(row.username.toLowerCase());
    if (userKey === undefined || keyed.has(userKey) || listing.nameOfKey.get(userKey) !== row.username) continue;
    await trx.updateTable('user_memory').set({ user_key: userKey }).where('instance', '=', instance).where('username', '=', row.username).where('user_key', 'is', null).execute();
    keyed.add(userKey);
  }
}

async function followStages(trx: Transaction<Database>, instance: string, listing: Listing, seen: Seen, dropped: string[]): Promise<void> {
  const rows = await trx.selectFrom('lifecycle_stages').selectAll().where('instance', '=', instance).execute();
  const moving = rows.filter((r) => r.user_key !== null && listing.nameOfKey.has(r.user_key) && listing.nameOfKey.get(r.user_key) !== r.username);
  const where = (policy: string, username: string) =>
    trx.updateTable('lifecycle_stages').where('instance', '=', instance).where('policy', '=', policy).where('username', '=', username);
  for (const row of moving) {
    if (row.user_key !== null) await where(row.policy, row.username).set({ username: parked(row.user_key) }).execute();
  }
  const movedKeys = new Set(moving.flatMap((r) => r.user_key ?? []));
  for (const row of moving) {
    const userKey = row.user_key;
    const to = userKey === null ? undefined : listing.nameOfKey.get(userKey);
    if (userKey === null || to === undefined) continue;
    let keep = true;
    for (const other of rows.filter((r) => r.policy === row.policy && r.username.toLowerCase() === to.toLowerCase() && !movedKeys.has(r.user_key ?? ''))) {
      // A keyless stage under the name is this account's too (matched by name): the one entered last stands.
      if (other.user_key === null && other.entered_at > row.entered_at) {
        keep = false;
        continue;
      }
      if (other.user_key !== null) dropped.push(`${row.policy} stage of ${JSON.stringify(other.username)} (user key ${other.user_key}): the name is now user key ${userKey}'s`);
      await trx.deleteFrom('lifecycle_stages').where('instance', '=', instance).where('policy', '=', other.policy).where('username', '=', other.username).execute();
    }
    if (keep) await where(row.policy, parked(userKey)).set({ username: to }).execute();
    else {
      await trx.deleteFrom('lifecycle_stages').where('instance', '=', instance).where('policy', '=', row.policy).where('username', '=', parked(userKey)).execute();
      await trx.updateTable('lifecycle_stages').set({ user_key: userKey }).where('instance', '=', instance).where('policy', '=', row.policy).where('username', '=', to).execute();
    }
    seen(userKey, row.username, to);
  }
  const keyed = new Set(rows.flatMap((r) => (r.user_key === null ? [] : [`${r.policy}\u0000${r.user_key}`])));
  for (const row of rows) {
    if (row.user_key !== null) continue;
    const userKey = listing.keyOfName.get(row.username.toLowerCase());
    if (userKey === undefined || keyed.has(`${row.policy}\u0000${userKey}`) || listing.nameOfKey.get(userKey) !== row.username) continue;
    await where(row.policy, row.username).set({ user_key: userKey }).where('user_key', 'is', null).execute();
    keyed.add(`${row.policy}\u0000${userKey}`);
  }
}

async function followNotices(trx: Transaction<Database>, instance: string, listing: Listing, seen: Seen): Promise<void> {
  const rows = await trx.selectFrom('notice_journal').select(['id', 'policy', 'username', 'user_key', 'stage', 'inactive_since']).where('instance', '=', instance).execute();
  const once = (r: { policy: string; username: string; stage: string; inactive_since: string }) => `${r.policy}\u0000${r.username}\u0000${r.stage}\u0000${r.inactive_since}`;
  const taken = new Set(rows.map(once));
  const moving = rows.filter((r) => r.user_key !== null && listing.nameOfKey.has(r.user_key) && listing.nameOfKey.get(r.user_key) !== r.username);
  for (const row of moving) {
    if (row.user_key !== null) await trx.updateTable('notice_journal').set({ username: parked(row.user_key) }).where('id', '=', row.id).execute();
    taken.delete(once(row));
  }
  for (const row of moving) {
    const userKey = row.user_key;
    const to = userKey === null ? undefined : listing.nameOfKey.get(userKey);
    if (userKey === null || to === undefined) continue;
    // A notice is never deleted: one that would meet another row's once-key keeps its old name (and its account id).
    const name = taken.has(once({ ...row, username: to })) ? row.username : to;
    taken.add(once({ ...row, username: name }));
    await trx.updateTable('notice_journal').set({ username: name }).where('id', '=', row.id).execute();
    if (name === to) seen(userKey, row.username, to);
  }
  for (const row of rows) {
    if (row.user_key !== null) continue;
    const userKey = listing.keyOfName.get(row.username.toLowerCase());
    if (userKey === undefined) continue;
    await trx.updateTable('notice_journal').set({ user_key: userKey }).where('id', '=', row.id).execute();
  }
}

function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return b > a ? b : a;
}
