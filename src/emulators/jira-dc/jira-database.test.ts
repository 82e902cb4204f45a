import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createConnection } from 'mysql2/promise';
import { writeJiraDatabase } from './jira-database.ts';
import { JiraState } from './jira-state.ts';
import { generateJiraOrganisation, JIRA_INTERNAL_DIRECTORY } from './jira-org-generator.ts';
import { createScratchDatabase, testDatabaseUrl, type TestDatabaseKind } from '../../../test/support/test-databases.ts';

const org = generateJiraOrganisation({ seed: 2202, users: 500, now: new Date('2026-01-15T12:00:00Z') });

/**
 * Public admin queries against Jira's database (found through code search, see jira-database.ts): licensed
 * users with their last login through licenserolesgroup (direct memberships only, as the query joins), and
 * the plain last-login listing. The MySQL text differs only in the epoch conversion.
 */
const QUERIES = {
  licensedLastLogin: (dialect: 'postgres' | 'mysql') => `SELECT d.directory_name AS "Directory", u.user_name AS "Username",
    ${dialect === 'postgres' ? 'to_timestamp(CAST(attribute_value AS BIGINT)/1000)' : 'from_unixtime((cast(attribute_value AS UNSIGNED)/1000))'} AS "Last Login"
FROM cwd_user u
JOIN (SELECT DISTINCT child_name FROM cwd_membership m JOIN licenserolesgroup gp ON m.parent_name = gp.GROUP_ID) AS m ON m.child_name = u.user_name
JOIN (SELECT * FROM cwd_user_attributes ca WHERE attribute_name = 'login.lastLoginMillis') AS a ON a.user_id = u.id
JOIN cwd_directory d ON u.directory_id = d.id`,
  keys: 'SELECT au.user_key, cu.user_name FROM app_user au JOIN cwd_user cu ON cu.lower_user_name = au.lower_user_name',
  inactive: 'SELECT user_name FROM cwd_user WHERE active = 0',
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

for (const kind of ['postgres', 'mariadb'] as const) {
  test(`Jira database mirror on ${kind}: Jira's tables answer public admin queries with the emulator's facts`, async (t) => {
    const server = testDatabaseUrl(kind, t);
    if (server === null) return;
    const scratch = await createScratchDatabase(kind, server);
    t.after(() => scratch.drop());

    const state = new JiraState(org);
    const renamed = state.allUsers().find((u) => u.directory === JIRA_INTERNAL_DIRECTORY && u.username.includes('.'))!;
    const { key } = renamed;
    assert.equal(state.updateUser(renamed.username, { name: 'renamed.person', active: false }).result, 'changed');
    const summary = await writeJiraDatabase(scratch.url, state);
    assert.equal(summary.users, org.users.length);
    assert.equal(summary.loginAttributes, org.users.filter((u) => u.lastLogin !== null).length);
    assert.equal(summary.userMemberships, org.memberships.length);
    assert.equal(summary.groupMemberships, org.nesting.length);

    const db = await connect(kind, scratch.url);
    t.after(() => db.close());
    const dialect = kind === 'postgres' ? 'postgres' : 'mysql';
    const licensed = await db.query(QUERIES.licensedLastLogin(dialect));
    const roleGroups = new Set(state.applicationRoles().flatMap((r) => r.groups));
    const expected = state.allUsers().filter((u) => u.lastLogin !== null && state.groupsOf(u.username).some((g) => roleGroups.has(g.name)));
    assert.deepEqual(new Set(licensed.map((r) => r['Username'])), new Set(expected.map((u) => u.username)));
    const seatHolders = state.applicationRoles().reduce((sum, r) => sum + r.userCount, 0);
    assert.ok(expected.length < seatHolders, 'the query misses seats held through nested groups, as it joins direct memberships only');

    const millis = await db.query(`SELECT a.attribute_value FROM cwd_user_attributes a JOIN cwd_user u ON u.id = a.user_id
      WHERE a.attribute_name = 'login.lastLoginMillis' AND u.user_name = '${expected[0]!.username}'`);
    assert.equal(Number(millis[0]!['attribute_value']), expected[0]!.lastLogin!.getTime());

    const keys = await db.query(QUERIES.keys);
    assert.equal(keys.length, org.users.length);
    assert.ok(keys.some((r) => r['user_key'] === key && r['user_name'] === 'renamed.person'), 'the key survives the rename');
    assert.ok(keys.some((r) => r['user_key'] === 'admin'), 'legacy keys are lower-case usernames');

    const inactive = await db.query(QUERIES.inactive);
    assert.equal(inactive.length, state.allUsers().filter((u) => !u.active).length);
    assert.ok(inactive.some((r) => r['user_name'] === 'renamed.person'));

    const roles = await db.query('SELECT license_role_name, group_id, primary_group FROM licenserolesgroup ORDER BY id');
    assert.deepEqual(roles.filter((r) => r['primary_group'] === 'Y').map((r) => [r['license_role_name'], r['group_id']]),
      [['jira-servicedesk', 'jira-servicedesk-users'], ['jira-software', 'jira-software-users']]);
    const admins = await db.query('SELECT permission, group_id FROM globalpermissionentry ORDER BY permission');
    assert.deepEqual(admins.map((r) => [r['permission'], r['group_id']]), [['ADMINISTER', 'jira-administrators'], ['SYSTEM_ADMIN', 'jira-administrators']]);
  });
}
