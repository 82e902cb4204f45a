import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createConnection } from 'mysql2/promise';
import { writeConfluenceDatabase } from './emulator-database.ts';
import { EmulatorState } from './emulator-state.ts';
import { generateOrganisation, INTERNAL_DIRECTORY, LDAP_DIRECTORY } from './org-generator.ts';
import { createScratchDatabase, testDatabaseUrl, type TestDatabaseKind } from '../../../test/support/test-databases.ts';

const NOW = new Date();
const org = generateOrganisation({ seed: 2201, users: 600, now: NOW });

/** The KB queries of reference §2.2, PostgreSQL text verbatim; the MySQL column swaps only the date functions. */
const KB = {
  lastLogin: {
    postgres: `SELECT cu.user_name, cd.directory_name, li.successdate
FROM logininfo li
JOIN user_mapping um ON um.user_key = li.username
JOIN cwd_user cu     ON um.username = cu.user_name
JOIN cwd_directory cd ON cu.directory_id = cd.id
WHERE li.successdate < (CURRENT_DATE - integer '180')
ORDER BY li.successdate`,
    mysql: `SELECT cu.user_name, cd.directory_name, li.successdate
FROM logininfo li
JOIN user_mapping um ON um.user_key = li.username
JOIN cwd_user cu     ON um.username = cu.user_name
JOIN cwd_directory cd ON cu.directory_id = cd.id
WHERE li.successdate < (CURRENT_DATE - INTERVAL 180 DAY)
ORDER BY li.successdate`,
  },
  cutoff: { postgres: `SELECT (CURRENT_DATE - integer '180')::text AS cutoff`, mysql: 'SELECT CAST(CURRENT_DATE - INTERVAL 180 DAY AS CHAR) AS cutoff' },
  lastAuthenticated: {
    postgres: `SELECT c.user_name, c.email_address, g.group_name,
       to_timestamp(CAST(a.attribute_value AS double precision)/1000) AS last_login
FROM cwd_user c
JOIN cwd_user_attribute a ON a.user_id = c.id AND a.attribute_name = 'lastAuthenticated'
JOIN cwd_membership m ON c.id = m.child_user_id
JOIN cwd_group g      ON m.parent_id = g.id
WHERE g.group_name = 'confluence-users'`,
    mysql: `SELECT c.user_name, c.email_address, g.group_name,
       FROM_UNIXTIME(CAST(a.attribute_value AS DECIMAL(20,0))/1000) AS last_login
FROM cwd_user c
JOIN cwd_user_attribute a ON a.user_id = c.id AND a.attribute_name = 'lastAuthenticated'
JOIN cwd_membership m ON c.id = m.child_user_id
JOIN cwd_group g      ON m.parent_id = g.id
WHERE g.group_name = 'confluence-users'`,
  },
  licensed: `SELECT u.lower_user_name, d.directory_name
FROM cwd_user u JOIN cwd_membership m ON u.id = m.child_user_id
JOIN cwd_group g ON m.parent_id = g.id
JOIN SPACEPERMISSIONS sp ON g.group_name = sp.PERMGROUPNAME
JOIN cwd_directory d ON u.directory_id = d.id
WHERE sp.PERMTYPE='USECONFLUENCE' AND u.active='T' AND d.active='T'
GROUP BY u.lower_user_name, d.directory_name`,
  disabled: `SELECT * FROM cwd_user WHERE active = 'F'`,
  neverLoggedIn: `SELECT cu.user_name FROM cwd_user cu
JOIN user_mapping um ON um.username = cu.user_name
LEFT JOIN logininfo li ON li.username = um.user_key
WHERE li.successdate IS NULL`,
};

type Row = Record<string, unknown>;

async function connect(kind: TestDatabaseKind, url: string): Promise<{ query: (sql: string) => Promise<Row[]>; close: () => Promise<void> }> {
  if (kind === 'postgres') {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return { query: async (sql) => (await client.query(sql)).rows as Row[], close: () => client.end() };
  }
  const connection = await createConnection(url);
  return { query: async (sql) => (await connection.query(sql))[0] as Row[], close: () => connection.end() };
}

function utcWallClock(at: Date): string {
  return at.toISOString().replace('T', ' ').replace('Z', '');
}

for (const kind of ['postgres', 'mariadb'] as const) {
  test(`database mirror on ${kind}: Confluence's tables answer the Atlassian KB queries with the emulator's facts`, async (t) => {
    const server = testDatabaseUrl(kind, t);
    if (server === null) return;
    const scratch = await createScratchDatabase(kind, server);
    t.after(() => scratch.drop());

    const state = new EmulatorState(org);
    const leaver = state.allUsers().find((u) => u.directory === 'Confluence Internal Directory' && u.active && u.username !== 'admin')!;
    state.setActive(leaver.username, false);
    const deleted = state.allUsers().find((u) => u.directory === LDAP_DIRECTORY && u.active)!;
    state.markExternallyDeleted(deleted.username);
    const summary = await writeConfluenceDatabase(scratch.url, state);
    const dialect = kind === 'postgres' ? 'postgres' : 'mysql';
    assert.equal(summary.dialect, dialect);
    assert.equal(summary.users, org.users.length);
    assert.equal(summary.loginRows, org.users.filter((u) => u.lastLogin !== null).length);
    assert.equal(summary.memberships, org.memberships.length, 'cwd_membership holds direct memberships, whatever REST member lists show');

    const db = await connect(kind, scratch.url);
    t.after(() => db.close());

    // Last successful login per user, older than 180 days by the server's own date.
    const [cutoffRow] = await db.query(KB.cutoff[dialect]);
    const cutoff = `${String(cutoffRow!['cutoff'])} 00:00:00.000`;
    const old = await db.query(KB.lastLogin[dialect]);
    const expectedOld = org.users.filter((u) => u.lastLogin !== null && utcWallClock(u.lastLogin) < cutoff);
    assert.ok(expectedOld.length > 20, 'the fixture has long-inactive users');
    assert.deepEqual(new Set(old.map((r) => r['user_name'])), new Set(expectedOld.map((u) => u.username)));
    const sample = expectedOld[0]!;
    assert.ok(old.some((r) => r['user_name'] === sample.username && r['directory_name'] === sample.directory));

    // Users who never logged in have no logininfo row (LEFT JOIN finds them).
    const never = await db.query(KB.neverLoggedIn);
    assert.deepEqual(new Set(never.map((r) => r['user_name'])), new Set(org.users.filter((u) => u.lastLogin === null).map((u) => u.username)));

    // lastAuthenticated attribute, epoch millis as text, for members of confluence-users.
    const attributes = await db.query(KB.lastAuthenticated[dialect]);
    const members = state.membersOf('confluence-users').filter((u) => u.lastLogin !== null);
    assert.deepEqual(new Set(attributes.map((r) => r['user_name'])), new Set(members.map((u) => u.username)));
    const millis = await db.query(`SELECT a.attribute_value FROM cwd_user_attribute a JOIN cwd_user c ON c.id = a.user_id WHERE c.user_name = '${members[0]!.username}'`);
    assert.equal(Number(millis[0]!['attribute_value']), members[0]!.lastLogin!.getTime());

    // Licensed through a "can use" group, nested groups NOT resolved (the KB's own caveat).
    const licensed = await db.query(KB.licensed);
    const direct = new Set(state.allUsers().filter((u) => u.active && state.groupsOf(u.username).some((g) => state.groupPermissions(g.name).includes('application/use')))
      .map((u) => u.username));
    assert.deepEqual(new Set(licensed.map((r) => r['lower_user_name'])), direct);
    assert.ok(direct.size < state.licensedCount(), 'nested-group seats are missing from the KB query, as Atlassian warns');

    // Disabled users, including the one disabled through the state before mirroring.
    const disabled = await db.query(KB.disabled);
    assert.equal(disabled.length, state.allUsers().filter((u) => !u.active).length);
    assert.ok(disabled.some((r) => r['user_name'] === leaver.username));
    assert.ok(disabled.some((r) => r['user_name'] === deleted.username), 'an externally deleted account is inactive (active = \'F\')');

    // Directories as embedded Crowd stores them: order per application mapping, type, allowed operations
    // (Crowd's PermissionOption: the read-only LDAP directory is "Read Only, with Local Groups"), ldap.local.groups.
    const directories = await db.query(`SELECT d.directory_name, d.directory_type, d.active, m.list_index, a.application_name
      FROM cwd_directory d JOIN cwd_app_dir_mapping m ON m.directory_id = d.id JOIN cwd_application a ON a.id = m.application_id
      ORDER BY m.list_index`);
    assert.deepEqual(
      directories.map((r) => [r['directory_name'], r['directory_type'], r['active'], Number(r['list_index']), r['application_name']]),
      [[INTERNAL_DIRECTORY, 'INTERNAL', 'T', 0, 'crowd-embedded'], [LDAP_DIRECTORY, 'CONNECTOR', 'T', 1, 'crowd-embedded']],
    );
    const operationsOf = async (name: string, table: 'directory' | 'mapping'): Promise<string[]> => {
      const rows = await db.query(table === 'directory'
        ? `SELECT o.operation_type FROM cwd_directory_operation o JOIN cwd_directory d ON d.id = o.directory_id WHERE d.directory_name = '${name}'`
        : `SELECT o.operation_type FROM cwd_app_dir_operation o JOIN cwd_app_dir_mapping m ON m.id = o.app_dir_mapping_id
             JOIN cwd_directory d ON d.id = m.directory_id WHERE d.directory_name = '${name}'`);
      return rows.map((r) => String(r['operation_type'])).sort();
    };
    const all = ['CREATE_GROUP', 'CREATE_ROLE', 'CREATE_USER', 'DELETE_GROUP', 'DELETE_ROLE', 'DELETE_USER', 'UPDATE_GROUP',
      'UPDATE_GROUP_ATTRIBUTE', 'UPDATE_ROLE', 'UPDATE_ROLE_ATTRIBUTE', 'UPDATE_USER', 'UPDATE_USER_ATTRIBUTE'];
    assert.deepEqual(await operationsOf(INTERNAL_DIRECTORY, 'directory'), all);
    assert.deepEqual(await operationsOf(LDAP_DIRECTORY, 'directory'),
      ['CREATE_GROUP', 'DELETE_GROUP', 'UPDATE_GROUP', 'UPDATE_GROUP_ATTRIBUTE', 'UPDATE_USER_ATTRIBUTE']);
    assert.deepEqual(await operationsOf(INTERNAL_DIRECTORY, 'mapping'), all);
    assert.deepEqual(await operationsOf(LDAP_DIRECTORY, 'mapping'), all);
    const localGroups = await db.query(`SELECT d.directory_name, a.attribute_value FROM cwd_directory_attribute a
      JOIN cwd_directory d ON d.id = a.directory_id WHERE a.attribute_name = 'ldap.local.groups'`);
    assert.deepEqual(localGroups.map((r) => [r['directory_name'], r['attribute_value']]), [[LDAP_DIRECTORY, 'true']]);

    // The groups whose membership cannot change are exactly the LDAP groups not created in Confluence.
    const ldapGroups = await db.query(`SELECT g.group_name FROM cwd_group g JOIN cwd_directory d ON d.id = g.directory_id
      WHERE d.directory_name = '${LDAP_DIRECTORY}' AND g.${kind === 'postgres' ? '"local"' : '`local`'} = 'F' ORDER BY g.group_name`);
    assert.deepEqual(ldapGroups.map((r) => r['group_name']), state.allGroups().filter((g) => !g.writable).map((g) => g.name).sort());
  });
}
