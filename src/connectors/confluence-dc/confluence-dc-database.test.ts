import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createConnection } from 'mysql2/promise';
import { ConnectorError } from '../../app/connector-error.ts';
import type { LoginFact } from '../../app/confluence-port.ts';
import { createScratchDatabase, testDatabaseUrl, type ScratchDatabase, type TestDatabaseKind } from '../../emulators/test-databases.ts';
import { writeConfluenceDatabase } from '../../emulators/confluence-dc/emulator-database.ts';
import { startConfluenceEmulator } from '../../emulators/confluence-dc/confluence-emulator.ts';
import { generateOrganisation, type OrgSeed } from '../../emulators/confluence-dc/org-generator.ts';
import { connectReadOnly, createConfluenceDatabaseSource } from './confluence-dc-database.ts';
import { confluenceDcConfigSchema } from './confluence-dc-config.ts';
import { createConfluenceDcConnector } from './confluence-dc-connector.ts';

const NOW = new Date('2025-11-26T08:00:00Z');
const ORG: OrgSeed = generateOrganisation({ seed: 77, users: 150, now: NOW });
const KINDS: readonly TestDatabaseKind[] = ['postgres', 'mariadb'];

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

function plain(facts: readonly LoginFact[]): [string, string | null, string | null][] {
  return facts.map((f) => [f.username, f.lastLogin?.toISOString() ?? null, f.createdAt?.toISOString() ?? null]);
}

/** What the database says about the generated organisation: one row per user, in lower-case username order. */
function expectedFacts(org: OrgSeed): [string, string | null, string | null][] {
  return [...org.users]
    .sort((a, b) => (a.username.toLowerCase() < b.username.toLowerCase() ? -1 : 1))
    .map((u) => [u.username, u.lastLogin?.toISOString() ?? null, u.createdAt.toISOString()]);
}

/** Runs SQL against the scratch database as the test's own (writing) account. */
async function execute(kind: TestDatabaseKind, url: string, statements: readonly string[]): Promise<void> {
  if (kind === 'postgres') {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const sql of statements) await client.query(sql);
    } finally {
      await client.end();
    }
    return;
  }
  const connection = await createConnection(url);
  try {
    for (const sql of statements) await connection.query(sql);
  } finally {
    await connection.end();
  }
}

/** A scratch schema/database for one test, dropped afterwards; null when the server is not configured. */
async function scratch(kind: TestDatabaseKind, t: TestContext): Promise<ScratchDatabase | null> {
  const server = testDatabaseUrl(kind, t);
  if (server === null) return null;
  const db = await createScratchDatabase(kind, server);
  t.after(() => db.drop());
  return db;
}

for (const kind of KINDS) {
  describe(`database last-login source on ${kind}`, () => {
    it('streams one fact per user in small batches, exactly as the tables say', async (t) => {
      const db = await scratch(kind, t);
      if (db === null) return;
      await writeConfluenceDatabase(db.url, ORG);
      const source = createConfluenceDatabaseSource(db.url, { target: 'wiki database', batchSize: 7 });
      await source.check();
      const facts = await collect(source.readLogins());
      await source.close();
      assert.equal(facts.length, ORG.users.length);
      assert.deepEqual(plain(facts), expectedFacts(ORG));
    });

    it('lets a consumer stop early, and a cancelled scan stops reading', async (t) => {
      const db = await scratch(kind, t);
      if (db === null) return;
      await writeConfluenceDatabase(db.url, ORG);
      const source = createConfluenceDatabaseSource(db.url, { target: 'wiki database', batchSize: 10 });
      const firstThree: LoginFact[] = [];
      for await (const fact of source.readLogins()) {
        firstThree.push(fact);
        if (firstThree.length === 3) break;
      }
      assert.deepEqual(plain(firstThree), expectedFacts(ORG).slice(0, 3));
      const controller = new AbortController();
      let read = 0;
      await assert.rejects(async () => {
        for await (const _ of source.readLogins(controller.signal)) {
          read += 1;
          if (read === 15) controller.abort(new Error('scan cancelled'));
        }
      }, /scan cancelled/);
      assert.ok(read < 30, `reading stopped after the abort (read ${read})`);
      assert.equal((await collect(source.readLogins())).length, ORG.users.length);
      await source.close();
    });

    it('takes the later of SUCCESSDATE and lastAuthenticated, joins duplicates across directories, ignores garbage', async (t) => {
      const db = await scratch(kind, t);
      if (db === null) return;
      await writeConfluenceDatabase(db.url, ORG);
      const [a, b, c, d] = ORG.users.filter(
        (u) => u.lastLogin !== null && u.lastLogin < new Date('2025-11-01T00:00:00Z') && u.createdAt < new Date('2025-10-01T00:00:00Z'),
      );
      assert.ok(a && b && c && d);
      await execute(kind, db.url, [
        // a: only the embedded-Crowd attribute knows the login
        `DELETE FROM logininfo WHERE username = '${a.userKey}'`,
        // b: the attribute is newer than logininfo
        `UPDATE cwd_user_attribute SET attribute_value = '${Date.parse('2025-11-20T10:00:00.000Z')}' WHERE user_id = ${b.id}`,
        // c: an unreadable attribute, logininfo still counts
        `UPDATE cwd_user_attribute SET attribute_value = 'not-a-number' WHERE user_id = ${c.id}`,
        // d: the same name again in the other directory, created later, logged in later there
        `INSERT INTO cwd_user (id, user_name, lower_user_name, active, created_date, updated_date, directory_id)
           SELECT 990001, user_name, lower_user_name, 'T', '2025-10-01 00:00:00.000', '2025-10-01 00:00:00.000',
                  CASE WHEN directory_id = 98305 THEN 5111809 ELSE 98305 END
           FROM cwd_user WHERE id = ${d.id}`,
        `INSERT INTO cwd_user_attribute (id, user_id, directory_id, attribute_name, attribute_value)
           VALUES (990001, 990001, 98305, 'lastAuthenticated', '${Date.parse('2025-11-25T12:00:00.000Z')}')`,
      ]);
      const source = createConfluenceDatabaseSource(db.url, { target: 'wiki database', batchSize: 5 });
      const facts = new Map((await collect(source.readLogins())).map((f) => [f.username, f]));
      await source.close();
      assert.equal(facts.size, ORG.users.length);
      assert.equal(facts.get(a.username)?.lastLogin?.toISOString(), a.lastLogin?.toISOString());
      assert.equal(facts.get(b.username)?.lastLogin?.toISOString(), '2025-11-20T10:00:00.000Z');
      assert.equal(facts.get(c.username)?.lastLogin?.toISOString(), c.lastLogin?.toISOString());
      assert.equal(facts.get(d.username)?.lastLogin?.toISOString(), '2025-11-25T12:00:00.000Z');
      assert.equal(facts.get(d.username)?.createdAt?.toISOString(), '2025-10-01T00:00:00.000Z');
    });

    it('finds tables and columns spelled in upper case', async (t) => {
      const db = await scratch(kind, t);
      if (db === null) return;
      await writeConfluenceDatabase(db.url, ORG);
      await execute(
        kind,
        db.url,
        kind === 'postgres'
          ? ['ALTER TABLE logininfo RENAME TO "LOGININFO"', 'ALTER TABLE "LOGININFO" RENAME COLUMN successdate TO "SUCCESSDATE"',
            'ALTER TABLE "LOGININFO" RENAME COLUMN username TO "USERNAME"']
          : ['RENAME TABLE logininfo TO LOGININFO'],
      );
      const source = createConfluenceDatabaseSource(db.url, { target: 'wiki database' });
      assert.deepEqual(plain(await collect(source.readLogins())), expectedFacts(ORG));
      await source.close();
    });

    it('names what is missing when the database is not Confluence’s', async (t) => {
      const db = await scratch(kind, t);
      if (db === null) return;
      await execute(kind, db.url, ['CREATE TABLE cwd_user (id BIGINT PRIMARY KEY, lower_user_name VARCHAR(255))']);
      const source = createConfluenceDatabaseSource(db.url, { target: 'wiki database' });
      const error = await source.check().then(
        () => assert.fail('expected check() to fail'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ConnectorError);
      assert.equal(error.fixable, true);
      assert.match(error.message, /table cwd_user has no column created_date; no table user_mapping; no table logininfo; no table cwd_user_attribute/);
    });

    it('opens read-only sessions: the server refuses writes', async (t) => {
      const db = await scratch(kind, t);
      if (db === null) return;
      await writeConfluenceDatabase(db.url, ORG);
      const connection = await connectReadOnly(db.url);
      t.after(() => connection.end());
      await assert.rejects(
        connection.query("UPDATE cwd_user SET active = 'F'", []),
        kind === 'postgres' ? /read-only transaction/ : /READ ONLY transaction/i,
      );
      await assert.rejects(connection.query('DELETE FROM logininfo', []), kind === 'postgres' ? /read-only transaction/ : /READ ONLY transaction/i);
      const rows = await connection.query("SELECT COUNT(*) AS n FROM cwd_user WHERE active = 'T'", []);
      assert.equal(Number(JSON.parse(JSON.stringify(rows))[0].n), ORG.users.filter((u) => u.active).length);
    });
  });
}

describe('database source errors', () => {
  it('an unreachable server is a fixable, retryable error without the password in it', async () => {
    const source = createConfluenceDatabaseSource('postgres://reader:s3cret@127.0.0.1:1/confluence', { target: 'wiki database' });
    const error = await source.check().then(
      () => assert.fail('expected check() to fail'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ConnectorError);
    assert.equal(error.fixable, true);
    assert.equal(error.retryable, true);
    assert.match(error.message, /cannot connect to the Confluence database/);
    assert.doesNotMatch(`${error.message} ${error.target}`, /s3cret/);
  });
});

describe('connector in database mode (Confluence 9.3 emulator + real database)', () => {
  for (const kind of KINDS) {
    it(`probes and reads last logins from ${kind}`, async (t) => {
      const db = await scratch(kind, t);
      if (db === null) return;
      const emulator = await startConfluenceEmulator({ org: ORG, version: '9.3', clock: () => NOW });
      t.after(() => emulator.close());
      await writeConfluenceDatabase(db.url, emulator.state);
      const connector = createConfluenceDcConnector(
        'wiki',
        confluenceDcConfigSchema.parse({
          product: 'confluence-dc',
          url: emulator.url,
          auth: { token: emulator.credentials.admin.token },
          lastLogin: 'database',
          database: db.url,
        }),
      );
      t.after(() => connector.close());
      assert.deepEqual(await connector.probe(), { version: '9.3.1', connectedAs: 'admin', baseUrl: emulator.url });
      assert.equal(connector.capabilities.lastLogin, 'database');
      assert.deepEqual(plain(await collect(connector.lastLogins())), expectedFacts(ORG));
    });
  }
});
