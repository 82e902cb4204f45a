/**
 * `instance check` for Jira Data Center: reads, with GET requests only (and SELECTs in a read-only transaction when a
 * database is configured), what each assumption Seatkeeper makes depends on, and hands it to the pure judges of
 * jira-dc-check-rules.ts and jira-dc-check-groups.ts. Every response read is kept as a capture for `--capture`.
 */

import { ConnectorError } from '../../app/connector-error.ts';
import type { UnwritableGroup } from '../../app/store/unwritable-group-repository-port.ts';
import { instanceReport, type CheckRow, type InstanceCheckReport } from '../../app/instance-check.ts';
import type { CaptureName, CheckCapture, RedactionVocabulary } from '../../app/capture-redaction.ts';
import type { QueryParams } from '../http/http-client.ts';
import { JiraDcClient, queryNameProblem, type JiraDcClientDeps } from './jira-dc-client.ts';
import type { JiraDcConfig } from './jira-dc-config.ts';
import { createJiraDatabaseSource } from './jira-dc-database.ts';
import { mapServerInfo } from './jira-dc-mapping.ts';
import { JIRA_REDACTION } from './jira-dc-check-vocabulary.ts';
import { JIRA_CHECKS, jiraRow } from './jira-dc-check-rows.ts';
import {
  ASKED_MAX_RESULTS, judgeJiraInstance, judgeVersion, lower, rolesOf, tryMap, usersOf,
  type Answer, type DatabaseObservation, type JiraObservation, type ListingRead,
} from './jira-dc-check-rules.ts';
import { judgeMemberships, type DirectMemberships, type ExpandedUser, type MemberListRead, type MembershipObservation } from './jira-dc-check-groups.ts';

/** What the check needs besides the instance: its config and the store's memory of refused groups. */
export interface JiraDcCheckInput {
  readonly instanceId: string;
  readonly config: JiraDcConfig;
  readonly unwritableGroups: readonly UnwritableGroup[];
  readonly signal?: AbortSignal;
}

/** The report, and every response read, unredacted (redactCaptures with `vocabulary` makes them shareable). */
export interface JiraDcCheckOutcome {
  readonly report: InstanceCheckReport;
  readonly captures: readonly CheckCapture[];
  readonly baseUrl: string;
  readonly vocabulary: RedactionVocabulary;
}

const SERVER_INFO = '/rest/api/2/serverInfo';
const MYSELF = '/rest/api/2/myself';
const MY_PERMISSIONS = '/rest/api/2/mypermissions';
const ROLES = '/rest/api/2/applicationrole';
const USER_LIST = '/rest/api/2/user/list';
const USER_SEARCH = '/rest/api/2/user/search';
const USER = '/rest/api/2/user';
const GROUP_MEMBERS = '/rest/api/2/group/member';
const GROUP_PICKER = '/rest/api/2/groups/picker';

/** Bounds: what a check needs to tell, not a scan. */
const MAX_LISTED = 50_000;
const MAX_PAGES = 100;
const MAX_GROUPS = 20;
const MAX_MEMBERS = 10_000;
const SAMPLES_PER_GROUP = 8;
const MAX_SAMPLES = 40;
const MAX_DATABASE_USERS = 1_000_000;
const PICKER_MAX = 10_000;
const SEARCH_PAGES_BESIDE_STREAM = 3;

/** Checks one instance: never writes, and reads only the routes named above. */
export async function checkJiraDcInstance(input: JiraDcCheckInput, deps: JiraDcClientDeps = {}): Promise<JiraDcCheckOutcome> {
  const client = new JiraDcClient({ instanceId: input.instanceId, ...input.config }, deps);
  const reader = new CaptureReader(client, input.signal);
  const serverInfo = await reader.get(SERVER_INFO, [], {}, { accept: [404], probe: true });
  const info = serverInfo.status === 200 ? tryMap(mapServerInfo, serverInfo.body) : null;
  const version = judgeVersion(serverInfo);
  let rows: CheckRow[];
  if (info === null || version.verdict === 'fail') {
    // Nothing else is read: without Jira's version route the URL is not a Jira Data Center base URL. Every row is
    // still reported, as skipped, so a report always has the same rows.
    rows = [version, ...JIRA_CHECKS.ids.slice(1).map((id) => jiraRow(id, 'skip', 'not checked: no Jira Data Center version could be read'))];
  } else {
    const obs = await observe(reader, input, serverInfo);
    rows = judgeJiraInstance(obs.rest, input.config, input.unwritableGroups, judgeMemberships(obs.memberships));
  }
  return { report: instanceReport(input.instanceId, info?.version ?? null, rows), captures: reader.captures(), baseUrl: client.baseUrl, vocabulary: JIRA_REDACTION };
}

/** GETs through the client and keeps each response, in the order the requests were made. */
class CaptureReader {
  readonly #client: JiraDcClient;
  readonly #signal: AbortSignal | undefined;
  readonly #captures: (CheckCapture | null)[] = [];

  constructor(client: JiraDcClient, signal: AbortSignal | undefined) {
    this.#client = client;
    this.#signal = signal;
  }

  /** A GET with names in the query (Jira takes no name in a path); 403 and 404 come back unless `accept` says otherwise. */
  async get(path: string, names: readonly CaptureName[], query: QueryParams, options: { readonly accept?: readonly number[]; readonly probe?: boolean } = {}): Promise<Answer> {
    const nameQuery = Object.fromEntries(names.map((name) => [name.param, name.value]));
    const index = this.#captures.length;
    this.#captures.push(null);
    const response = await this.#client.request('GET', path, {
      query: { ...nameQuery, ...query },
      accept: options.accept ?? [403, 404],
      ...(options.probe === true ? { probe: true } : {}),
      signal: this.#signal,
    });
    const kept = Object.fromEntries(Object.entries(query).flatMap(([key, value]) => (typeof value === 'string' || typeof value === 'number' ? [[key, value]] : typeof value === 'boolean' ? [[key, String(value)]] : [])));
    this.#captures[index] = { template: path, names, query: kept, status: response.status, body: response.body };
    return response;
  }

  captures(): CheckCapture[] {
    return this.#captures.filter((capture): capture is CheckCapture => capture !== null);
  }
}

async function observe(reader: CaptureReader, input: JiraDcCheckInput, serverInfo: Answer): Promise<{ rest: JiraObservation; memberships: MembershipObservation }> {
  const config = input.config;
  const myself = await reader.get(MYSELF, [], {}, { accept: [403] });
  const permissions = await reader.get(MY_PERMISSIONS, [], {});
  const roles = await reader.get(ROLES, [], {});
  const listProbe = await reader.get(USER_LIST, [], { maxResults: ASKED_MAX_RESULTS });
  const stream = listProbe.status === 200 ? await readStream(reader, listProbe) : null;
  // user/search is read either way: where the stream exists, a few pages only, to tell whether userListing: search
  // would be complete (a cut at 100 or 1000 shows on the first or second page).
  const search = await readSearch(reader, config.userSearchQuery, stream === null ? MAX_PAGES : SEARCH_PAGES_BESIDE_STREAM);
  const listing = stream ?? (search.first.status === 200 ? search : null);
  const roleGroups = [...new Set((rolesOf(roles) ?? []).flatMap((role) => role.groups))].filter((g) => queryNameProblem(g) === null).slice(0, MAX_GROUPS);
  const lists: MemberListRead[] = [];
  let memberPage: JiraObservation['memberPage'] = null;
  for (const group of roleGroups) {
    const read = await readMembers(reader, group);
    memberPage ??= { group, answer: read.first };
    lists.push(read.list);
  }
  const sampled = sample(lists, usersOf(listing?.records ?? []));
  const beans: Answer[] = [];
  const users: ExpandedUser[] = [];
  for (const username of sampled) {
    const answer = await reader.get(USER, [{ param: 'username', kind: 'username', value: username }], { expand: 'groups,applicationRoles' });
    beans.push(answer);
    users.push({ username, groups: expandedGroups(answer) });
  }
  const picker = await reader.get(GROUP_PICKER, [], { query: '', maxResults: PICKER_MAX });
  const database = config.database === undefined ? null : await observeDatabase(config.database, input.signal);
  const direct = database?.direct ?? null;
  return {
    rest: { serverInfo, myself, permissions, roles, listProbe, listing, search, beans, memberPage, picker, database: database?.observation ?? null },
    memberships: { lists, users, direct, firstPage: memberPage },
  };
}

function recordsOf(body: unknown, field: 'values' | null): unknown[] {
  if (field === null) return Array.isArray(body) ? body : [];
  if (typeof body !== 'object' || body === null) return [];
  const values: unknown = Reflect.get(body, field);
  return Array.isArray(values) ? values : [];
}

/** The user/list stream by nextCursor, from the probe's first page, until isLast or the bound. */
async function readStream(reader: CaptureReader, first: Answer): Promise<ListingRead> {
  const records = recordsOf(first.body, 'values');
  let page = first;
  const cursors = new Set<string>();
  for (let pages = 1; pages < MAX_PAGES && records.length < MAX_LISTED; pages += 1) {
    const body = page.body;
    const isLast = typeof body === 'object' && body !== null ? Reflect.get(body, 'isLast') : undefined;
    const next = typeof body === 'object' && body !== null ? Reflect.get(body, 'nextCursor') : undefined;
    const cursor = typeof next === 'number' ? String(next) : next;
    if (isLast !== false || typeof cursor !== 'string' || cursor === '' || cursors.has(cursor)) return { route: 'list', records, first, truncated: false, startAtIgnored: false };
    cursors.add(cursor);
    page = await reader.get(USER_LIST, [], { cursor, maxResults: ASKED_MAX_RESULTS });
    if (page.status !== 200) return { route: 'list', records, first, truncated: true, startAtIgnored: false };
    records.push(...recordsOf(page.body, 'values'));
  }
  return { route: 'list', records, first, truncated: true, startAtIgnored: false };
}

/** user/search with the configured match-all query, paged by startAt as the connector does, until a short page. */
async function readSearch(reader: CaptureReader, query: string, maxPages: number): Promise<ListingRead> {
  const names: CaptureName[] = [];
  const base = { username: query, includeActive: 'true', includeInactive: 'true', maxResults: ASKED_MAX_RESULTS };
  const first = await reader.get(USER_SEARCH, names, { ...base, startAt: 0 });
  const records = recordsOf(first.body, null);
  let last = records;
  for (let pages = 1; first.status === 200 && last.length >= ASKED_MAX_RESULTS && pages < maxPages && records.length < MAX_LISTED; pages += 1) {
    const page = await reader.get(USER_SEARCH, names, { ...base, startAt: records.length });
    if (page.status !== 200) return { route: 'search', records, first, truncated: true, startAtIgnored: false };
    const got = recordsOf(page.body, null);
    const seen = new Set(usersOf(records).map((u) => u.key));
    const fresh = usersOf(got);
    if (fresh.length > 0 && fresh.every((u) => seen.has(u.key))) return { route: 'search', records, first, truncated: false, startAtIgnored: true };
    records.push(...got);
    last = got;
  }
  const truncated = first.status === 200 && last.length >= ASKED_MAX_RESULTS;
  return { route: 'search', records, first, truncated, startAtIgnored: false };
}

/** One group's member list by startAt, inactive users included, until isLast or the bound. */
async function readMembers(reader: CaptureReader, group: string): Promise<{ first: Answer; list: MemberListRead }> {
  const names: CaptureName[] = [{ param: 'groupname', kind: 'group', value: group }];
  const members = new Set<string>();
  let first: Answer | null = null;
  for (let pages = 0; pages < MAX_PAGES && members.size < MAX_MEMBERS; pages += 1) {
    const answer = await reader.get(GROUP_MEMBERS, names, { includeInactiveUsers: 'true', startAt: members.size, maxResults: ASKED_MAX_RESULTS });
    first ??= answer;
    if (answer.status !== 200) return { first, list: { group, members, complete: false } };
    const values = usersOf(recordsOf(answer.body, 'values'));
    const before = members.size;
    for (const user of values) members.add(lower(user.name));
    const isLast = typeof answer.body === 'object' && answer.body !== null ? Reflect.get(answer.body, 'isLast') : undefined;
    if (isLast === true || values.length === 0) return { first, list: { group, members, complete: true } };
    if (members.size === before) break;
  }
  return { first: first ?? { status: 0, body: null }, list: { group, members, complete: false } };
}

/** Up to eight members of each read group, then listed users, 40 in all, in reading order. */
function sample(lists: readonly MemberListRead[], listed: readonly { readonly name: string }[]): string[] {
  const chosen = new Set<string>();
  for (const list of lists) for (const member of [...list.members].slice(0, SAMPLES_PER_GROUP)) if (chosen.size < MAX_SAMPLES) chosen.add(member);
  for (const user of listed) if (chosen.size < Math.min(MAX_SAMPLES, SAMPLES_PER_GROUP * Math.max(1, lists.length))) chosen.add(lower(user.name));
  return [...chosen].filter((name) => queryNameProblem(name) === null);
}

/** The lower-cased group names of `expand=groups`; null when refused or the wrapper says items were left out. */
function expandedGroups(answer: Answer): ReadonlySet<string> | null {
  if (answer.status !== 200 || typeof answer.body !== 'object' || answer.body === null) return null;
  const wrapper: unknown = Reflect.get(answer.body, 'groups');
  if (typeof wrapper !== 'object' || wrapper === null) return null;
  const items: unknown = Reflect.get(wrapper, 'items');
  const size: unknown = Reflect.get(wrapper, 'size');
  if (!Array.isArray(items)) return null;
  const names = items.map((item: unknown) => (typeof item === 'object' && item !== null ? Reflect.get(item, 'name') : undefined));
  if (!names.every((name): name is string => typeof name === 'string')) return null;
  if (typeof size === 'number' && size > names.length) return null;
  return new Set(names.map(lower));
}

/** The database source's tables, login attribute, directories and direct memberships; its failure is reported, not thrown. */
async function observeDatabase(url: string, signal: AbortSignal | undefined): Promise<{ observation: DatabaseObservation; direct: DirectMemberships | null }> {
  const source = createJiraDatabaseSource(url, { target: 'jira database' });
  const failed = (error: string): { observation: DatabaseObservation; direct: null } => ({
    observation: { error, directories: [], users: 0, withLastLogin: 0, truncated: false, userMemberships: null, groupMemberships: null },
    direct: null,
  });
  try {
    await source.check(signal);
    const directories = await source.readDirectories(signal);
    let users = 0;
    let withLastLogin = 0;
    let truncated = false;
    for await (const fact of source.readLogins(signal)) {
      users += 1;
      if (fact.lastLogin !== null) withLastLogin += 1;
      if (users >= MAX_DATABASE_USERS) {
        truncated = true;
        break;
      }
    }
    const rows = await source.readMemberships(signal);
    const groupsOf = new Map<string, Set<string>>();
    const parentsOf = new Map<string, Set<string>>();
    for (const row of rows ?? []) {
      const map = row.kind === 'user' ? groupsOf : parentsOf;
      const set = map.get(lower(row.member)) ?? new Set<string>();
      set.add(lower(row.group));
      map.set(lower(row.member), set);
    }
    const userRows = rows?.filter((row) => row.kind === 'user').length ?? null;
    return {
      observation: { error: null, directories, users, withLastLogin, truncated, userMemberships: userRows, groupMemberships: rows === null ? null : rows.length - (userRows ?? 0) },
      direct: rows === null ? null : { groupsOf, parentsOf },
    };
  } catch (error) {
    if (error instanceof ConnectorError && !signal?.aborted) return failed(error.message);
    throw error;
  } finally {
    await source.close();
  }
}
