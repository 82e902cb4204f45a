/** Runs the store's migrations, listed here in code: no file-system discovery, so bundling cannot lose one. */

import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { StoreDialect } from '../store-context.ts';
import { initialMigration } from './0001-initial.ts';
import { schedulesMigration } from './0002-schedules.ts';
import { lifecycleMigration } from './0003-lifecycle.ts';
import { runLeasesMigration } from './0004-run-leases.ts';
import { instanceFactsMigration } from './0005-instance-facts.ts';
import { recordSignaturesMigration } from './0006-record-signatures.ts';
import { rehearsalMigration } from './0007-rehearsal.ts';
import { alertLifecycleMigration } from './0008-alert-lifecycle.ts';
import { scanCapabilitiesMigration } from './0009-scan-capabilities.ts';
import { scanApplicationsMigration } from './0010-scan-applications.ts';
import { accountKeysMigration } from './0011-account-keys.ts';
import { journalAccountsMigration } from './0012-journal-accounts.ts';
import { apiSecurityMigration } from './0013-api-security.ts';

/** Every migration, by name; names sort in the order they run. */
export function storeMigrations(dialect: StoreDialect): Record<string, Migration> {
  return {
    '0001-initial': initialMigration(dialect),
    '0002-schedules': schedulesMigration,
    '0003-lifecycle': lifecycleMigration(dialect),
    '0004-run-leases': runLeasesMigration,
    '0005-instance-facts': instanceFactsMigration,
    '0006-record-signatures': recordSignaturesMigration,
    '0007-rehearsal': rehearsalMigration,
    '0008-alert-lifecycle': alertLifecycleMigration(dialect),
    '0009-scan-capabilities': scanCapabilitiesMigration,
    '0010-scan-applications': scanApplicationsMigration,
    '0011-account-keys': accountKeysMigration,
    '0012-journal-accounts': journalAccountsMigration,
    '0013-api-security': apiSecurityMigration(dialect),
  };
}

class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly migrations: Record<string, Migration>) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return this.migrations;
  }
}

/**
 * Brings the schema up to date. `schema` pins Kysely's bookkeeping tables to one PostgreSQL schema:
 * left unset, Kysely would find a `kysely_migration` table of any schema in the database and assume it is ours.
 */
export async function migrateToLatest<DB>(db: Kysely<DB>, dialect: StoreDialect, schema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new StaticMigrationProvider(storeMigrations(dialect)),
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error === undefined) return;
  const failed = results?.find((result) => result.status === 'Error');
  const reason = error instanceof Error ? error.message : String(error);
  throw new Error(
    failed === undefined
      ? `Store migrations could not run: ${reason}`
      : `Store migration ${failed.migrationName} failed (${failed.direction.toLowerCase()}): ${reason}`,
    { cause: error },
  );
}
