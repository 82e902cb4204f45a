/** What a scan noticed but could still stand on (warnings), and the groups an instance refused to change. */

import type { Kysely, Migration } from 'kysely';

/** Migration 0005: scans.warnings_json and the unwritable_groups table. */
export const instanceFactsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('scans').addColumn('warnings_json', 'text').execute();
    await db.schema
      .createTable('unwritable_groups')
      .addColumn('instance', 'text', (col) => col.notNull())
      // Group names are compared case-insensitively, as Confluence does.
      .addColumn('group_lower', 'text', (col) => col.notNull())
      .addColumn('group_name', 'text', (col) => col.notNull())
      .addColumn('message', 'text', (col) => col.notNull())
      .addColumn('refused_at', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('unwritable_groups_pk', ['instance', 'group_lower'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('unwritable_groups').execute();
    await db.schema.alterTable('scans').dropColumn('warnings_json').execute();
  },
};
