import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KnownVersion } from './confluence-dc-version.ts';
import {
  judgeAdminRights, judgeEmail, judgeLastLogin, judgeLicence, judgeMemberLists, judgePageCaps, judgePermissionSubjects,
  judgeSlashGroups, judgeStatusValues, judgeTotalCount, judgeVersion, judgeWrites, loginFormatOf, nestingReading,
  type NestingPair,
} from './confluence-dc-check-rules.ts';
import type { Answer, PagesRead } from './confluence-dc-check-answers.ts';

const V85: KnownVersion = { text: '8.5.16', parsed: [8, 5, 16], source: 'applinks-manifest' };
const V95: KnownVersion = { text: '9.5.0', parsed: [9, 5, 0], source: 'server-information' };
const V102: KnownVersion = { text: '10.2.0', parsed: [10, 2, 0], source: 'server-information' };

const ok = (body: unknown): Answer => ({ status: 200, body });
const page = (results: unknown[], extra: Record<string, unknown> = {}): Answer => ok({ results, start: 0, limit: 500, size: results.length, totalCount: results.length, _links: {}, ...extra });
const pages = (...answers: Answer[]): PagesRead => ({ pages: answers, truncated: false });
const known = (username: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ type: 'known', username, userKey: `k-${username}`, displayName: username, ...extra });
const refused: Answer = { status: 403, body: { statusCode: 403, message: 'Could not list active users: user is not an administrator', reason: 'Forbidden' } };

describe('judgeVersion', () => {
  const html = '<meta name="ajs-version-number" content="8.5.16">';
  it('names the route the version came from and what each route answered', () => {
    const row = judgeVersion({ serverInformation: { status: 404, body: null }, manifest: ok({ version: '8.5.16', typeId: 'confluence' }), loginPage: ok(html), version: V85, error: null });
    assert.equal(row.verdict, 'pass');
    assert.equal(row.saw, '8.5.16 from applinks-manifest (server-information (9.1+): 404; applinks-manifest: "8.5.16"; page-meta (login.action): "8.5.16")');
  });
  it('fails when no route names a version, and below 8.4', () => {
    const none = judgeVersion({ serverInformation: { status: 404, body: null }, manifest: null, loginPage: ok('<html></html>'), version: null, error: 'no Confluence version at …' });
    assert.equal(none.verdict, 'fail');
    assert.match(none.saw, /^no route named a version \(server-information \(9\.1\+\): 404; applinks-manifest: not JSON; page-meta \(login\.action\): no version\)/);
    const old: KnownVersion = { text: '8.3.2', parsed: [8, 3, 2], source: 'page-meta' };
    const row = judgeVersion({ serverInformation: { status: 404, body: null }, manifest: { status: 404, body: null }, loginPage: ok(html), version: old, error: null });
    assert.equal(row.verdict, 'fail');
    assert.match(row.saw, /needs Confluence 8\.4 or later/);
  });
});

describe('judgeAdminRights', () => {
  const current = ok({ type: 'known', username: 'admin', userKey: 'k1' });
  it('passes on an answered administrator-only read', () => {
    const row = judgeAdminRights(current, { route: '/rest/api/admin/users/list/active?limit=1', answer: page([]) });
    assert.deepEqual([row.verdict, row.saw], ['pass', 'connected as "admin"; the administrator-only GET /rest/api/admin/users/list/active?limit=1 answered 200']);
  });
  it('fails on 403 quoting Confluence and naming websudo as a possible cause', () => {
    const row = judgeAdminRights(current, { route: '/rest/api/group/{group}/member?limit=1', answer: refused });
    assert.equal(row.verdict, 'fail');
    assert.match(row.saw, /answered 403: "Could not list active users: user is not an administrator"/);
    assert.match(row.saw, /secure administrator session \(websudo\)/);
  });
  it('fails for an anonymous session, and warns when nothing can confirm it', () => {
    assert.equal(judgeAdminRights(ok({ type: 'anonymous' }), null).verdict, 'fail');
    assert.equal(judgeAdminRights(current, null).verdict, 'warn');
  });
});

describe('judgeStatusValues', () => {
  const users = (...statuses: unknown[]): PagesRead => pages(page([...statuses.map((status, i) => known(`u${i}`, status === undefined ? {} : { status })), { type: 'anonymous' }]));
  it('counts documented words and names their case', () => {
    assert.deepEqual(judgeStatusValues(users('current', 'current', 'deactivated', 'unlicensed')), {
      id: 'status-values', title: 'status values (expand=status)', verdict: 'pass', saw: 'current × 2, deactivated × 1, unlicensed × 1 (lower case) over 4 users',
    });
    assert.equal(judgeStatusValues(users('CURRENT', 'EXTERNALLY_DELETED')).saw, 'CURRENT × 1, EXTERNALLY_DELETED × 1 (upper case) over 2 users');
    assert.match(judgeStatusValues(users('current', 'DEACTIVATED')).saw, /\(mixed case\)/);
    assert.match(judgeStatusValues(users({ value: 'current' })).saw, /current × 1/);
  });
  it('warns on undocumented words, escaping what it quotes', () => {
    const row = judgeStatusValues(users('current', 'PENDING\u001b[2J'));
    assert.equal(row.verdict, 'warn');
    assert.match(row.saw, /not documented by Atlassian: "PENDING\\u001b\[2J"/);
  });
  it('fails when users come without a status, or the list is refused', () => {
    const row = judgeStatusValues(users('current', undefined, undefined));
    assert.equal(row.verdict, 'fail');
    assert.match(row.saw, /^2 of 3 users came without a status/);
    assert.equal(judgeStatusValues(pages(refused)).verdict, 'fail');
  });
});

describe('judgeEmail', () => {
  const list = pages(page([known('a'), known('b')]));
  it('passes with an address on the 10.2 admin list, warns without one', () => {
    const present = judgeEmail(list, page([known('a', { email: 'a@x.test' })]), V102);
    assert.deepEqual([present.verdict, present.saw], ['pass', '/rest/api/user/list: e-mail on 0 of 2 users (as public client code reports); /rest/api/admin/users/list/active: e-mail on 1 of 1 listed']);
    const absent = judgeEmail(list, page([known('a')]), V102);
    assert.equal(absent.verdict, 'warn');
    assert.match(absent.saw, /notices have no address/);
  });
  it('before 10.2 says where e-mail comes from', () => {
    const row = judgeEmail(pages(page([known('a', { email: 'a@x.test' })])), null, V85);
    assert.deepEqual([row.verdict, row.saw], ['pass', '/rest/api/user/list: e-mail on 1 of 1 users; before 10.2 Seatkeeper reads e-mail from cwd_user (lastLogin: database)']);
  });
});

describe('judgeLastLogin', () => {
  it('reads each format', () => {
    const table: [unknown, string][] = [
      ['2025-11-01T09:30:00.000+01:00', 'ISO-8601 with offset'],
      ['2025-11-01T08:30:00Z', 'ISO-8601 with offset'],
      [1761985800000, 'epoch milliseconds'],
      ['1761985800000', 'epoch milliseconds'],
      [null, 'never (null/empty/0)'],
      [0, 'never (null/empty/0)'],
      ['2025-11-01 09:30', 'unreadable'],
      ['yesterday', 'unreadable'],
    ];
    for (const [raw, format] of table) assert.equal(loginFormatOf(raw), format, JSON.stringify(raw));
  });
  it('passes on readable values and counts them', () => {
    const row = judgeLastLogin(page([known('a', { lastLogin: '2025-11-01T09:30:00.000+01:00' }), known('b', { lastLogin: null })]), V102, 'rest');
    assert.deepEqual([row.verdict, row.saw], ['pass', 'lastLogin on 2 of 2 entries, all readable: ISO-8601 with offset × 1, never (null/empty/0) × 1 (e.g. "2025-11-01T09:30:00.000+01:00")']);
  });
  it('fails when the key is absent from the whole page or a value is unreadable; warns when some lack it', () => {
    const absent = judgeLastLogin(page([known('a'), known('b')]), V102, 'rest');
    assert.equal(absent.verdict, 'fail');
    assert.match(absent.saw, /no lastLogin on any of the 2 entries .*set lastLogin: database/);
    const unreadable = judgeLastLogin(page([known('a', { lastLogin: '01/11/2025' }), known('b', { lastLogin: 1761985800000 })]), V102, 'rest');
    assert.equal(unreadable.verdict, 'fail');
    assert.match(unreadable.saw, /^1 of 2 lastLogin values cannot be read \(e\.g\. "01\/11\/2025"\)/);
    assert.equal(judgeLastLogin(page([known('a', { lastLogin: 1761985800000 }), known('b')]), V102, 'rest').verdict, 'warn');
    assert.equal(judgeLastLogin(refused, V102, 'rest').verdict, 'fail');
  });
  it('skips before 10.2 and says the database is needed', () => {
    const row = judgeLastLogin(null, V95, 'rest');
    assert.deepEqual([row.verdict, row.saw], ['skip', 'Confluence 9.5.0 sends no last login over REST (10.2+): lastLogin: database is needed; this instance is configured with lastLogin: rest']);
  });
});

describe('judgeTotalCount and judgePageCaps', () => {
  it('passes with totals on both lists, warns without one', () => {
    assert.deepEqual(judgeTotalCount(page([known('a')]), page([])).saw, 'user list: totalCount 1; group list: totalCount 0');
    const row = judgeTotalCount(page([known('a')]), ok({ results: [], _links: {} }));
    assert.equal(row.verdict, 'warn');
    assert.match(row.saw, /group list: no totalCount/);
  });
  it('reports the limit each route kept', () => {
    const row = judgePageCaps([['user list', page([known('a')], { limit: 500 })], ['group list', ok({ results: [] })], ['member list', refused], ['admin list', null]]);
    assert.deepEqual([row.verdict, row.saw], [
      'pass',
      'asked limit=1000: user list: limit 500, 1 results; group list: limit (none sent), 0 results; member list answered 403: ' +
        '"Could not list active users: user is not an administrator"; admin list: not read',
    ]);
  });
});

describe('member lists: direct or flattened', () => {
  const pair = (over: Partial<NestingPair>): NestingPair => ({
    parent: 'staff', child: 'engineering', parentMembers: [], parentComplete: true, childMembers: ['ana', 'ben'], directGroups: new Map(), ...over,
  });
  it('flattened: a child member on the parent list without a direct membership', () => {
    const flattened = pair({ parentMembers: ['ana', 'ben'], directGroups: new Map([['ana', ['engineering', 'newsletter']]]) });
    assert.equal(nestingReading(flattened)?.reading, 'flattened');
    const row = judgeMemberLists({ groupsLookedAt: 12, childListsMissing: 0, pairs: [flattened] });
    assert.equal(row.verdict, 'pass');
    assert.match(row.saw, /^flattened: "ana" is on "staff"'s member list, but \/rest\/api\/user\/memberof names no direct membership of it/);
  });
  it('direct: child members missing from a complete parent list', () => {
    const direct = pair({ parentMembers: ['cleo'] });
    assert.match(judgeMemberLists({ groupsLookedAt: 12, childListsMissing: 0, pairs: [direct] }).saw, /^direct: 2 of the 2 members of child group "engineering" \(e\.g\. "ana"\)/);
    // A parent list cut by the bound proves no absence.
    assert.equal(nestingReading({ ...direct, parentComplete: false }), null);
  });
  it('cannot tell when every child member is a direct member of the parent too, or nothing is nested', () => {
    const both = pair({ parentMembers: ['Ana', 'ben'], directGroups: new Map([['ana', ['STAFF']], ['ben', ['staff']]]) });
    assert.equal(nestingReading(both), null);
    assert.equal(judgeMemberLists({ groupsLookedAt: 3, childListsMissing: 0, pairs: [both] }).verdict, 'skip');
    assert.deepEqual(judgeMemberLists({ groupsLookedAt: 200, childListsMissing: 4, pairs: [] }).saw, 'no nested groups to tell (looked at 200 groups, /groupmember answered 404 for 4)');
  });
});

describe('judgePermissionSubjects', () => {
  const grant = (subject: Record<string, unknown>) => ({ operation: { targetType: 'application', operationKey: 'use' }, subject });
  it('passes when user subjects carry a username or key', () => {
    const row = judgePermissionSubjects(ok([grant({ type: 'group', displayName: 'g' }), grant({ type: 'user', displayName: 'Ana', username: 'ana' }), grant({ type: 'user', displayName: 'Ben', userKey: 'k' })]), V95);
    assert.deepEqual([row.verdict, row.saw], ['pass', '2 user subjects named by username/userKey']);
  });
  it('warns on display-name-only user subjects, skips without any or before 9.3', () => {
    const row = judgePermissionSubjects(ok([grant({ type: 'user', displayName: 'Ana Costa' })]), V102);
    assert.equal(row.verdict, 'warn');
    assert.match(row.saw, /^1 of 1 user subjects carry only a displayName \(e\.g\. "Ana Costa"\): individually granted administrators are recognised only at apply time/);
    assert.deepEqual(judgePermissionSubjects(ok([grant({ type: 'group', displayName: 'g' })]), V102).saw, 'no permission is granted to a user individually, so nothing tells (group subjects carry displayName only)');
    assert.equal(judgePermissionSubjects(null, V85).verdict, 'skip');
  });
});

describe('judgeSlashGroups', () => {
  const groups = pages(page([{ type: 'group', name: 'staff' }, { type: 'group', name: 'eng/platform' }, { type: 'group', name: 'sales/emea' }]));
  const useGrant = (name: string): Answer => ok([{ operation: { targetType: 'application', operationKey: 'use' }, subject: { type: 'group', displayName: name } }]);
  it('passes without such names and warns with them', () => {
    assert.equal(judgeSlashGroups(pages(page([{ type: 'group', name: 'staff' }])), null, 'rest', 'auto').verdict, 'pass');
    const row = judgeSlashGroups(groups, useGrant('staff'), 'rest', 'auto');
    assert.deepEqual([row.verdict, row.saw], ['warn', '2 of 3 groups have a "/": "eng/platform", "sales/emea"; their members cannot be read over REST and scans name them']);
  });
  it('fails in REST mode when one grants "can use" (from the permissions API or the config), warns in database mode', () => {
    const row = judgeSlashGroups(groups, useGrant('ENG/platform'), 'rest', 'auto');
    assert.equal(row.verdict, 'fail');
    assert.match(row.saw, /"eng\/platform" grants "can use", so a REST scan would be incomplete: set lastLogin: database/);
    assert.equal(judgeSlashGroups(groups, null, 'rest', ['sales/emea']).verdict, 'fail');
    assert.equal(judgeSlashGroups(groups, useGrant('eng/platform'), 'database', 'auto').verdict, 'warn');
  });
});

describe('judgeLicence and judgeWrites', () => {
  it('passes with both counts, warns when one is not served', () => {
    assert.deepEqual(judgeLicence(ok({ count: 172 }), ok({ count: -1 })).saw, 'userCount 172, maxUsers unlimited (-1); userCount is cached by Confluence and never used to verify a write');
    const row = judgeLicence({ status: 404, body: null }, ok({ count: 250 }));
    assert.deepEqual([row.verdict, row.saw.split(';')[0]], ['warn', 'userCount not served (404), maxUsers 250']);
  });
  it('names the write routes of the version and the remembered groups', () => {
    const before = judgeWrites(V85, []);
    assert.equal(before.verdict, 'skip');
    assert.doesNotMatch(before.saw, /permissions/);
    assert.match(before.saw, /no group is remembered as not writable$/);
    const now = judgeWrites(V102, [{ group: 'wiki-access', message: 'Confluence refused it (403): read-only directory', refusedAt: '2025-11-20T03:00:00.000Z' }]);
    assert.match(now.saw, /PUT \/rest\/api\/permissions\/user\/\{key\}\/grant\|revoke/);
    assert.match(now.saw, /remembered as not writable: "wiki-access" \(since 2025-11-20: "Confluence refused it \(403\): read-only directory"\)$/);
  });
});
