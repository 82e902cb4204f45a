import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createConnection } from 'mysql2/promise';
import { ConnectorError } from '../../app/connector-error.ts';
import type { DirectoryFacts, LoginFact } from '../../app/instance-port.ts';
import { createScratchDatabase, testDatabaseUrl, type ScratchDatabase, type TestDatabaseKind } from '../../../test/support/test-databases.ts';
import { writeConfluenceDatabase } from '../../emulators/confluence-dc/emulator-database.ts';
import { startConfluenceEmulator } from '../../emulators/confluence-dc/confluence-emulator.ts';
import { EmulatorState } from '../../emulators/confluence-dc/emulator-state.ts';
import { generateOrganisation, INTERNAL_DIRECTORY, LDAP_DIRECTORY, type OrgSeed } from '../../emulators/confluence-dc/org-generator.ts';
import { connectReadOnly, createConfluenceDatabaseSource } from './confluence-dc-database.ts';
import { confluenceDcConfigSchema } from './confluence-dc-config.ts';
import { confluenceDcCapabilities, createConfluenceDcConnector } from './confluence-dc-connector.ts';

const NOW = new Date('2025-11-26T08:00:00Z');
const ORG: OrgSeed = generateOrganisation({ seed: 77, users: 150, now: NOW });
const KINDS: readonly TestDatabaseKind[] = ['postgres', 'mariadb'];

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

type PlainFact = [string | null, string, string | null, string | null, string | null, string | null];

function plain(facts: readonly LoginFact[]): PlainFact[] {
  return facts.map((f) => [f.accountId, f.username, f.lastLogin?.toISOString() ?? null, f.createdAt?.toISOString() ?? null, f.directory, f.email]);
}

/** What the database says about the generated organisation: one row per user, in lower-case username order. */
function expectedFacts(org: OrgSeed): PlainFact[] {
  return [...org.users]
    .sort((a, b) => (a.username.toLowerCase() < b.username.toLowerCase() ? -1 : 1))
    // cwd_user.email_address: the database is where Confluence before 10.2 gives e-mail at all.
    .map((u) => [u.userKey, u.username, u.lastLogin?.toISOString() ?? null, u.createdAt.toISOString(), u.directory, u.email]);
}

/** The directories and read-only groups exactly as the emulated organisation defines them. */
function expectedDirectoryFacts(org: OrgSeed): DirectoryFacts {
  const state = new EmulatorState(org);
  return {
    directories: [...org.directories]
      .sort((a, b) => a.order - b.order)
      .map((d) => ({ name: d.name, order: d.order, active: d.active, writable: d.writable })),
    readOnlyGroups: state.allGroups().filter((g) => !g.writable).map((g) => g.name).sort(),
  };
}

const ID = { internal: 98305, ldap: 5111809 };

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
      assert.ok(facts.some((f) => f.directory === LDAP_DIRECTORY) && facts.some((f) => f.directory === INTERNAL_DIRECTORY));
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
      // The internal directory comes first in the emulated order, whichever of the two rows is the original.
      assert.equal(facts.get(d.username)?.directory, INTERNAL_DIRECTORY);
    });

    it('reports the first directory in Confluence order for a username held by two, skipping an inactive one', async (t) => {
      const db = await scratch(kind, t);
      if (db === null) return;
      await writeConfluenceDatabase(db.url, ORG);
      const ldapUser = ORG.users.find((u) => u.directory === LDAP_DIRECTORY);
      assert.ok(ldapUser);
      await execute(kind, db.url, [
        `INSERT INTO cwd_user (id, user_name, lower_user_name, active, created_date, updated_date, directory_id)
           SELECT 990002, user_name, lower_user_name, 'T', created_date, updated_date, ${ID.internal} FROM cwd_user WHERE id = ${ldapUser.id}`,
      ]);
      const directoryOf = async (): Promise<string | null | undefined> => {
        const source = createConfluenceDatabaseSource(db.url, { target: 'wiki database', batchSize: 4 });
        const facts = await collect(source.readLogins());
        await source.close();
        assert.equal(facts.length, ORG.users.length, 'still one fact per username');
        return facts.find((f) => f.username === ldapUser.username)?.directory;
      };
      assert.equal(await directoryOf(), INTERNAL_DIRECTORY, 'internal is at list_index 0');
      await execute(kind, db.url, [
        `UPDATE cwd_app_dir_mapping SET list_index = 5 WHERE directory_id = ${ID.internal}`,
      ]);
      assert.equal(await directoryOf(), LDAP_DIRECTORY, 'after moving the internal directory down the list');
      await execute(kind, db.url, [
        `UPDATE cwd_app_dir_mapping SET list_index = 0 WHERE directory_id = ${ID.internal}`,
        `UPDATE cwd_directory SET active = 'F' WHERE id = ${ID.internal}`,
      ]);
      assert.equal(await directoryOf(), LDAP_DIRECTORY, 'an inactive directory does not resolve the name');
    });

    it('reads directories and read-only groups exactly as the emulated organisation defines them', async (t) => {
      const db = await scratch(kind, t);
      if (db === null) return;
      await writeConfluenceDatabase(db.url, ORG);
      const source = createConfluenceDatabaseSource(db.url, { target: 'wiki database' });
      t.after(() => source.close());
      const facts = await source.readDirectories();
      assert.deepEqual(facts, expectedDirectoryFacts(ORG));
      assert.deepEqual(facts.directories, [
        { name: INTERNAL_DIRECTORY, order: 0, active: true, writable: true },
        { name: LDAP_DIRECTORY, order: 1, active: true, writable: false },
      ]);
      assert.deepEqual(facts.readOnlyGroups, ['all-employees', 'wiki-access']);
    });

    it('derives writability from the allowed operations Confluence stores for each LDAP permission option', async (t) => {
      const db = await scratch(kind, t);
      if (db === null) return;
      await writeConfluenceDatabase(db.url, ORG);
      const ldapGroups = new EmulatorState(ORG).allGroups().filter((g) => g.directory === LDAP_DIRECTORY).map((g) => g.name).sort();
      const read = async (): Promise<DirectoryFacts> => {
        const source = createConfluenceDatabaseSource(db.url, { target: 'wiki database' });
        try {
          return await source.readDirectories();
        } finally {
          await source.close();
        }
      };
      const writable = (facts: DirectoryFacts): Record<string, boolean> => Object.fromEntries(facts.directories.map((d) => [d.name, d.writable]));
      const everything = ['CREATE_USER', 'CREATE_GROUP', 'CREATE_ROLE', 'UPDATE_USER', 'UPDATE_GROUP', 'UPDATE_ROLE',
        'UPDATE_USER_ATTRIBUTE', 'UPDATE_GROUP_ATTRIBUTE', 'UPDATE_ROLE_ATTRIBUTE', 'DELETE_USER', 'DELETE_GROUP', 'DELETE_ROLE'];
      // What the directory screen stores for a permission option: its operations, and ldap.local.groups.
      const setLdapOperations = (operations: readonly string[]): string[] => [
        `DELETE FROM cwd_directory_operation WHERE directory_id = ${ID.ldap}`,
        ...operations.map((op) => `INSERT INTO cwd_directory_operation (directory_id, operation_type) VALUES (${ID.ldap}, '${op}')`),
        `UPDATE cwd_directory_attribute SET attribute_value = '${String(operations.includes('CREATE_GROUP') && !operations.includes('CREATE_USER'))}'
           WHERE directory_id = ${ID.ldap} AND attribute_name = 'ldap.local.groups'`,
      ];

      // Read Only: no local groups either, so every LDAP group is read-only.
      await execute(kind, db.url, setLdapOperations(['UPDATE_USER_ATTRIBUTE', 'UPDATE_GROUP_ATTRIBUTE']));
      let facts = await read();
      assert.deepEqual(writable(facts), { [INTERNAL_DIRECTORY]: true, [LDAP_DIRECTORY]: false });
      assert.deepEqual(facts.readOnlyGroups, ldapGroups);

      // Read/Write: the LDAP directory takes account and membership changes.
      await execute(kind, db.url, setLdapOperations(everything));
      facts = await read();
      assert.deepEqual(writable(facts), { [INTERNAL_DIRECTORY]: true, [LDAP_DIRECTORY]: true });
      assert.deepEqual(facts.readOnlyGroups, []);

      // The application's own mapping may withhold an operation the directory allows (both are needed).
      await execute(kind, db.url, [
        `DELETE FROM cwd_app_dir_operation WHERE operation_type = 'UPDATE_USER'
           AND app_dir_mapping_id = (SELECT id FROM cwd_app_dir_mapping WHERE directory_id = ${ID.internal})`,
      ]);
      facts = await read();
      assert.deepEqual(writable(facts), { [INTERNAL_DIRECTORY]: false, [LDAP_DIRECTORY]: true });
      assert.deepEqual(facts.readOnlyGroups, []);

      // An inactive directory is listed as such; its groups are invisible to Confluence and not listed.
      await execute(kind, db.url, [...setLdapOperations(['UPDATE_USER_ATTRIBUTE']), `UPDATE cwd_directory SET active = 'F' WHERE id = ${ID.ldap}`]);
      facts = await read();
      assert.deepEqual(facts.directories.map((d) => [d.name, d.active]), [[INTERNAL_DIRECTORY, true], [LDAP_DIRECTORY, false]]);
      assert.deepEqual(facts.readOnlyGroups, []);
    });

    it('without the optional permission tables, reads only the internal directory as writable', async (t) => {
      const db = await scratch(kind, t);
      if (db === null) return;
      await writeConfluenceDatabase(db.url, ORG);
      await execute(kind, db.url, ['DROP TABLE cwd_directory_operation', 'DROP TABLE cwd_app_dir_operation', 'DROP TABLE cwd_directory_attribute']);
      const source = createConfluenceDatabaseSource(db.url, { target: 'wiki database', batchSize: 50 });
      t.after(() => source.close());
      await source.check();
      // Local groups still take changes (cwd_group.local says Confluence created them); LDAP's own groups do not.
      assert.deepEqual(await source.readDirectories(), expectedDirectoryFacts(ORG));
      assert.deepEqual(plain(await collect(source.readLogins())), expectedFacts(ORG));

      // The attribute saying local groups are off makes those read-only too.
      await execute(kind, db.url, [
        'CREATE TABLE cwd_directory_attribute (directory_id BIGINT NOT NULL, attribute_value VARCHAR(4000), attribute_name VARCHAR(255) NOT NULL)',
        `INSERT INTO cwd_directory_attribute (directory_id, attribute_name, attribute_value) VALUES (${ID.ldap}, 'ldap.local.groups', 'false')`,
      ]);
      const ldapGroups = new EmulatorState(ORG).allGroups().filter((g) => g.directory === LDAP_DIRECTORY).map((g) => g.name).sort();
      assert.deepEqual((await source.readDirectories()).readOnlyGroups, ldapGroups);
    });

    it('reads active and local flags stored as booleans or 1/0', async (t) => {
      const db = await scratch(kind, t);
      if (db === null) return;
      await writeConfluenceDatabase(db.url, ORG);
      await execute(
        kind,
        db.url,
        kind === 'postgres'
          ? [
            `ALTER TABLE cwd_directory ALTER COLUMN active TYPE boolean USING active = 'T'`,
            `ALTER TABLE cwd_group ALTER COLUMN "local" TYPE boolean USING "local" = 'T'`,
          ]
          : [
            `UPDATE cwd_directory SET active = CASE active WHEN 'T' THEN '1' ELSE '0' END`,
            'ALTER TABLE cwd_directory MODIFY active TINYINT NOT NULL',
            "UPDATE cwd_group SET `local` = CASE `local` WHEN 'T' THEN '1' ELSE '0' END",
            'ALTER TABLE cwd_group MODIFY `local` TINYINT NOT NULL',
          ],
      );
      const source = createConfluenceDatabaseSource(db.url, { target: 'wiki database' });
      t.after(() => source.close());
      assert.deepEqual(await source.readDirectories(), expectedDirectoryFacts(ORG));
      assert.deepEqual(plain(await collect(source.readLogins())), expectedFacts(ORG));
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
      assert.match(
        error.message,
        /table cwd_user has no column created_date, directory_id, email_address; no table user_mapping; no table logininfo; no table cwd_user_attribute; no table cwd_directory; no table cwd_app_dir_mapping; no table cwd_group$/,
      );
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

  it('nor with an empty user name or the password as a query parameter', async () => {
    for (const url of ['postgres://:s3cret@127.0.0.1:1/confluence', 'mysql://reader@127.0.0.1:1/confluence?password=s3cret']) {
      const source = createConfluenceDatabaseSource(url, { target: 'wiki database' });
      const error = await source.check().then(
        () => assert.fail('expected check() to fail'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ConnectorError);
      assert.doesNotMatch(`${error.message} ${error.target}`, /s3cret/, url);
    }
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
      assert.deepEqual(await connector.probe(), {
        version: '9.3.1',
        versionSource: 'server-information',
        connectedAs: { accountId: emulator.state.findUser('admin')?.userKey, username: 'admin' },
        baseUrl: emulator.url,
        capabilities: confluenceDcCapabilities('database', [9, 3, 1]),
      });
      assert.equal(connector.capabilities.lastLogin, 'database');
      assert.deepEqual(plain(await collect(connector.lastLogins())), expectedFacts(ORG));
      assert.deepEqual(await connector.readDirectories?.(), expectedDirectoryFacts(ORG));
      // Direct memberships and nesting as cwd_membership stores them, not the REST member lists (flattened here).
      const stored = await connector.readMemberships?.();
      assert.ok(stored);
      const key = (m: { group: string; username: string | null }) => `${m.group} ${m.username ?? ''}`;
      assert.deepEqual(stored.memberships.map(key).sort(), ORG.memberships.map(key).sort());
      // Each member by its user key, as user_mapping has it.
      const keyOf = new Map(ORG.users.map((u) => [u.username, u.userKey]));
      assert.deepEqual(stored.memberships.filter((m) => m.accountId !== keyOf.get(m.username ?? '')), []);
      assert.deepEqual(stored.nesting.map((n) => `${n.parent} ${n.child}`).sort(), ORG.nesting.map((n) => `${n.parent} ${n.child}`).sort());
    });
  }
});
