import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jiraDcConfigSchema } from './jira-dc-config.ts';
import { judgeDatabase, judgeGroupNames, judgeLastLogin, judgeListing, judgeRoles, judgeVersion, type Answer, type ListingRead } from './jira-dc-check-rules.ts';
import { groupReadings, judgeMemberships, type MembershipObservation } from './jira-dc-check-groups.ts';

// Every payload below is HAND-BUILT from the 10.3 spec's beans (UserBean, ApplicationRoleBean, GroupSuggestionsBean);
// none was recorded from a live Jira.

const ok = (body: unknown): Answer => ({ status: 200, body });
const config = (extra: Record<string, unknown> = {}) => jiraDcConfigSchema.parse({ product: 'jira-dc', url: 'https://jira.example.com', auth: { token: 't' }, ...extra });
const user = (n: number, extra: Record<string, unknown> = {}) => ({ key: `JIRAUSER${10000 + n}`, name: `user${n}`, displayName: `User ${n}`, emailAddress: `u${n}@example.com`, active: true, ...extra });
const searchOf = (count: number): ListingRead => ({ route: 'search', records: Array.from({ length: count }, (_, i) => user(i)), first: ok([]), truncated: false, startAtIgnored: false });
const role = (extra: Record<string, unknown>) => ({ key: 'jira-software', name: 'Jira Software', groups: ['jira-software-users'], defaultGroups: ['jira-software-users'], userCount: 10, ...extra });

describe('Jira check rules', () => {
  it('version: a Cloud site and a missing route fail; a DC version passes with its build', () => {
    assert.equal(judgeVersion(ok({ version: '1001.0.0-SNAPSHOT', deploymentType: 'Cloud' })).verdict, 'fail');
    assert.equal(judgeVersion({ status: 404, body: null }).verdict, 'fail');
    assert.equal(judgeVersion(ok({ version: '9.12.15', buildNumber: 9120015, deploymentType: 'Server' })).saw, '9.12.15 (build 9120015), deploymentType "Server"');
  });

  it('user search ending on exactly 1000 is taken as cut, even without role counts to compare', () => {
    const row = judgeListing({ status: 404, body: null }, searchOf(1000), searchOf(1000), null, config());
    assert.equal(row.verdict, 'fail');
    assert.match(row.saw, /listed 1,000;.*a REST scan would be incomplete/);
    assert.equal(judgeListing({ status: 404, body: null }, searchOf(999), searchOf(999), null, config()).verdict, 'pass');
  });

  it('last login: an unreadable lastLoginTime fails; lastLogin: database with an unreadable database fails', () => {
    const beans = [ok(user(1, { lastLoginTime: 'yesterday' }))];
    assert.equal(judgeLastLogin(searchOf(2), beans, ok(user(0)), null, config()).verdict, 'fail');
    const database = { error: 'cannot connect to the Jira database', directories: [], users: 0, withLastLogin: 0, truncated: false, userMemberships: null, groupMemberships: null };
    const row = judgeLastLogin(searchOf(2), [], ok(user(0)), database, config({ lastLogin: 'database', database: 'postgres://db/jira' }));
    assert.equal(row.verdict, 'fail');
    assert.match(row.saw, /^lastLogin: database, but the database cannot be read: cannot connect/);
    // The database's own row: it fails under lastLogin: database, and only warns when REST is the source.
    assert.deepEqual([judgeDatabase(database, config({ lastLogin: 'database', database: 'postgres://db/jira' })).verdict, judgeDatabase(database, config({ database: 'postgres://db/jira' })).verdict], ['fail', 'warn']);
    assert.equal(judgeDatabase(null, config()).verdict, 'skip');
  });

  it('group names: "/" and spaces are fine; a control character in a granting group fails', () => {
    const picker = ok({ total: 2, groups: [{ name: 'a/b' }, { name: 'release managers' }] });
    assert.equal(judgeGroupNames(picker, []).verdict, 'pass');
    const granting = [{ key: 'jira-software', name: 'Jira Software', groups: ['bad\u0007group'], defaultGroups: [], numberOfSeats: 10, remainingSeats: 0, userCount: 10, hasUnlimitedSeats: false, defined: true }];
    const row = judgeGroupNames(picker, granting);
    assert.equal(row.verdict, 'fail');
    assert.match(row.saw, /"bad\\u0007group" grant application access/);
  });

  it('roles: unlimited only from hasUnlimitedSeats; a role without it is a warning', () => {
    assert.match(judgeRoles(ok([role({ numberOfSeats: -1, remainingSeats: -1, hasUnlimitedSeats: true })])).saw, /unlimited \(hasUnlimitedSeats; numberOfSeats -1, remainingSeats -1\)/);
    const unclear = judgeRoles(ok([role({ numberOfSeats: -1, remainingSeats: -1 })]));
    assert.equal(unclear.verdict, 'warn');
    assert.match(unclear.saw, /seat limits of "jira-software" are unknown/);
  });
});

describe('Jira group readings', () => {
  // staff ⊃ engineering; ann is a direct member of engineering only.
  const direct = { groupsOf: new Map([['ann', new Set(['engineering'])]]), parentsOf: new Map([['engineering', new Set(['staff'])]]) };
  const observation = (onStaffList: boolean, expanded: string[], withDatabase: boolean): MembershipObservation => ({
    lists: [{ group: 'staff', members: new Set(onStaffList ? ['ann'] : []), complete: true }, { group: 'engineering', members: new Set(['ann']), complete: true }],
    users: [{ username: 'Ann', groups: new Set(expanded) }],
    direct: withDatabase ? direct : null,
    firstPage: null,
  });

  for (const [lists, expand, onStaffList, expanded, verdicts] of [
    ['flattened', 'direct', true, ['engineering'], ['pass', 'pass']],
    // Direct lists without the database hide seats held through child groups from a REST scan.
    ['direct', 'effective', false, ['engineering', 'staff'], ['warn', 'pass']],
  ] as const) {
    it(`${lists} lists with ${expand} expand disagree, and REST alone tells both, each on its own row`, () => {
      const readings = groupReadings(observation(onStaffList, [...expanded], false));
      assert.deepEqual([readings.memberLists, readings.expandGroups], [lists, expand]);
      const rows = judgeMemberships(observation(onStaffList, [...expanded], false));
      assert.deepEqual(rows.map((row) => [row.id, row.verdict]), [['member-lists', verdicts[0]], ['groups-expand', verdicts[1]]]);
      assert.match(rows[0].saw, new RegExp(`^${lists} \\(.*evidence: .*"Ann"`));
      assert.match(rows[1].saw, new RegExp(`^${expand} \\(.*evidence: .*"Ann"`));
    });
  }

  for (const [lists, expand, onStaffList, expanded] of [
    ['flattened', 'effective', true, ['engineering', 'staff']],
    ['direct', 'direct', false, ['engineering']],
  ] as const) {
    it(`${lists} lists with ${expand} expand agree: only cwd_membership tells`, () => {
      for (const rest of judgeMemberships(observation(onStaffList, [...expanded], false))) {
        assert.equal(rest.verdict, 'skip', rest.id);
        assert.match(rest.saw, /REST alone cannot tell which/);
      }
      const readings = groupReadings(observation(onStaffList, [...expanded], true));
      assert.deepEqual([readings.memberLists, readings.expandGroups], [lists, expand]);
    });
  }
});
