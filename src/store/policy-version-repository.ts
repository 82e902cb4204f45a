/** Who last changed each policy: one row per instance and policy, credited to whoever first planned a new version. */

import type { PolicyVersion, PolicyVersionRepository } from '../app/store/policy-version-repository-port.ts';
import type { StoreContext } from './store-context.ts';
import { toIso } from './store-codec.ts';

/** PolicyVersionRepository over Kysely. */
export class SqlPolicyVersionRepository implements PolicyVersionRepository {
  constructor(private readonly context: StoreContext) {}

  async observe(instance: string, policies: readonly { policy: string; hash: string }[], actor: string, at: Date): Promise<PolicyVersion[]> {
    if (policies.length === 0) return [];
    const { db } = this.context;
    const changedAt = toIso(at);
    // One upsert per policy: the `where` keeps an unchanged version's changer, and the statement is atomic, so two
    // processes planning at once cannot both claim the change.
    for (const { policy, hash } of policies) {
      await db
        .insertInto('policy_versions')
        .values({ instance, policy, config_hash: hash, changed_by: actor, changed_at: changedAt })
        .onConflict((oc) =>
          oc
            .columns(['instance', 'policy'])
            .doUpdateSet((eb) => ({
              config_hash: eb.ref('excluded.config_hash'),
              changed_by: eb.ref('excluded.changed_by'),
              changed_at: eb.ref('excluded.changed_at'),
            }))
            .where('policy_versions.config_hash', '<>', (eb) => eb.ref('excluded.config_hash')),
        )
        .execute();
    }
    const rows = await db
      .selectFrom('policy_versions')
      .selectAll()
      .where('instance', '=', instance)
      .where('policy', 'in', policies.map((p) => p.policy))
      .orderBy('policy')
      .execute();
    return rows.map((row) => ({ policy: row.policy, hash: row.config_hash, changedBy: row.changed_by, changedAt: row.changed_at }));
  }
}
