import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createConnection } from 'mysql2/promise';
import { ConnectorError } from '../../app/connector-error.ts';
import { createScratchDatabase, testDatabaseUrl, type ScratchDatabase, type TestDatabaseKind } from '../../../test/support/test-databases.ts';
import { createJiraDatabaseSource, type JiraLoginFact } from './jira-dc-database.ts';

// Jira's tables with the columns Atlassian documents ("Database – User and Group tables"; KB SQL for cwd_directory),
// types as documented (NUMBER(18,0) ids, NUMBER(9,0) flags, VARCHAR(255) names). The rows are HAND-BUILT.
const KINDS: readonly TestDatabaseKind[] = ['postgres', 'mariadb'];
const ID = 'NUMERIC(18,0)';
const FLAG = 'NUMERIC(9,0)';
const TEXT = 'VARCHAR(255)';

function schema(kind: TestDatabaseKind, withMembership: boolean): string[] {
  const stamp = kind === 'postgres' ? 'TIMESTAMP' : 'DATETIME(3)';
  const tables = [
    `CREATE TABLE cwd_directory (id ${ID} PRIMARY KEY, directory_name ${TEXT}, lower_directory_name ${TEXT}, active ${FLAG}, directory_type ${TEXT}, directory_position ${ID})`,
    `CREATE TABLE cwd_user (id ${ID} PRIMARY KEY, directory_id ${ID}, user_name ${TEXT}, lower_user_name ${TEXT}, active ${FLAG}, created_date ${stamp}, updated_date ${stamp}, display_name ${TEXT}, lower_display_name ${TEXT}, email_address ${TEXT}, lower_email_address ${TEXT}, credential ${TEXT})`,
    `CREATE TABLE app_user (id ${ID} PRIMARY KEY, user_key ${TEXT}, lower_user_name ${TEXT})`,
    `CREATE TABLE cwd_user_attributes (id ${ID} PRIMARY KEY, user_id ${ID}, directory_id ${ID}, attribute_name ${TEXT}, attribute_value ${TEXT}, lower_attribute_value ${TEXT})`,
  ];
  if (withMembership) {
    tables.push(
      `CREATE TABLE cwd_membership (id ${ID} PRIMARY KEY, parent_id ${ID}, child_id ${ID}, membership_type ${TEXT}, group_type ${TEXT}, parent_name ${TEXT}, lower_parent_name ${TEXT}, child_name ${TEXT}, lower_child_name ${TEXT}, directory_id ${ID})`,
      `CREATE TABLE cwd_group (id ${ID} PRIMARY KEY, group_name ${TEXT}, lower_group_name ${TEXT}, active ${FLAG}, ${kind === 'postgres' ? '"local"' : '`local`'} ${FLAG}, directory_id ${ID})`,
      `CREATE TABLE globalpermissionentry (id ${ID} PRIMARY KEY, permission ${TEXT}, group_id ${TEXT})`,
    );
  }
  return tables;
}

const T1 = Date.parse('2025-11-20T10:00:00.000Z');
const T0 = Date.parse('2025-06-01T08:30:00.000Z');

const ROWS = [
  // Internal directory second in Jira's order, an LDAP directory first; an inactive one first of all.
  `INSERT INTO cwd_directory VALUES (1, 'Jira Internal Directory', 'jira internal directory', 1, 'INTERNAL', 1)`,
  `INSERT INTO cwd_directory VALUES (10000, 'Corporate LDAP', 'corporate ldap', 1, 'CONNECTOR', 0)`,
  `INSERT INTO cwd_directory VALUES (20000, 'Old LDAP', 'old ldap', 0, 'CONNECTOR', -1)`,
  `INSERT INTO cwd_user (id, directory_id, user_name, lower_user_name, active, created_date, display_name, email_address) VALUES
     (10100, 1, 'Fred', 'fred', 1, '2024-01-02 03:04:05.000', 'Fred F. User', 'fred@example.com'),
     (10101, 1, 'anna', 'anna', 0, '2024-02-01 00:00:00.000', 'Anna', 'anna@example.com'),
     (10102, 1, 'bob', 'bob', 1, '2025-03-01 00:00:00.000', 'Bob (internal)', 'bob@internal.example.com'),
     (10103, 10000, 'Bob', 'bob', 1, '2025-01-01 00:00:00.000', 'Bob (LDAP)', 'bob@example.com'),
     (10104, 20000, 'bob', 'bob', 1, '2023-01-01 00:00:00.000', 'Bob (old)', 'bob@old.example.com'),
     (10105, 1, 'never', 'never', 1, '2025-10-01 00:00:00.000', 'Never', NULL)`,
  `INSERT INTO app_user VALUES (1, 'JIRAUSER10100', 'fred'), (2, 'anna', 'anna'), (3, 'JIRAUSER10102', 'bob'), (4, 'JIRAUSER10105', 'never')`,
  `INSERT INTO cwd_user_attributes (id, user_id, directory_id, attribute_name, attribute_value) VALUES
     (1, 10100, 1, 'login.lastLoginMillis', '${T1}'),
     (2, 10100, 1, 'login.previousLoginMillis', '${T0}'),
     (3, 10100, 1, 'login.count', '42'),
     (4, 10101, 1, 'login.lastLoginMillis', 'not-a-number'),
     (5, 10102, 1, 'login.lastLoginMillis', '${T0}'),
     (6, 10103, 10000, 'login.lastLoginMillis', '${T1}'),
     (7, 10103, 10000, 'login.count', '3'),
     (8, 10100, 1, 'passwordLastChanged', '${T0}')`,
];

const MEMBERSHIPS = (kind: TestDatabaseKind): string[] => [
  `INSERT INTO cwd_membership (id, parent_id, child_id, membership_type, parent_name, lower_parent_name, child_name, lower_child_name, directory_id) VALUES
     (1, 1, 10100, 'GROUP_USER', 'jira-software-users', 'jira-software-users', 'Fred', 'fred', 1),
     (2, 2, 3, 'GROUP_GROUP', 'jira-software-users', 'jira-software-users', 'developers', 'developers', 10000),
     (3, 3, 10103, 'GROUP_USER', 'developers', 'developers', 'Bob', 'bob', 10000),
     (4, 4, 10100, 'OTHER', 'x', 'x', 'Fred', 'fred', 1)`,
  // A group of the LDAP directory made in Jira (local), one synchronised from LDAP, one internal.
  `INSERT INTO cwd_group (id, group_name, lower_group_name, active, ${kind === 'postgres' ? '"local"' : '`local`'}, directory_id) VALUES
     (1, 'jira-software-users', 'jira-software-users', 1, 0, 1), (2, 'jira-admins', 'jira-admins', 1, 1, 10000), (3, 'developers', 'developers', 1, 0, 10000)`,
  `INSERT INTO globalpermissionentry VALUES (1, 'ADMINISTER', 'jira-admins'), (2, 'SYSTEM_ADMIN', 'jira-admins'), (3, 'BROWSE_USERS', 'jira-software-users')`,
];

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

async function jiraDatabase(kind: TestDatabaseKind, t: TestContext, withMembership = true): Promise<ScratchDatabase | null> {
  const server = testDatabaseUrl(kind, t);
  if (server === null) return null;
  const db = await createScratchDatabase(kind, server);
  t.after(() => db.drop());
  await execute(kind, db.url, [...schema(kind, withMembership), ...ROWS, ...(withMembership ? MEMBERSHIPS(kind) : [])]);
  return db;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

for (const kind of KINDS) {
  describe(`Jira database source on ${kind}`, () => {
    it('one fact per name: key from app_user, the login attributes, the account of the first active directory', async (t) => {
      const db = await jiraDatabase(kind, t);
      if (db === null) return;
      const source = createJiraDatabaseSource(db.url, { target: 'jira database', batchSize: 2 });
      await source.check();
      const facts = await collect(source.readLogins());
      await source.close();
      const expected: JiraLoginFact[] = [
        // anna: disabled; an unreadable lastLoginMillis is no date, never a guess.
        { userKey: 'anna', username: 'anna', lastLogin: null, previousLogin: null, loginCount: null, createdAt: new Date('2024-02-01T00:00:00Z'), directory: 'Jira Internal Directory', active: false, email: 'anna@example.com', displayName: 'Anna' },
        // bob: three accounts; Corporate LDAP (position 0, active) wins over internal (1); Old LDAP (-1) is inactive.
        { userKey: 'JIRAUSER10102', username: 'Bob', lastLogin: new Date(T1), previousLogin: null, loginCount: 3, createdAt: new Date('2025-03-01T00:00:00Z'), directory: 'Corporate LDAP', active: true, email: 'bob@example.com', displayName: 'Bob (LDAP)' },
        { userKey: 'JIRAUSER10100', username: 'Fred', lastLogin: new Date(T1), previousLogin: new Date(T0), loginCount: 42, createdAt: new Date('2024-01-02T03:04:05Z'), directory: 'Jira Internal Directory', active: true, email: 'fred@example.com', displayName: 'Fred F. User' },
        { userKey: 'JIRAUSER10105', username: 'never', lastLogin: null, previousLogin: null, loginCount: null, createdAt: new Date('2025-10-01T00:00:00Z'), directory: 'Jira Internal Directory', active: true, email: null, displayName: 'Never' },
      ];
      assert.deepEqual(facts, expected);
    });

    it('directories in directory_position order; memberships by type, each once', async (t) => {
      const db = await jiraDatabase(kind, t);
      if (db === null) return;
      const source = createJiraDatabaseSource(db.url, { target: 'jira database' });
      assert.deepEqual(await source.readDirectories(), [
        { name: 'Old LDAP', position: -1, active: false, type: 'CONNECTOR' },
        { name: 'Corporate LDAP', position: 0, active: true, type: 'CONNECTOR' },
        { name: 'Jira Internal Directory', position: 1, active: true, type: 'INTERNAL' },
      ]);
      assert.deepEqual(await source.readAdminGroups(), ['jira-admins'], 'ADMINISTER and SYSTEM_ADMIN only, each group once');
      assert.deepEqual(await source.readUserGroups('FRED'), ['jira-software-users'], 'direct groups only, name compared case-insensitively');
      assert.deepEqual(await source.readUserGroups('bob'), ['developers']);
      assert.deepEqual(await source.readGroupMembers('JIRA-software-users'), [{ username: 'Fred', userKey: 'JIRAUSER10100' }], 'users only, not the nested group');
      assert.deepEqual(
        (await source.readGroups())?.map((g) => `${g.name} ${g.writable}`).sort(),
        ['developers false', 'jira-admins true', 'jira-software-users true'],
        'an internal directory\'s group and a local group are writable, a synchronised one is not',
      );
      const rows = await source.readMemberships();
      await source.close();
      assert.deepEqual(
        rows?.map((r) => `${r.kind} ${r.group} ${r.member} ${r.directory ?? '-'} ${r.userKey ?? '-'}`).sort(),
        [
          'group jira-software-users developers Corporate LDAP -',
          'user developers Bob Corporate LDAP JIRAUSER10102',
          'user jira-software-users Fred Jira Internal Directory JIRAUSER10100',
        ],
      );
    });

    it('without cwd_membership memberships are null; a database that is not Jira\'s is a fixable error naming what is missing', async (t) => {
      const db = await jiraDatabase(kind, t, false);
      if (db === null) return;
      const reduced = createJiraDatabaseSource(db.url, { target: 'jira database' });
      assert.equal(await reduced.readMemberships(), null);
      assert.equal(await reduced.readUserGroups('fred'), null);
      assert.equal(await reduced.readGroupMembers('jira-software-users'), null);
      assert.equal(await reduced.readAdminGroups(), null, 'no globalpermissionentry: not readable, never "no admins"');
      assert.equal(await reduced.readGroups(), null);
      await execute(kind, db.url, ['DROP TABLE app_user']);
      const error = await createJiraDatabaseSource(db.url, { target: 'jira database' }).check().then(() => null, (e: unknown) => e);
      assert.ok(error instanceof ConnectorError);
      assert.equal(error.fixable, true);
      assert.match(error.message, /not a Jira database this account can read: no table app_user/);
    });

    it('the session is read-only: the source cannot write even if its SQL tried', async (t) => {
      const db = await jiraDatabase(kind, t);
      if (db === null) return;
      const { connectReadOnly } = await import('../confluence-dc/confluence-dc-database.ts');
      const connection = await connectReadOnly(db.url);
      try {
        await assert.rejects(connection.query("UPDATE cwd_user SET active = 0 WHERE lower_user_name = 'fred'", []));
      } finally {
        await connection.end();
      }
    });
  });
}

describe('Jira database source without a server', () => {
  it('refuses a URL no driver here speaks, before connecting', () => {
    assert.throws(() => createJiraDatabaseSource('oracle://db/jira', { target: 'jira database' }), /postgres:\/\/ or mysql:\/\//);
  });
});
