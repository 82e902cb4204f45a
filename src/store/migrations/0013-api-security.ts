/**
 * Migration 0013: who may use the API and what they did. Admin accounts (argon2id hashes), API tokens and sessions
 * (only sha256 hashes of their secrets are stored), the hash-chained audit log, and idempotency keys of write requests.
 * The audit log refuses UPDATE and DELETE through triggers on both dialects: an edit then needs someone who can drop a
 * trigger, and `audit verify` still finds it through the chain.
 */

import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from '../store-context.ts';

/** Builds migration 0013 for one dialect (only the append-only triggers differ). */
export function apiSecurityMigration(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('admin_accounts')
        // Names are compared case-insensitively: the lower-case form is the key, the name keeps its spelling.
        .addColumn('name_lower', 'text', (col) => col.primaryKey())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('password_hash', 'text', (col) => col.notNull())
        .addColumn('role', 'text', (col) => col.notNull().check(sql`role in ('viewer', 'operator', 'admin')`))
        .addColumn('disabled', 'integer', (col) => col.notNull().defaultTo(0).check(sql`disabled in (0, 1)`))
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('disabled_at', 'text')
        .execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('token_hash', 'text', (col) => col.notNull().unique())
        .addColumn('admin_lower', 'text', (col) => col.notNull().references('admin_accounts.name_lower'))
        .addColumn('scope', 'text', (col) => col.notNull().check(sql`scope in ('read', 'operate', 'admin')`))
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('expires_at', 'text', (col) => col.notNull())
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema
        .createTable('api_sessions')
        .addColumn('id_hash', 'text', (col) => col.primaryKey())
        .addColumn('admin_lower', 'text', (col) => col.notNull().references('admin_accounts.name_lower'))
        .addColumn('csrf_token', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('last_seen_at', 'text', (col) => col.notNull())
        .addColumn('idle_expires_at', 'text', (col) => col.notNull())
        .addColumn('absolute_expires_at', 'text', (col) => col.notNull())
        .addColumn('address', 'text')
        .execute();
      await db.schema.createIndex('api_sessions_admin').on('api_sessions').column('admin_lower').execute();
      await db.schema
        .createTable('audit_log')
        // Numbered by the appender (max + 1 in its transaction), not by the database: a gap is a deleted row.
        .addColumn('seq', 'integer', (col) => col.primaryKey())
        .addColumn('at', 'text', (col) => col.notNull())
        .addColumn('actor', 'text', (col) => col.notNull())
        .addColumn('action', 'text', (col) => col.notNull())
        .addColumn('target', 'text')
        .addColumn('address', 'text')
        .addColumn('outcome', 'text', (col) => col.notNull())
        .addColumn('detail_json', 'text', (col) => col.notNull())
        .addColumn('prev_hash', 'text', (col) => col.notNull())
        .addColumn('hash', 'text', (col) => col.notNull())
        .execute();
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('caller', 'text', (col) => col.notNull())
        .addColumn('key', 'text', (col) => col.notNull())
        .addColumn('body_hash', 'text', (col) => col.notNull())
        // Null while the first request is still being answered.
        .addColumn('status_code', 'integer')
        .addColumn('response_json', 'text')
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('expires_at', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['caller', 'key'])
        .execute();
      if (dialect === 'sqlite') {
        await sql`create trigger audit_log_no_update before update on audit_log begin select raise(abort, 'the audit log is append-only'); end`.execute(db);
        await sql`create trigger audit_log_no_delete before delete on audit_log begin select raise(abort, 'the audit log is append-only'); end`.execute(db);
      } else {
        await sql`create function audit_log_append_only() returns trigger language plpgsql as $$
          begin raise exception 'the audit log is append-only'; end $$`.execute(db);
        await sql`create trigger audit_log_no_change before update or delete on audit_log for each row execute function audit_log_append_only()`.execute(db);
      }
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('idempotency_keys').execute();
      await db.schema.dropTable('audit_log').execute();
      if (dialect === 'postgres') await sql`drop function audit_log_append_only()`.execute(db);
      await db.schema.dropTable('api_sessions').execute();
      await db.schema.dropTable('api_tokens').execute();
      await db.schema.dropTable('admin_accounts').execute();
    },
  };
}
