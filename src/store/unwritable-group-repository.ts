/** Groups an instance refused to change: remembered so later plans leave them alone instead of failing every day. */

import type { UnwritableGroup, UnwritableGroupRepository } from '../app/store/unwritable-group-repository-port.ts';
import type { StoreContext } from './store-context.ts';
import { toIso } from './store-codec.ts';

/** UnwritableGroupRepository over Kysely. */
export class SqlUnwritableGroupRepository implements UnwritableGroupRepository {
  constructor(private readonly context: StoreContext) {}

  async remember(input: { instance: string; group: string; message: string; at: Date }): Promise<void> {
    const row = { instance: input.instance, group_lower: input.group.toLowerCase(), group_name: input.group, message: input.message, refused_at: toIso(input.at) };
    // The first refusal is the one kept: it says when the group was first found not writable.
    await this.context.db
      .insertInto('unwritable_groups')
      .values(row)
      .onConflict((oc) => oc.columns(['instance', 'group_lower']).doNothing())
      .execute();
  }

  async list(instance: string): Promise<UnwritableGroup[]> {
    const rows = await this.context.db
      .selectFrom('unwritable_groups')
      .select(['group_name', 'message', 'refused_at'])
      .where('instance', '=', instance)
      .orderBy('group_lower')
      .execute();
    return rows.map((row) => ({ group: row.group_name, message: row.message, refusedAt: row.refused_at }));
  }

  async forget(instance: string, group: string): Promise<boolean> {
    const result = await this.context.db
      .deleteFrom('unwritable_groups')
      .where('instance', '=', instance)
      .where('group_lower', '=', group.toLowerCase())
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
