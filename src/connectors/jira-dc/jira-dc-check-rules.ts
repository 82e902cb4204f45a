/**
 * `instance check` rules for Jira Data Center: pure judges that turn what jira-dc-check.ts read into PASS/WARN/FAIL/SKIP
 * rows. Each row says what the instance showed, what Seatkeeper will do with it, and what to set when it differs from
 * the configuration. The rows' ids and titles are Jira's own (jira-dc-check-rows.ts).
 */

import { z } from 'zod';
import type { UnwritableGroup } from '../../app/store/unwritable-group-repository-port.ts';
import { escapeControl, quote, quoteList, type CheckRow, type CheckVerdict } from '../../app/instance-check.ts';
import { ASKED_MAX_RESULTS, jiraRow } from './jira-dc-check-rows.ts';
import type { JiraDcConfig } from './jira-dc-config.ts';
import { queryNameProblem, SEARCH_TRUNCATION_TOTALS } from './jira-dc-client.ts';
import { PayloadError, mapApplicationRoles, mapMyPermissions, mapServerInfo, mapUser, type JiraApplicationRole, type JiraUser } from './jira-dc-mapping.ts';

/** A response as read: parsed JSON, with its status. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** How every user was listed: the cursor stream, or user search with the configured match-all query. */
export interface ListingRead {
  readonly route: 'list' | 'search';
  /** Raw records of every page that answered 200, in order. */
  readonly records: readonly unknown[];
  /** The first page's answer (caps, refusals). */
  readonly first: Answer;
  /** True when the bound stopped the reading before the listing ended. */
  readonly truncated: boolean;
  /** user/search only: a later page repeated the first (startAt ignored). */
  readonly startAtIgnored: boolean;
}

/** Everything read, for the judges. */
export interface JiraObservation {
  readonly serverInfo: Answer;
  readonly myself: Answer;
  readonly permissions: Answer;
  readonly roles: Answer;
  /** `GET /rest/api/2/user/list?maxResults=1000`: 200, 404 (route missing) or a refusal. */
  readonly listProbe: Answer;
  readonly listing: ListingRead | null;
  /** user/search with the configured query: the listing where the stream is missing, else what userListing: search would see. */
  readonly search: ListingRead | null;
  /** `GET /rest/api/2/user?key=&expand=groups,applicationRoles` of the sampled users. */
  readonly beans: readonly Answer[];
  /** The first group member page read (the membership reading is judged in jira-dc-check-groups.ts). */
  readonly memberPage: { readonly group: string; readonly answer: Answer } | null;
  readonly picker: Answer;
  readonly database: DatabaseObservation | null;
}

/** What the read-only database source showed; `error` set when it could not be read. */
export interface DatabaseObservation {
  readonly error: string | null;
  readonly directories: readonly { readonly name: string; readonly position: number; readonly active: boolean | null }[];
  readonly users: number;
  readonly withLastLogin: number;
  readonly truncated: boolean;
  /** null: no cwd_membership. */
  readonly userMemberships: number | null;
  readonly groupMemberships: number | null;
}

export { ASKED_MAX_RESULTS, jiraRow };

/** Identities compare case-insensitively. */
export function lower(text: string): string {
  return text.toLowerCase();
}

/** `1,234`. */
export function n(value: number): string {
  return value.toLocaleString('en-US');
}

const errorCollection = z.object({ errorMessages: z.array(z.string()).nullish(), errors: z.record(z.string(), z.string()).nullish(), message: z.string().nullish() });

/** `answered 403: "…Jira's message…"`. */
export function answered(answer: Answer): string {
  const parsed = errorCollection.safeParse(answer.body);
  const message = parsed.success ? (parsed.data.errorMessages?.[0] ?? Object.values(parsed.data.errors ?? {})[0] ?? parsed.data.message ?? null) : null;
  return `answered ${answer.status}${message === null || message === '' ? '' : `: ${quote(message, 200)}`}`;
}

/** Runs a mapping; null when the payload is not the documented shape. */
export function tryMap<T>(map: (raw: unknown) => T, body: unknown): T | null {
  try {
    return map(body);
  } catch (error) {
    if (error instanceof PayloadError) return null;
    throw error;
  }
}

/** The users of raw listing records that map; records that do not are counted by the callers. */
export function usersOf(records: readonly unknown[]): JiraUser[] {
  return records.flatMap((raw) => {
    const user = tryMap(mapUser, raw);
    return user === null ? [] : [user];
  });
}

/** Application roles as read; null when refused or unreadable. */
export function rolesOf(answer: Answer): JiraApplicationRole[] | null {
  return answer.status === 200 ? tryMap(mapApplicationRoles, answer.body) : null;
}

/** Every row from what was read (the version row first; the caller stops earlier when no version answered). */
export function judgeJiraInstance(obs: JiraObservation, config: JiraDcConfig, unwritable: readonly UnwritableGroup[], membershipRows: readonly CheckRow[]): CheckRow[] {
  const roles = rolesOf(obs.roles);
  return [
    judgeVersion(obs.serverInfo),
    judgeAdmin(obs.myself, obs.permissions, obs.roles),
    judgeActiveFlag(obs.listing),
    judgeEmail(obs.listing),
    judgeLastLogin(obs.listing, obs.beans, obs.myself, obs.database, config),
    judgeListing(obs.listProbe, obs.listing, obs.search, roles, config),
    judgePageCaps(obs),
    ...membershipRows,
    judgeGroupNames(obs.picker, roles),
    judgeRoles(obs.roles),
    judgeDatabase(obs.database, config),
    judgeWrites(unwritable),
  ];
}

/** `version-route`: `GET /rest/api/2/serverInfo` (anonymous; the first request). */
export function judgeVersion(serverInfo: Answer): CheckRow {
  if (serverInfo.status !== 200) return jiraRow('version-route', 'fail', `GET /rest/api/2/serverInfo ${answered(serverInfo)}: is the URL Jira's base URL (context path)?`);
  const info = tryMap(mapServerInfo, serverInfo.body);
  if (info === null) return jiraRow('version-route', 'fail', '/rest/api/2/serverInfo named no readable version: is the URL a Jira Data Center base URL?');
  const build = z.object({ buildNumber: z.number() }).safeParse(serverInfo.body);
  const text = `${escapeControl(info.version)}${build.success ? ` (build ${build.data.buildNumber})` : ''}, deploymentType ${info.deploymentType === null ? '(none)' : quote(info.deploymentType, 20)}`;
  if (info.deploymentType !== null && lower(info.deploymentType) === 'cloud') {
    return jiraRow('version-route', 'fail', `${text}: this is Jira Cloud; product: jira-dc speaks to Jira Data Center only`);
  }
  return jiraRow('version-route', 'pass', text);
}

const ADMIN_KEYS = ['ADMINISTER', 'SYSTEM_ADMIN'];

/** `admin-rights`: who Seatkeeper connects as, the global permissions it holds, and an administrator-only read. */
export function judgeAdmin(myself: Answer, permissions: Answer, roles: Answer): CheckRow {
  if (myself.status !== 200) return jiraRow('admin-rights', 'fail', `GET /rest/api/2/myself ${answered(myself)}: check auth: in the config`);
  const me = tryMap(mapUser, myself.body);
  const as = me === null ? 'connected (the account could not be read)' : `connected as ${quote(me.name, 60)}`;
  const held = permissions.status === 200 ? tryMap(mapMyPermissions, permissions.body) : null;
  const shown = held === null ? `mypermissions ${permissions.status === 200 ? 'unreadable' : answered(permissions)}`
    : ADMIN_KEYS.map((key) => `${key} ${held.get(key) === true ? 'held' : held.has(key) ? 'not held' : 'not shown'}`).join(', ');
  const isAdmin = held !== null && ADMIN_KEYS.some((key) => held.get(key) === true);
  if (roles.status !== 200) {
    return jiraRow('admin-rights', 'fail', `${as}; ${shown}; the administrator-only GET /rest/api/2/applicationrole ${answered(roles)}: the account must be a Jira administrator`);
  }
  if (!isAdmin) return jiraRow('admin-rights', 'warn', `${as}; ${shown}, yet GET /rest/api/2/applicationrole answered 200`);
  return jiraRow('admin-rights', 'pass', `${as}; ${shown}; the administrator-only GET /rest/api/2/applicationrole answered 200`);
}

/** `active-flag`: the boolean `active` on the listing: anything else is read as unknown, and such users are never acted on. */
export function judgeActiveFlag(listing: ListingRead | null): CheckRow {
  if (listing === null || listing.records.length === 0) return jiraRow('active-flag', 'skip', 'no user listing was read');
  const flags = listing.records.map((raw) => (typeof raw === 'object' && raw !== null ? Reflect.get(raw, 'active') : undefined));
  const active = flags.filter((flag) => flag === true).length;
  const inactive = flags.filter((flag) => flag === false).length;
  const other = flags.length - active - inactive;
  const counted = `${n(active)} active, ${n(inactive)} inactive over ${n(flags.length)} listed by ${routeName(listing.route)}`;
  if (other > 0) return jiraRow('active-flag', 'fail', `${n(other)} of ${n(flags.length)} came without a boolean active (such users are never acted on); ${counted}`);
  if (inactive === 0 && listing.route === 'search') {
    return jiraRow('active-flag', 'warn', `${counted}: no inactive account at all; is includeInactive=true honoured here?`);
  }
  return jiraRow('active-flag', 'pass', counted);
}

/** `email-presence`: `emailAddress` on the listing (rules on e-mail domains and notices need it). */
export function judgeEmail(listing: ListingRead | null): CheckRow {
  if (listing === null || listing.records.length === 0) return jiraRow('email-presence', 'skip', 'no user listing was read');
  const users = usersOf(listing.records);
  const withEmail = users.filter((user) => user.emailAddress !== null).length;
  const text = `emailAddress on ${n(withEmail)} of ${n(users.length)} listed by ${routeName(listing.route)}`;
  if (users.length > 0 && withEmail === 0) return jiraRow('email-presence', 'warn', `${text}: e-mail rules (emailDomains) and notices have no address (hidden e-mail visibility?)`);
  return jiraRow('email-presence', 'pass', text);
}

/** Where last logins come from: `lastLoginTime` on the listing or on GET /user, or the database source (its own row). */
export function judgeLastLogin(listing: ListingRead | null, beans: readonly Answer[], myself: Answer, database: DatabaseObservation | null, config: JiraDcConfig): CheckRow {
  const listed = listing === null ? [] : listing.records;
  const onListing = listed.filter((raw) => typeof raw === 'object' && raw !== null && Object.hasOwn(raw, 'lastLoginTime')).length;
  const read = [myself, ...beans].filter((answer) => answer.status === 200);
  const sent = read.filter((answer) => typeof answer.body === 'object' && answer.body !== null && Object.hasOwn(answer.body, 'lastLoginTime'));
  const unreadable = [...listed, ...sent.map((answer) => answer.body)].filter((raw) => raw !== null && typeof raw === 'object' && tryMap(mapUser, raw) === null).length;
  const rest = `lastLoginTime on ${n(onListing)} of ${n(listed.length)} listing entries and on ${n(sent.length)} of ${n(read.length)} GET /rest/api/2/user answers (the connecting account's included)`;
  if (unreadable > 0) return jiraRow('last-login', 'fail', `${n(unreadable)} lastLoginTime values cannot be read; ${rest}`);
  if (config.lastLogin === 'database') {
    if (database === null) return jiraRow('last-login', 'fail', 'lastLogin: database, but no database: is configured');
    if (database.error !== null) return jiraRow('last-login', 'fail', `lastLogin: database, but the database cannot be read: ${escapeControl(database.error)}`);
    const counted = `login.lastLoginMillis on ${n(database.withLastLogin)} of ${n(database.users)} accounts${database.truncated ? ' (counted on the first only)' : ''}`;
    if (database.users > 0 && database.withLastLogin === 0) {
      return jiraRow('last-login', 'fail', `lastLogin: database, but no account has login.lastLoginMillis: every user would look never logged in; ${counted}; ${rest}`);
    }
    return jiraRow('last-login', 'pass', `lastLogin: database: Seatkeeper reads login.lastLoginMillis; ${counted}; ${rest}`);
  }
  if (onListing > 0) return jiraRow('last-login', 'pass', `lastLogin: rest: Seatkeeper reads lastLoginTime from the listing; ${rest}`);
  if (sent.length > 0) {
    return jiraRow('last-login', 'pass',
      `lastLogin: rest: the listing carries none, so Seatkeeper reads GET /rest/api/2/user once per user (slower on large instances; lastLogin: database avoids it); ${rest}`);
  }
  return jiraRow('last-login', 'fail', `no lastLoginTime anywhere, not even for the connecting account: this version sends none; set lastLogin: database with a read-only database: URL; ${rest}`);
}

/**
 * The read-only database source: Jira's tables and columns, the login attribute, the directories and cwd_membership.
 * A source that cannot be read fails under lastLogin: database (the scan needs it) and warns otherwise.
 */
export function judgeDatabase(db: DatabaseObservation | null, config: JiraDcConfig): CheckRow {
  if (db === null) {
    return jiraRow('database-source', 'skip', 'no database: configured: REST only (a read-only database: URL reads last logins without a GET per user and tells the group readings from cwd_membership)');
  }
  if (db.error !== null) return jiraRow('database-source', config.lastLogin === 'database' ? 'fail' : 'warn', `the configured database cannot be read: ${escapeControl(db.error)}`);
  const directories = db.directories.map((d) => `${quote(d.name, 40)} (position ${d.position}${d.active === false ? ', inactive' : ''})`).join(', ');
  const members = db.userMemberships === null ? 'no cwd_membership' : `cwd_membership: ${n(db.userMemberships)} user and ${n(db.groupMemberships ?? 0)} nested-group rows`;
  return jiraRow('database-source', 'pass',
    `Jira's tables and columns present; login.lastLoginMillis on ${n(db.withLastLogin)} of ${n(db.users)} accounts${db.truncated ? ' (counted on the first only)' : ''}; directories ${directories === '' ? '(none)' : directories}; ${members}`);
}

function routeName(route: 'list' | 'search'): string {
  return route === 'list' ? '/rest/api/2/user/list' : '/rest/api/2/user/search';
}

/** `user-listing`: which listing the instance has, whether it lists everyone, and whether the config agrees. */
export function judgeListing(probe: Answer, listing: ListingRead | null, search: ListingRead | null, roles: readonly JiraApplicationRole[] | null, config: JiraDcConfig): CheckRow {
  const hasList = probe.status === 200;
  if (!hasList && probe.status !== 404) return jiraRow('user-listing', 'fail', `GET /rest/api/2/user/list ${answered(probe)}`);
  const licensed = Math.max(0, ...(roles ?? []).map((role) => role.userCount ?? 0));
  const against = roles === null ? 'no application role counts to compare with' : `the largest application userCount is ${n(licensed)}`;
  const found = hasList ? '/rest/api/2/user/list answered 200 (10.3 LTS / 11.0+)' : '/rest/api/2/user/list answered 404: this version has only user/search';
  const query = quote(config.userSearchQuery, 20);
  const searched = search === null ? '' : describeSearch(search, query);
  const searchShort = search !== null && searchCut(search, hasList && listing !== null ? usersOf(listing.records).length : licensed);
  if (hasList) {
    if (listing === null) return jiraRow('user-listing', 'fail', `${found}, but the stream could not be read`);
    const listed = usersOf(listing.records).length;
    const streamed = `the stream listed ${n(listed)} users${listing.truncated ? ' (stopped at the bound)' : ''}; ${against}`;
    const short = !listing.truncated && listed < licensed;
    const userListing = config.userListing === 'search' ? '; userListing: search is configured: set userListing: auto (or list) to use the stream' : '';
    const verdict: CheckVerdict = short ? 'fail' : config.userListing === 'search' && searchShort ? 'fail' : config.userListing === 'search' ? 'warn' : 'pass';
    return jiraRow('user-listing', verdict, `${found}; ${streamed}${short ? ': the stream lists fewer users than hold a seat' : ''}; ${searched}${userListing}`);
  }
  if (config.userListing === 'list') return jiraRow('user-listing', 'fail', `${found}; userListing: list is configured: set userListing: auto`);
  if (search === null || search.first.status !== 200) return jiraRow('user-listing', 'fail', `${found}; ${search === null ? 'user/search not read' : `user/search ${answered(search.first)}`}`);
  const total = usersOf(search.records).length;
  if (total === 0) return jiraRow('user-listing', 'fail', `${found}; ${searched}: set userSearchQuery to what matches every user on this Jira`);
  if (searchShort) {
    return jiraRow('user-listing', 'fail', `${found}; ${searched}; ${against}: a REST scan would be incomplete, so Seatkeeper refuses it: use Jira 10.3+ or lastLogin: database`);
  }
  return jiraRow('user-listing', 'pass', `${found}; Seatkeeper pages user/search with username=${query}; ${searched}; ${against}`);
}

function describeSearch(search: ListingRead, query: string): string {
  if (search.first.status !== 200) return `user/search ${answered(search.first)}`;
  const total = usersOf(search.records).length;
  const capped = search.startAtIgnored ? ', startAt ignored (the same page came back)' : '';
  return `user/search username=${query} listed ${n(total)}${search.truncated ? ' (stopped at the bound)' : ''}${capped}${total === 0 ? ': it matched nobody' : ''}`;
}

/** Whether user search stopped short: startAt ignored, fewer than `expected`, or ending on a known cut (100, 1000). */
function searchCut(search: ListingRead, expected: number): boolean {
  if (search.first.status !== 200) return true;
  const total = usersOf(search.records).length;
  return search.startAtIgnored || (!search.truncated && total < expected) || SEARCH_TRUNCATION_TOTALS.includes(total);
}

/** `page-caps`: what each paged route did with maxResults=1000 (informational). */
export function judgePageCaps(obs: JiraObservation): CheckRow {
  const capOf = (answer: Answer | undefined | null): string => {
    if (answer === undefined || answer === null) return 'not read';
    if (answer.status !== 200) return answered(answer);
    const body = answer.body;
    if (Array.isArray(body)) return `${n(body.length)} results (no paging metadata)`;
    const page = z.object({ maxResults: z.number().nullish(), values: z.array(z.unknown()) }).safeParse(body);
    if (!page.success) return 'not a page';
    return `maxResults ${page.data.maxResults === null || page.data.maxResults === undefined ? '(none sent)' : n(page.data.maxResults)}, ${n(page.data.values.length)} values`;
  };
  const list = obs.listProbe.status === 404 ? '404' : capOf(obs.listProbe);
  const search = obs.search;
  const members = obs.memberPage;
  const parts = [`user/list: ${list}`, `user/search: ${capOf(search?.first)}`, `group/member${members === null ? '' : ` of ${quote(members.group, 40)}`}: ${capOf(members?.answer)}`];
  return jiraRow('page-caps', 'pass', `${parts.join('; ')}; Seatkeeper advances by what came back, whatever the cap`);
}

/** `group-names`: group names Seatkeeper cannot send to Jira (control characters, lone surrogates), licence groups first. */
export function judgeGroupNames(picker: Answer, roles: readonly JiraApplicationRole[] | null): CheckRow {
  const pick = picker.status === 200 ? z.object({ groups: z.array(z.object({ name: z.string() })), total: z.number().nullish() }).safeParse(picker.body) : null;
  const names = pick?.success === true ? pick.data.groups.map((g) => g.name) : [];
  const granting = (roles ?? []).flatMap((role) => role.groups);
  const all = [...new Set([...granting, ...names])];
  const bad = all.filter((name) => queryNameProblem(name) !== null);
  const scope = pick === null ? `groups/picker ${answered(picker)}` : pick.success ? `${n(names.length)} groups from the picker${pick.data.total !== null && pick.data.total !== undefined && pick.data.total > names.length ? ` of ${n(pick.data.total)}` : ''}` : 'groups/picker unreadable';
  const text = `Jira takes group names in the query, so "/" and spaces are fine; ${scope}, ${n(granting.length)} granting application access`;
  if (bad.length === 0) return jiraRow('group-names', 'pass', `${text}: every name can be sent`);
  const licence = bad.filter((name) => granting.some((g) => lower(g) === lower(name)));
  const listed = `${quoteList(bad)} contain a control character or are not well-formed Unicode: Seatkeeper never sends them and scans name them`;
  return jiraRow('group-names', licence.length > 0 ? 'fail' : 'warn', `${text}; ${listed}${licence.length > 0 ? `; ${quoteList(licence)} grant application access: rename them in Jira` : ''}`);
}

/** `application-roles`: every application role with its seats; unlimited only when hasUnlimitedSeats says so. */
export function judgeRoles(answer: Answer): CheckRow {
  if (answer.status !== 200) return jiraRow('application-roles', 'fail', `GET /rest/api/2/applicationrole ${answered(answer)}`);
  const roles = rolesOf(answer);
  if (roles === null) return jiraRow('application-roles', 'fail', '/rest/api/2/applicationrole is not a list of application roles');
  if (roles.length === 0) return jiraRow('application-roles', 'warn', 'no application role: no licence to manage');
  const raw = Array.isArray(answer.body) ? answer.body : [answer.body];
  const unclear: string[] = [];
  const parts = roles.map((role, index) => {
    const sentSeats = z.object({ numberOfSeats: z.number(), remainingSeats: z.number().nullish() }).safeParse(raw[index]);
    const seats = sentSeats.success ? sentSeats.data.numberOfSeats : null;
    const groups = role.groups.length === 0 ? 'no groups' : `groups ${quoteList(role.groups, 5)}`;
    const used = `${role.userCount === null ? '?' : n(role.userCount)} used`;
    const remaining = sentSeats.success ? (sentSeats.data.remainingSeats ?? 'absent') : 'absent';
    if (role.hasUnlimitedSeats === true) return `${quote(role.key, 40)}: unlimited (hasUnlimitedSeats; numberOfSeats ${seats ?? 'absent'}, remainingSeats ${remaining}), ${used}, ${groups}`;
    if (role.hasUnlimitedSeats === null) unclear.push(role.key);
    if (role.numberOfSeats === null) unclear.push(role.key);
    return `${quote(role.key, 40)}: ${role.numberOfSeats === null ? `seats unreadable (${seats ?? 'absent'})` : `${n(role.numberOfSeats)} seats`}, ${used}, ${role.remainingSeats === null ? '? remaining' : `${n(role.remainingSeats)} remaining`}, ${groups}`;
  });
  const text = parts.join('; ');
  if (unclear.length > 0) return jiraRow('application-roles', 'warn', `${text}: seat limits of ${quoteList([...new Set(unclear)])} are unknown, so Seatkeeper plans them without a seat target`);
  return jiraRow('application-roles', 'pass', `${text}; a seat is held through any granting group (nested included) and counted once`);
}

/** `writes`: the writes Seatkeeper sends (not tried), and the groups remembered as not writable. */
export function judgeWrites(unwritable: readonly UnwritableGroup[]): CheckRow {
  const routes = [
    'POST/DELETE /rest/api/2/group/user?groupname= (memberships)',
    'POST/DELETE /rest/api/2/user/application (application access)',
    // The user key goes in the query; written without `key=`, which the CLI's secret redaction reads as an API key.
    'PUT /rest/api/2/user by user key (deactivate, rename, display name, e-mail)',
  ];
  const remembered = unwritable.length === 0 ? 'no group is remembered as not writable'
    : `remembered as not writable: ${unwritable.slice(0, 10).map((g) => `${quote(g.group, 40)} (since ${escapeControl(g.refusedAt.slice(0, 10))}: ${quote(g.message, 120)})`).join(', ')}${unwritable.length > 10 ? ` and ${n(unwritable.length - 10)} more` : ''}`;
  return jiraRow('writes', 'skip',
    `not tried (read-only check). Seatkeeper writes with ${routes.join(', ')}; a write Jira refuses (a read-only LDAP directory, a full licence) is reported with Jira's own words and its group remembered; ${remembered}`);
}
