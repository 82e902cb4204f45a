/** Lifecycle stages: one row per instance, policy and user, saying which stage the user entered and when. */

import type { LifecycleRecord } from '../domain/lifecycle.ts';
import type { AccountLifecycleRecord, LifecycleRepository } from '../app/store/lifecycle-repository-port.ts';
import type { StoreContext } from './store-context.ts';
import { fromIso, fromIsoOrNull, toIso, toIsoOrNull } from './store-codec.ts';
import { modeInstance } from './rehearsal-instance.ts';

/** LifecycleRepository over Kysely. */
export class SqlLifecycleRepository implements LifecycleRepository {
  constructor(private readonly context: StoreContext) {}

  async records(instance: string): Promise<AccountLifecycleRecord[]> {
    const rows = await this.context.db
      .selectFrom('lifecycle_stages')
      .selectAll()
      // A rehearsal's stages are apart from real ones (rehearsal-instance.ts): a rehearsed notice is not a real one.
      .where('instance', '=', modeInstance(this.context, instance))
      .orderBy('policy')
      .orderBy('username')
      .execute();
    return rows.map((row) => ({
      policy: row.policy,
      username: row.username,
      userKey: row.user_key,
      stage: row.stage,
      enteredAt: fromIso(row.entered_at),
      lastLoginAtEntry: fromIsoOrNull(row.last_login_at_entry),
    }));
  }

  async enter(instance: string, record: LifecycleRecord & { readonly userKey?: string | null }): Promise<void> {
    // Entering the stage the user is already in (a plan applied twice, a crash recovered) keeps the first entry time:
    // the wait before the next stage counts from when the stage was really reached. A record of another account under
    // the same name (an old username re-used) is replaced whatever its stage: the new account starts its own lifecycle.
    const userKey = record.userKey ?? null;
    await this.context.db
      .insertInto('lifecycle_stages')
      .values({
        instance: modeInstance(this.context, instance),
        policy: record.policy,
        username: record.username,
        user_key: userKey,
        stage: record.stage,
        entered_at: toIso(record.enteredAt),
        last_login_at_entry: toIsoOrNull(record.lastLoginAtEntry),
      })
      .onConflict((oc) =>
        oc
          .columns(['instance', 'policy', 'username'])
          .doUpdateSet((eb) => ({
            user_key: eb.fn.coalesce('excluded.user_key', 'lifecycle_stages.user_key'),
            stage: eb.ref('excluded.stage'),
            entered_at: eb.ref('excluded.entered_at'),
            last_login_at_entry: eb.ref('excluded.last_login_at_entry'),
          }))
          .where((eb) =>
            userKey === null
              ? eb('lifecycle_stages.stage', '<>', record.stage)
              : eb.or([
                  eb('lifecycle_stages.stage', '<>', record.stage),
                  eb.and([eb('lifecycle_stages.user_key', 'is not', null), eb('lifecycle_stages.user_key', '<>', userKey)]),
                ]),
          ),
      )
      .execute();
  }

  async clear(instance: string, policy: string, username: string, enteredAt: Date): Promise<boolean> {
    // Only the record the plan saw: one entered since (by a later run) is not the one the plan meant to clear.
    const result = await this.context.db
      .deleteFrom('lifecycle_stages')
      .where('instance', '=', modeInstance(this.context, instance))
      .where('policy', '=', policy)
      .where('username', '=', username)
      .where('entered_at', '=', toIso(enteredAt))
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
