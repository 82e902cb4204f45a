/** `instance check` rules for Confluence Data Center: pure judges that turn what was read into PASS/WARN/FAIL/SKIP rows. */

import { z } from 'zod';
import type { UnwritableGroup } from '../../app/store/unwritable-group-repository-port.ts';
import { escapeControl, quote, quoteList, type CheckRow } from '../../app/instance-check.ts';
import { checkRow } from './confluence-dc-check-rows.ts';
import type { ConfluenceDcConfig } from './confluence-dc-config.ts';
import type { KnownVersion } from './confluence-dc-version.ts';
import { isEpochSentinel, parseLoginInstant } from './confluence-dc-login-time.ts';
import { answered, lower, n, namesOnPages, personsOnPages, tally, pageOf, type Answer, type PagesRead } from './confluence-dc-check-answers.ts';
import {
  PayloadError, atLeast, classifyGlobalPermissions, isDocumentedStatus, mapApplinksManifest, mapCurrentUser,
  mapPageMetaVersion, mapServerInformation, statusWordOf, type Version,
} from './confluence-dc-mapping.ts';

/** The three routes that carry the version, and what `readConfluenceVersion` made of them. */
export interface VersionObservation {
  readonly serverInformation: Answer;
  /** null when the manifest answered with something that is not JSON. */
  readonly manifest: Answer | null;
  readonly loginPage: Answer;
  readonly version: KnownVersion | null;
  /** Why no version was read (readConfluenceVersion's words); null when one was. */
  readonly error: string | null;
}

/** One parent group with a child group, and what their member lists and the child's members' own groups showed. */
export interface NestingPair {
  readonly parent: string;
  readonly child: string;
  readonly parentMembers: readonly string[];
  /** False when the parent's list was longer than the bound: absence from it proves nothing then. */
  readonly parentComplete: boolean;
  readonly childMembers: readonly string[];
  /** `/user/memberof` (direct groups) of the child's members found on the parent's list, as far as read. */
  readonly directGroups: ReadonlyMap<string, readonly string[]>;
}

/** The bounded search for a nested group. */
export interface NestingSearch {
  readonly groupsLookedAt: number;
  /** Groups whose `/groupmember` answered 404. */
  readonly childListsMissing: number;
  readonly pairs: readonly NestingPair[];
}

/** Everything read after the version, for the judges. */
export interface RestObservation {
  readonly currentUser: Answer;
  readonly adminRead: { readonly route: string; readonly answer: Answer } | null;
  readonly users: PagesRead;
  readonly groups: PagesRead;
  readonly memberPage: { readonly group: string; readonly answer: Answer } | null;
  /** `/rest/api/admin/users/list/active?limit=1000` (9.3+), with `expand=lastLogin` on 10.2+. */
  readonly adminList: Answer | null;
  readonly permissions: Answer | null;
  readonly nesting: NestingSearch;
  readonly userCount: Answer;
  readonly maxUsers: Answer;
}

/** Below this version nothing but the version is checked: Seatkeeper needs /rest/api/user/list. */
export const USER_LIST_SINCE: Version = [8, 4, 0];
/** The global permissions API and the admin user list. */
export const PERMISSIONS_API_SINCE: Version = [9, 3, 0];
/** `lastLogin` (and e-mail) on the admin user list. */
export const REST_LAST_LOGIN_SINCE: Version = [10, 2, 0];

/** Who Seatkeeper connects as. */
export const CURRENT_USER = '/rest/api/user/current';
/** The user list, read with `expand=status`. */
export const USER_LIST = '/rest/api/user/list';
/** The administrator-only user list (9.3+). */
export const ADMIN_LIST = '/rest/api/admin/users/list/active';
/** A user's direct groups. */
export const MEMBER_OF = '/rest/api/user/memberof';
/** The global permissions (9.3+). */
export const PERMISSIONS = '/rest/api/permissions';

/** The page size asked for everywhere, to see what each route caps it to. */
export const ASKED_LIMIT = 1000;

/** Every row from what was read. */
export function judgeInstance(versions: VersionObservation, rest: RestObservation, version: KnownVersion, input: { readonly config: ConfluenceDcConfig; readonly unwritableGroups: readonly UnwritableGroup[] }): CheckRow[] {
  const v = version.parsed;
  return [
    judgeVersion(versions),
    judgeAdminRights(rest.currentUser, rest.adminRead),
    judgeStatusValues(rest.users),
    judgeEmail(rest.users, rest.adminList, version),
    judgeLastLogin(rest.adminList, version, input.config.lastLogin),
    judgeTotalCount(rest.users.pages[0] ?? null, rest.groups.pages[0] ?? null),
    judgePageCaps([
      ['user list', rest.users.pages[0] ?? null],
      ['group list', rest.groups.pages[0] ?? null],
      [rest.memberPage === null ? 'group member list (no group)' : `member list of ${quote(rest.memberPage.group, 40)}`, rest.memberPage?.answer ?? null],
      ...(atLeast(v, PERMISSIONS_API_SINCE) ? [['admin user list', rest.adminList] as const] : []),
    ]),
    judgeMemberLists(rest.nesting),
    judgePermissionSubjects(rest.permissions, version),
    judgeSlashGroups(rest.groups, rest.permissions, input.config.lastLogin, input.config.licenseGroups),
    judgeLicence(rest.userCount, rest.maxUsers),
    judgeWrites(version, input.unwritableGroups),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Judging (pure)

/** Row 1: which version routes answered, and whether the version is supported. */
export function judgeVersion(obs: VersionObservation): CheckRow {
  const said = (read: () => string | null): string => {
    try {
      return read() ?? 'no version';
    } catch {
      return 'no version';
    }
  };
  const info = obs.serverInformation.status === 404 ? '404' : said(() => quote(mapServerInformation(obs.serverInformation.body).version, 40));
  const manifest = obs.manifest === null ? 'not JSON' : obs.manifest.status === 404 ? '404' : said(() => {
    const read = mapApplinksManifest(obs.manifest?.body);
    return read === null ? null : quote(read.version, 40);
  });
  const page = obs.loginPage.status === 404 ? '404' : said(() => {
    const read = mapPageMetaVersion(obs.loginPage.body);
    return read === null ? null : quote(read.version, 40);
  });
  const routes = `server-information (9.1+): ${info}; applinks-manifest: ${manifest}; page-meta (login.action): ${page}`;
  if (obs.version === null) return checkRow('version-route', 'fail', `no route named a version (${routes})${obs.error === null ? '' : `: ${escapeControl(obs.error)}`}`);
  const text = `${escapeControl(obs.version.text)} from ${obs.version.source} (${routes})`;
  if (!atLeast(obs.version.parsed, USER_LIST_SINCE)) return checkRow('version-route', 'fail', `${text}: Seatkeeper needs Confluence 8.4 or later (/rest/api/user/list)`);
  return checkRow('version-route', 'pass', text);
}

/** Row 2: who Seatkeeper connects as, and whether an administrator-only read answers. */
export function judgeAdminRights(currentUser: Answer, adminRead: { readonly route: string; readonly answer: Answer } | null): CheckRow {
  if (currentUser.status !== 200) return checkRow('admin-rights', 'fail', `GET ${CURRENT_USER} ${answered(currentUser)}`);
  let username: string;
  try {
    username = mapCurrentUser(currentUser.body).username;
  } catch (error) {
    if (error instanceof PayloadError) return checkRow('admin-rights', 'fail', `GET ${CURRENT_USER}: ${escapeControl(error.message)}`);
    throw error;
  }
  const as = `connected as ${quote(username, 60)}`;
  if (adminRead === null) return checkRow('admin-rights', 'warn', `${as}; no group to read a member list of, so administrator rights cannot be confirmed before 9.3`);
  if (adminRead.answer.status === 403) {
    return checkRow(
      'admin-rights',
      'fail',
      `${as}; GET ${adminRead.route} ${answered(adminRead.answer)}. The account must be a Confluence administrator; ` +
        'a secure administrator session (websudo) rule may also refuse administrator REST calls made with a token',
    );
  }
  if (adminRead.answer.status !== 200) return checkRow('admin-rights', 'fail', `${as}; GET ${adminRead.route} ${answered(adminRead.answer)}`);
  return checkRow('admin-rights', 'pass', `${as}; the administrator-only GET ${adminRead.route} answered 200`);
}

/** Row 3: the `expand=status` words, counted; documented in any case, unknown, or missing. */
export function judgeStatusValues(users: PagesRead): CheckRow {
  const refused = users.pages.find((page) => page.status !== 200);
  if (refused !== undefined && users.pages.length === 1) return checkRow('status-values', 'fail', `GET ${USER_LIST}?expand=status ${answered(refused)}`);
  const persons = personsOnPages(users.pages);
  if (persons.length === 0) return checkRow('status-values', 'warn', `${USER_LIST}?expand=status listed no users`);
  const words = persons.map((person) => statusWordOf(person['status']));
  const present = words.filter((word): word is string => word !== null);
  const missing = words.length - present.length;
  const unknown = present.filter((word) => !isDocumentedStatus(word));
  const documented = present.filter((word) => isDocumentedStatus(word));
  const spelling = documented.every((w) => w === w.toLowerCase()) ? 'lower case' : documented.every((w) => w === w.toUpperCase()) ? 'upper case' : 'mixed case';
  const scope = `${n(persons.length)} users${users.truncated ? ` (the first ${n(persons.length)} only)` : ''}`;
  const counted = `${tally(present)}${documented.length > 0 ? ` (${spelling})` : ''} over ${scope}`;
  if (missing > 0) return checkRow('status-values', 'fail', `${n(missing)} of ${scope} came without a status${present.length > 0 ? `; the rest: ${counted}` : ''}`);
  if (unknown.length > 0) {
    const names = [...new Set(unknown)];
    return checkRow('status-values', 'warn', `${counted}; not documented by Atlassian: ${quoteList(names)} (such users are never acted on)`);
  }
  return checkRow('status-values', 'pass', counted);
}

function emailCount(persons: readonly Record<string, unknown>[]): number {
  return persons.filter((person) => typeof person['email'] === 'string' && person['email'].trim() !== '').length;
}

/** Row 4: e-mail on `/user/list` (public client code: absent) and on the 10.2 admin list (documented there). */
export function judgeEmail(users: PagesRead, adminList: Answer | null, version: KnownVersion): CheckRow {
  const listed = personsOnPages(users.pages);
  const onList = `${USER_LIST}: e-mail on ${n(emailCount(listed))} of ${n(listed.length)} users${emailCount(listed) === 0 ? ' (as public client code reports)' : ''}`;
  if (!atLeast(version.parsed, REST_LAST_LOGIN_SINCE)) {
    const admin = adminList !== null && adminList.status === 200 ? `; admin list: e-mail on ${n(emailCount(personsOnPages([adminList])))} of ${n(personsOnPages([adminList]).length)}` : '';
    return checkRow('email-presence', 'pass', `${onList}${admin}; before 10.2 Seatkeeper reads e-mail from cwd_user (lastLogin: database)`);
  }
  if (adminList === null || adminList.status !== 200) {
    return checkRow('email-presence', 'warn', `${onList}; GET ${ADMIN_LIST} ${adminList === null ? 'not read' : answered(adminList)}: no e-mail for rules and notices`);
  }
  const admins = personsOnPages([adminList]);
  const withEmail = emailCount(admins);
  const onAdmin = `${ADMIN_LIST}: e-mail on ${n(withEmail)} of ${n(admins.length)} listed`;
  if (admins.length > 0 && withEmail === 0) {
    return checkRow('email-presence', 'warn', `${onList}; ${onAdmin}: e-mail rules (emailDomains) and notices have no address`);
  }
  return checkRow('email-presence', 'pass', `${onList}; ${onAdmin}`);
}

type LoginFormat = 'ISO-8601 with offset' | 'epoch milliseconds' | 'never (null/empty/0)' | 'unreadable';

/** How a `lastLogin` value is written. */
export function loginFormatOf(raw: unknown): LoginFormat {
  if (raw === null || raw === '' || isEpochSentinel(raw)) return 'never (null/empty/0)';
  if (parseLoginInstant(raw) === null) return 'unreadable';
  return typeof raw === 'number' || (typeof raw === 'string' && /^\d+$/.test(raw.trim())) ? 'epoch milliseconds' : 'ISO-8601 with offset';
}

/** Row 5: `lastLogin` on the 10.2 admin list: sent at all, in which format, and readable. */
export function judgeLastLogin(adminList: Answer | null, version: KnownVersion, mode: 'rest' | 'database'): CheckRow {
  const configured = mode === 'rest' ? 'this instance is configured with lastLogin: rest' : 'configured: lastLogin: database';
  if (!atLeast(version.parsed, REST_LAST_LOGIN_SINCE)) {
    return checkRow('last-login', 'skip', `Confluence ${escapeControl(version.text)} sends no last login over REST (10.2+): lastLogin: database is needed; ${configured}`);
  }
  const route = `${ADMIN_LIST}?expand=lastLogin`;
  if (adminList === null || adminList.status !== 200) return checkRow('last-login', 'fail', `GET ${route} ${adminList === null ? 'not read' : answered(adminList)}`);
  const entries = personsOnPages([adminList]);
  if (entries.length === 0) return checkRow('last-login', 'warn', `${route} listed nobody on its first page: nothing to tell`);
  const sent = entries.filter((entry) => Object.hasOwn(entry, 'lastLogin'));
  if (sent.length === 0) {
    return checkRow('last-login', 'fail', `no lastLogin on any of the ${n(entries.length)} entries of the first page of ${route}: the expansion is not honoured; set lastLogin: database`);
  }
  const formats = sent.map((entry) => loginFormatOf(entry['lastLogin']));
  const example = (format: LoginFormat): string => {
    const found = sent.find((entry) => loginFormatOf(entry['lastLogin']) === format);
    const raw = found?.['lastLogin'];
    if (found === undefined) return '';
    return ` (e.g. ${typeof raw === 'string' ? quote(raw, 40) : escapeControl(JSON.stringify(raw) ?? String(raw)).slice(0, 40)})`;
  };
  const counted = `${tally(formats)}${example('ISO-8601 with offset')}${example('epoch milliseconds')}`;
  const unreadable = formats.filter((format) => format === 'unreadable').length;
  if (unreadable > 0) return checkRow('last-login', 'fail', `${n(unreadable)} of ${n(sent.length)} lastLogin values cannot be read${example('unreadable')}: ${counted}`);
  const suffix = mode === 'database' ? `; ${configured}` : '';
  if (sent.length < entries.length) {
    return checkRow('last-login', 'warn', `lastLogin missing on ${n(entries.length - sent.length)} of ${n(entries.length)} entries (read as never logged in); sent: ${counted}${suffix}`);
  }
  return checkRow('last-login', 'pass', `lastLogin on ${n(sent.length)} of ${n(entries.length)} entries, all readable: ${counted}${suffix}`);
}

/** Row 6: `totalCount` on the first user and group pages (paging checks the total against what arrived). */
export function judgeTotalCount(userPage: Answer | null, groupPage: Answer | null): CheckRow {
  const said = (label: string, answer: Answer | null): { text: string; ok: boolean } => {
    if (answer === null) return { text: `${label}: not read`, ok: false };
    if (answer.status !== 200) return { text: `${label} ${answered(answer)}`, ok: false };
    const total = pageOf(answer.body)?.totalCount ?? null;
    return total === null ? { text: `${label}: no totalCount`, ok: false } : { text: `${label}: totalCount ${n(total)}`, ok: true };
  };
  const both = [said('user list', userPage), said('group list', groupPage)];
  const text = both.map((part) => part.text).join('; ');
  if (both.every((part) => part.ok)) return checkRow('total-count', 'pass', text);
  return checkRow('total-count', 'warn', `${text}: without a total, paging follows _links.next only and cannot notice a listing that ends short`);
}

/** Row 7: the `limit` each route kept when 1000 was asked (informational). */
export function judgePageCaps(routes: readonly (readonly [string, Answer | null])[]): CheckRow {
  const parts = routes.map(([label, answer]) => {
    if (answer === null) return `${label}: not read`;
    if (answer.status !== 200) return `${label} ${answered(answer)}`;
    const page = pageOf(answer.body);
    if (page === null) return `${label}: not a paged answer`;
    return `${label}: limit ${page.limit === null ? '(none sent)' : n(page.limit)}, ${n(page.results.length)} results`;
  });
  return checkRow('page-caps', 'pass', `asked limit=${ASKED_LIMIT}: ${parts.join('; ')}`);
}

/**
 * What one parent/child pair shows: `flattened` when a child's member is on the parent's list without being a direct
 * member of the parent; `direct` when some of the child's members are not on the (complete) parent list; null when
 * this pair cannot tell.
 */
export function nestingReading(pair: NestingPair): { readonly reading: 'flattened' | 'direct'; readonly evidence: string } | null {
  const onParent = new Set(pair.parentMembers.map(lower));
  const parent = quote(pair.parent, 40);
  const child = quote(pair.child, 40);
  for (const [username, groups] of pair.directGroups) {
    if (onParent.has(lower(username)) && !groups.some((g) => lower(g) === lower(pair.parent))) {
      return {
        reading: 'flattened',
        evidence: `${quote(username, 40)} is on ${parent}'s member list, but ${MEMBER_OF} names no direct membership of it: ` +
          `the list includes members of its child group ${child}`,
      };
    }
  }
  const outside = pair.childMembers.filter((username) => !onParent.has(lower(username)));
  if (pair.parentComplete && outside.length > 0) {
    return {
      reading: 'direct',
      evidence: `${n(outside.length)} of the ${n(pair.childMembers.length)} members of child group ${child} (e.g. ${quote(outside[0] ?? '', 40)}) ` +
        `are not on ${parent}'s member list of ${n(pair.parentMembers.length)}: the list holds direct members only`,
    };
  }
  return null;
}

/** Row 8: direct or flattened member lists, from the first pair that tells. */
export function judgeMemberLists(search: NestingSearch): CheckRow {
  const looked = `looked at ${n(search.groupsLookedAt)} groups${search.childListsMissing > 0 ? `, /groupmember answered 404 for ${n(search.childListsMissing)}` : ''}`;
  for (const pair of search.pairs) {
    const reading = nestingReading(pair);
    if (reading !== null) return checkRow('member-lists', 'pass', `${reading.reading}: ${reading.evidence} (Seatkeeper handles both)`);
  }
  if (search.pairs.length === 0) return checkRow('member-lists', 'skip', `no nested groups to tell (${looked})`);
  return checkRow('member-lists', 'skip', `${n(search.pairs.length)} nested pairs seen, but none can tell: every member of the child groups is also a direct member of the parent (${looked})`);
}

const permissionEntry = z.object({
  subject: z
    .object({
      type: z.string().nullish(),
      displayName: z.string().nullish(),
      username: z.string().nullish(),
      userName: z.string().nullish(),
      userKey: z.string().nullish(),
      name: z.string().nullish(),
      user: z.object({ username: z.string().nullish(), userKey: z.string().nullish() }).nullish(),
    })
    .nullish(),
});

/** Row 9: whether `/rest/api/permissions` identifies user subjects, or gives their display name only. */
export function judgePermissionSubjects(permissions: Answer | null, version: KnownVersion): CheckRow {
  if (permissions === null || !atLeast(version.parsed, PERMISSIONS_API_SINCE)) {
    return checkRow('permission-subjects', 'skip', `Confluence ${escapeControl(version.text)} has no global permissions API (9.3+): licence groups come from licenseGroups: in the config`);
  }
  if (permissions.status !== 200) return checkRow('permission-subjects', 'warn', `GET ${PERMISSIONS} ${answered(permissions)}`);
  const parsed = z.array(permissionEntry).safeParse(permissions.body);
  if (!parsed.success) return checkRow('permission-subjects', 'warn', `${PERMISSIONS} is not a list of {operation, subject}`);
  const subjects = parsed.data.flatMap((entry) => (entry.subject === null || entry.subject === undefined ? [] : [entry.subject]));
  const users = subjects.filter((subject) => lower(subject.type ?? '') === 'user');
  const filled = (...values: (string | null | undefined)[]): boolean => values.some((value) => typeof value === 'string' && value.trim() !== '');
  const anonymous = users.filter((s) => !filled(s.username, s.userName, s.userKey, s.name, s.user?.username, s.user?.userKey));
  const groups = subjects.filter((subject) => lower(subject.type ?? '') === 'group');
  if (users.length === 0) {
    const groupNames = groups.length === 0 ? 'no group subjects either' : `group subjects carry ${groups.some((g) => filled(g.name)) ? 'name and displayName' : 'displayName only'}`;
    return checkRow('permission-subjects', 'skip', `no permission is granted to a user individually, so nothing tells (${groupNames})`);
  }
  if (anonymous.length > 0) {
    return checkRow(
      'permission-subjects',
      'warn',
      `${n(anonymous.length)} of ${n(users.length)} user subjects carry only a displayName (e.g. ${quote(anonymous[0]?.displayName ?? '', 40)}): ` +
        'individually granted administrators are recognised only at apply time, from /rest/api/permissions/user/{key} read before every change',
    );
  }
  return checkRow('permission-subjects', 'pass', `${n(users.length)} user subjects named by username/userKey`);
}

/** Row 10: groups with a '/' (unreadable over REST), and whether one of them grants "can use". */
export function judgeSlashGroups(groups: PagesRead, permissions: Answer | null, mode: 'rest' | 'database', licenseGroups: 'auto' | readonly string[]): CheckRow {
  const all = namesOnPages(groups.pages);
  const scope = `${n(all.length)} groups${groups.truncated ? ' (the first only)' : ''}`;
  const slashed = all.filter((name) => name.includes('/'));
  if (slashed.length === 0) return checkRow('slash-groups', 'pass', `no group name has a "/" (${scope})`);
  // What the config names and what the permissions API says (9.3+): a group Confluence lets use it counts either way.
  const useGroups: string[] = licenseGroups === 'auto' ? [] : [...licenseGroups];
  if (permissions !== null && permissions.status === 200) {
    try {
      useGroups.push(...classifyGlobalPermissions(permissions.body).useGroups);
    } catch (error) {
      if (!(error instanceof PayloadError)) throw error;
    }
  }
  const granting = slashed.filter((name) => useGroups.some((group) => lower(group) === lower(name)));
  const listed = `${n(slashed.length)} of ${scope} have a "/": ${quoteList(slashed)}; their members cannot be read over REST and scans name them`;
  if (granting.length === 0) return checkRow('slash-groups', 'warn', listed);
  const grants = `${quoteList(granting)} grant${granting.length === 1 ? 's' : ''} "can use"`;
  if (mode === 'database') return checkRow('slash-groups', 'warn', `${listed}; ${grants}, and lastLogin: database reads their members from the database`);
  return checkRow('slash-groups', 'fail', `${listed}; ${grants}, so a REST scan would be incomplete: set lastLogin: database with a read-only database: URL`);
}

const countSchema = z.object({ count: z.number() });

/** Row 11: `userCount` and `maxUsers` of the licence REST plugin. */
export function judgeLicence(userCount: Answer, maxUsers: Answer): CheckRow {
  const said = (label: string, answer: Answer): { text: string; ok: boolean } => {
    if (answer.status !== 200) return { text: `${label} ${answer.status === 404 ? 'not served (404)' : answered(answer)}`, ok: false };
    const parsed = countSchema.safeParse(answer.body);
    if (!parsed.success) return { text: `${label}: no {count}`, ok: false };
    return { text: `${label} ${parsed.data.count < 0 ? `unlimited (${parsed.data.count})` : n(parsed.data.count)}`, ok: true };
  };
  const both = [said('userCount', userCount), said('maxUsers', maxUsers)];
  const text = `${both.map((part) => part.text).join(', ')}; userCount is cached by Confluence and never used to verify a write`;
  return checkRow('licence-counts', both.every((part) => part.ok) ? 'pass' : 'warn', text);
}

/** Row 12: the writes Seatkeeper will send to this version (not tried), and the groups remembered as not writable. */
export function judgeWrites(version: KnownVersion, unwritable: readonly UnwritableGroup[]): CheckRow {
  const routes = [
    'PUT/DELETE /rest/api/user/{username}/group/{group} (memberships)',
    'PUT /rest/api/admin/user/{username}/disable|enable',
    ...(atLeast(version.parsed, PERMISSIONS_API_SINCE) ? ['PUT /rest/api/permissions/user/{key}/grant|revoke ("can use")'] : []),
    'PUT /rest/api/admin/user/{username} (display name; first version not confirmed)',
  ];
  const remembered =
    unwritable.length === 0
      ? 'no group is remembered as not writable'
      : `remembered as not writable: ${unwritable
          .slice(0, 10)
          .map((g) => `${quote(g.group, 40)} (since ${escapeControl(g.refusedAt.slice(0, 10))}: ${quote(g.message, 120)})`)
          .join(', ')}${unwritable.length > 10 ? ` and ${n(unwritable.length - 10)} more` : ''}`;
  return checkRow(
    'writes',
    'skip',
    `not tried (read-only check). On ${escapeControl(version.text)} Seatkeeper writes with ${routes.join(', ')}; ` +
      `a write Confluence refuses (e.g. 403) is reported with Confluence's own words and its group remembered; ${remembered}`,
  );
}
