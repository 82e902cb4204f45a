import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { ConnectorError } from '../../app/connector-error.ts';
import type { CheckRow } from '../../app/instance-check.ts';
import { startJiraEmulator, type JiraEmulatorOptions, type RunningJiraEmulator } from '../../emulators/jira-dc/jira-emulator.ts';
import { generateJiraOrganisation } from '../../emulators/jira-dc/jira-org-generator.ts';
import { writeJiraDatabase } from '../../emulators/jira-dc/jira-database.ts';
import type { JiraReadings } from '../../emulators/jira-dc/jira-readings.ts';
import { createScratchDatabase, testDatabaseUrl } from '../../../test/support/test-databases.ts';
import { jiraDcConfigSchema, type JiraDcConfigInput } from './jira-dc-config.ts';
import { checkJiraDcInstance, type JiraDcCheckOutcome } from './jira-dc-check.ts';
import { JIRA_CHECKS } from './jira-dc-check-rows.ts';

// Every emulator below starts with one reading of jira-readings.ts; the check must name that reading.
const NOW = new Date('2026-01-15T12:00:00Z');
const org = generateJiraOrganisation({ seed: 4711, users: 150, now: NOW });
const running: RunningJiraEmulator[] = [];
after(async () => {
  await Promise.all(running.map((emulator) => emulator.close()));
});

async function emulator(readings: Partial<JiraReadings> = {}, options: Partial<JiraEmulatorOptions> = {}): Promise<RunningJiraEmulator> {
  const started = await startJiraEmulator({ org, readings, ...options });
  running.push(started);
  return started;
}

async function check(target: RunningJiraEmulator, extra: Partial<JiraDcConfigInput> = {}, token = target.credentials.admin.token): Promise<JiraDcCheckOutcome> {
  const config = jiraDcConfigSchema.parse({ product: 'jira-dc', url: target.url, auth: { token }, ...extra });
  return checkJiraDcInstance({ instanceId: 'jira', config, unwritableGroups: [] });
}

function row(outcome: JiraDcCheckOutcome, id: CheckRow['id']): CheckRow {
  const found = outcome.report.rows.find((r) => r.id === id);
  assert.ok(found, `no row ${id}`);
  return found;
}

const verdicts = (outcome: JiraDcCheckOutcome): Record<string, string> => Object.fromEntries(outcome.report.rows.map((r) => [r.id, r.verdict]));

describe('checkJiraDcInstance against the emulator', () => {
  it('default readings: every row, with GET requests only, one capture per request', async () => {
    const jira = await emulator();
    const outcome = await check(jira);
    assert.deepEqual(verdicts(outcome), {
      'version-route': 'pass', 'admin-rights': 'pass', 'active-flag': 'pass', 'email-presence': 'pass', 'last-login': 'pass',
      'user-listing': 'pass', 'page-caps': 'pass', 'member-lists': 'skip', 'groups-expand': 'skip', 'group-names': 'pass',
      'application-roles': 'pass', 'database-source': 'skip', writes: 'skip',
    });
    assert.deepEqual(outcome.report.rows.map((r) => r.id), JIRA_CHECKS.ids);
    assert.equal(outcome.report.version, '10.3.24');
    assert.equal(jira.stats.writes, 0);
    assert.deepEqual([...jira.stats.byRoute.keys()].filter((route) => !route.startsWith('GET ')), []);
    assert.equal(outcome.captures.length, jira.stats.requests);
    assert.match(row(outcome, 'version-route').saw, /^10\.3\.24 \(build 10030024\), deploymentType "Server"$/);
    assert.match(row(outcome, 'admin-rights').saw, /connected as "admin"; ADMINISTER held, SYSTEM_ADMIN held/);
    assert.match(row(outcome, 'user-listing').saw, /user\/list answered 200 .*the stream listed 150 users.*user\/search username="\." listed 150/);
    // UserJsonBean carries no lastLoginTime; UserBean does: one GET /user per user.
    assert.match(row(outcome, 'last-login').saw, /reads GET \/rest\/api\/2\/user once per user.*lastLoginTime on 0 of 150 listing entries and on [1-9]\d* of \d+ GET \/rest\/api\/2\/user answers/);
    assert.match(row(outcome, 'member-lists').saw, /agree for every user compared.*configure database: to tell/);
    assert.equal(row(outcome, 'groups-expand').saw, row(outcome, 'member-lists').saw);
    assert.match(row(outcome, 'database-source').saw, /^no database: configured/);
    assert.match(row(outcome, 'page-caps').saw, /user\/list: maxResults 1,000, 150 values; user\/search: 150 results .*group\/member of "[^"]+": maxResults 50, /);
    assert.match(row(outcome, 'application-roles').saw, /"jira-servicedesk": \d+ seats, \d+ used, \d+ remaining.*"jira-software": \d+ seats/);
  });

  it('userListRoute: absent — names user/search as the listing', async () => {
    const outcome = await check(await emulator({ userListRoute: 'absent' }));
    const listing = row(outcome, 'user-listing');
    assert.equal(listing.verdict, 'pass');
    assert.match(listing.saw, /user\/list answered 404: this version has only user\/search; Seatkeeper pages user\/search with username="\."; user\/search username="\." listed 150/);
  });

  it('userListRoute: absent with userListing: list configured — says what to set', async () => {
    const outcome = await check(await emulator({ userListRoute: 'absent' }), { userListing: 'list' });
    assert.equal(row(outcome, 'user-listing').verdict, 'fail');
    assert.match(row(outcome, 'user-listing').saw, /set userListing: auto/);
  });

  it('userSearchLimit: first-100 — the search is cut at 100 and a REST scan without user/list is refused', async () => {
    const outcome = await check(await emulator({ userListRoute: 'absent', userSearchLimit: 'first-100' }));
    const listing = row(outcome, 'user-listing');
    assert.equal(listing.verdict, 'fail');
    assert.match(listing.saw, /listed 100;.*a REST scan would be incomplete/);
  });

  it('userSearchLimit: first-100 with user/list present — the stream is used; userListing: search would be incomplete', async () => {
    const jira = await emulator({ userSearchLimit: 'first-100' });
    assert.equal(row(await check(jira), 'user-listing').verdict, 'pass');
    const forced = row(await check(jira, { userListing: 'search' }), 'user-listing');
    assert.equal(forced.verdict, 'fail');
    assert.match(forced.saw, /user\/search username="\." listed 100;.*set userListing: auto/);
  });

  it('dotQuery: literal — the match-all query matched nobody: set userSearchQuery', async () => {
    const outcome = await check(await emulator({ userListRoute: 'absent', dotQuery: 'literal' }));
    assert.equal(row(outcome, 'user-listing').verdict, 'fail');
    assert.match(row(outcome, 'user-listing').saw, /listed 0: it matched nobody: set userSearchQuery/);
  });

  it('memberLists: direct with userGroupsExpand: effective — both named over REST', async () => {
    const outcome = await check(await emulator({ memberLists: 'direct', userGroupsExpand: 'effective' }));
    const members = row(outcome, 'member-lists');
    assert.equal(members.verdict, 'warn');
    assert.match(members.saw, /^direct \(.*evidence: .*set database: to a read-only Jira database URL/);
    assert.deepEqual([row(outcome, 'groups-expand').verdict, row(outcome, 'groups-expand').saw.split(' (')[0]], ['pass', 'effective']);
  });

  it('memberLists: flattened with userGroupsExpand: direct — both named over REST', async () => {
    const outcome = await check(await emulator({ memberLists: 'flattened', userGroupsExpand: 'direct' }));
    const members = row(outcome, 'member-lists');
    assert.equal(members.verdict, 'pass');
    assert.match(members.saw, /^flattened \(.*evidence: /);
    assert.deepEqual([row(outcome, 'groups-expand').verdict, row(outcome, 'groups-expand').saw.split(' (')[0]], ['pass', 'direct']);
  });

  it('lastLoginTimeField: absent — nothing anywhere: set lastLogin: database', async () => {
    const outcome = await check(await emulator({ lastLoginTimeField: 'absent' }));
    const login = row(outcome, 'last-login');
    assert.equal(login.verdict, 'fail');
    assert.match(login.saw, /no lastLoginTime anywhere.*set lastLogin: database/);
  });

  it('a licensed non-administrator: the administrator row fails, quoting Jira', async () => {
    const jira = await emulator();
    const outcome = await check(jira, {}, jira.credentials.user.token);
    const admin = row(outcome, 'admin-rights');
    assert.equal(admin.verdict, 'fail');
    assert.match(admin.saw, /ADMINISTER not held.*applicationrole answered 403: "You do not have the permission/);
    assert.equal(outcome.report.verdict, 'fail');
  });

  for (const unlimitedRemainingSeats of ['minus-one', 'computed'] as const) {
    it(`unlimitedRemainingSeats: ${unlimitedRemainingSeats} — unlimited seats are named from hasUnlimitedSeats, never read as a count`, async () => {
      const unlimited = generateJiraOrganisation({ seed: 4711, users: 150, now: NOW, softwareSeats: -1 });
      const jira = await startJiraEmulator({ org: unlimited, readings: { unlimitedRemainingSeats } });
      running.push(jira);
      const roles = row(await check(jira), 'application-roles');
      assert.equal(roles.verdict, 'pass');
      assert.match(roles.saw, /"jira-software": unlimited \(hasUnlimitedSeats; numberOfSeats -1, remainingSeats -?\d+\), \d+ used/);
    });
  }

  for (const [reading, cap] of [['cap-50', '50'], ['as-asked', '1,000']] as const) {
    it(`groupMemberCap: ${reading} — the member page size is reported as the instance set it`, async () => {
      const outcome = await check(await emulator({ groupMemberCap: reading }));
      assert.match(row(outcome, 'page-caps').saw, new RegExp(`group/member of "[^"]+": maxResults ${cap}, \\d+ values`));
    });
  }

  it('a URL that is not Jira\'s base URL: the version row fails and every other row is reported as not checked', async () => {
    const jira = await emulator();
    const config = jiraDcConfigSchema.parse({ product: 'jira-dc', url: `${jira.url}/nowhere`, auth: { token: jira.credentials.admin.token } });
    const outcome = await checkJiraDcInstance({ instanceId: 'jira', config, unwritableGroups: [] });
    assert.deepEqual(outcome.report.rows.map((r) => r.id), JIRA_CHECKS.ids);
    assert.deepEqual(outcome.report.rows.map((r) => r.verdict), ['fail', ...JIRA_CHECKS.ids.slice(1).map(() => 'skip')]);
    assert.equal(outcome.report.verdict, 'fail');
    assert.equal(outcome.captures.length, 1);
  });

  it('an unreachable URL is a fixable ConnectorError, not a report', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const config = jiraDcConfigSchema.parse({ product: 'jira-dc', url: `http://127.0.0.1:${port}/jira`, auth: { token: 't' } });
    await assert.rejects(
      checkJiraDcInstance({ instanceId: 'jira', config, unwritableGroups: [] }, { sleep: async () => undefined }),
      (error) => error instanceof ConnectorError && error.fixable && /ECONNREFUSED/.test(error.message),
    );
  });
});

for (const kind of ['postgres', 'mariadb'] as const) {
  describe(`checkJiraDcInstance with the database on ${kind}`, () => {
    for (const [memberLists, userGroupsExpand] of [['flattened', 'effective'], ['direct', 'direct']] as const) {
      it(`memberLists: ${memberLists}, userGroupsExpand: ${userGroupsExpand} — readings REST alone cannot tell, named from cwd_membership`, async (t) => {
        const server = testDatabaseUrl(kind, t);
        if (server === null) return;
        const scratch = await createScratchDatabase(kind, server);
        t.after(() => scratch.drop());
        const jira = await emulator({ memberLists, userGroupsExpand });
        await writeJiraDatabase(scratch.url, jira.state);
        const outcome = await check(jira, { lastLogin: 'database', database: scratch.url });
        const members = row(outcome, 'member-lists');
        assert.equal(members.verdict, 'pass');
        assert.match(members.saw, new RegExp(`^${memberLists} \\(.*cwd_membership`));
        const expand = row(outcome, 'groups-expand');
        assert.equal(expand.verdict, 'pass');
        assert.match(expand.saw, new RegExp(`^${userGroupsExpand} \\(.*cwd_membership`));
        const login = row(outcome, 'last-login');
        assert.equal(login.verdict, 'pass');
        assert.match(login.saw, /^lastLogin: database: Seatkeeper reads login\.lastLoginMillis; login\.lastLoginMillis on \d+ of 150 accounts; lastLoginTime on/);
        const database = row(outcome, 'database-source');
        assert.equal(database.verdict, 'pass');
        assert.match(database.saw, /login\.lastLoginMillis on \d+ of 150 accounts; directories "Jira Internal Directory" \(position 0\), "Corporate LDAP" \(position 1\); cwd_membership: \d+ user and [1-9]\d* nested-group rows/);
      });
    }

    it('a database that is not Jira\'s fails the last-login and database rows under lastLogin: database, naming what is missing', async (t) => {
      const server = testDatabaseUrl(kind, t);
      if (server === null) return;
      const scratch = await createScratchDatabase(kind, server);
      t.after(() => scratch.drop());
      const outcome = await check(await emulator(), { lastLogin: 'database', database: scratch.url });
      const login = row(outcome, 'last-login');
      assert.equal(login.verdict, 'fail');
      assert.match(login.saw, /lastLogin: database, but the database cannot be read: the database is not a Jira database this account can read: no table cwd_user/);
      const database = row(outcome, 'database-source');
      assert.equal(database.verdict, 'fail');
      assert.match(database.saw, /^the configured database cannot be read: the database is not a Jira database this account can read: no table cwd_user/);
    });
  });
}
