/** What the instance could do when it was scanned, kept with the scan so the planner and the runner read it from there. */

import type { Kysely, Migration } from 'kysely';

/**
 * Migration 0009: scans.capabilities_json. Scans stored before it keep null, which the store reads as Confluence DC's
 * capabilities of the time (LEGACY_CONFLUENCE_CAPABILITIES): every scan before it was of a Confluence DC instance.
 */
export const scanCapabilitiesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('scans').addColumn('capabilities_json', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('scans').dropColumn('capabilities_json').execute();
  },
};
