// The store's PostgreSQL introspection sees only its own schema, so a schema dropped elsewhere in the database while
// the store opens cannot stop it. Kysely's own introspector names every schema and fails in exactly that moment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Kysely, PostgresDialect, PostgresIntrospector, sql } from 'kysely';
import { StoreSchemaIntrospector } from './postgres-store-dialect.ts';
import { createScratchDatabase, testDatabaseUrl } from '../../test/support/test-databases.ts';

test('PostgreSQL introspection reads the store schema only, and survives another schema dropped meanwhile', async (t) => {
  const serverUrl = testDatabaseUrl('postgres', t);
  if (serverUrl === null) return;
  const store = await createScratchDatabase('postgres', serverUrl);
  const other = await createScratchDatabase('postgres', serverUrl);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- catalog queries only
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: store.url, max: 1 }) }) });
  try {
    await admin.query(`create table "${store.name}".kysely_migration (name varchar(255) primary key)`);
    await admin.query(`create table "${store.name}".scans (id text primary key, seq serial)`);
    await admin.query(`create table "${other.name}".kysely_migration (name varchar(255) primary key)`);
    await admin.query(`create table "${other.name}".elsewhere (id text)`);

    const tables = await new StoreSchemaIntrospector(db).getTables({ withInternalKyselyTables: true });
    assert.deepEqual(tables.map((table) => `${table.schema}.${table.name}`), [`${store.name}.kysely_migration`, `${store.name}.scans`]);
    assert.deepEqual(tables.find((table) => table.name === 'scans')?.columns.map((c) => [c.name, c.dataType, c.isAutoIncrementing]), [['id', 'text', false], ['seq', 'int4', true]]);
    assert.deepEqual((await new StoreSchemaIntrospector(db).getTables()).map((table) => table.name), ['scans'], 'Kysely\'s tables left out unless asked for');

    // A snapshot taken before the other schema is dropped still lists it: Kysely's introspector then asks about it by
    // name and fails; the store's never names it.
    const kysely = db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
      await sql`select 1`.execute(trx);
      await admin.query(`drop schema "${other.name}" cascade`);
      return new PostgresIntrospector(trx).getTables({ withInternalKyselyTables: true });
    });
    // (Tests beside this one create and drop schemas too: Kysely's may trip over one of theirs first.)
    await assert.rejects(kysely, /schema "[^"]+" does not exist/, 'the failure the store avoids is real');
    const after = await db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
      await sql`select 1`.execute(trx);
      const third = await createScratchDatabase('postgres', serverUrl);
      await admin.query(`drop schema "${third.name}" cascade`);
      return new StoreSchemaIntrospector(trx).getTables({ withInternalKyselyTables: true });
    });
    assert.deepEqual(after.map((table) => table.name), ['kysely_migration', 'scans']);
  } finally {
    await db.destroy();
    await admin.end();
    await store.drop();
    await other.drop();
  }
});
