/** Each application of a scan (key, name, granting groups, direct users, default groups, seats), kept with the scan. */

import type { Kysely, Migration } from 'kysely';

/**
 * Migration 0010: scans.applications_json. Scans stored before it keep null, which the store reads as one `confluence`
 * application from the stored grants and licence: every scan before it was of a Confluence DC instance.
 */
export const scanApplicationsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('scans').addColumn('applications_json', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('scans').dropColumn('applications_json').execute();
  },
};
