/**
 * HTTP calls to one Jira Data Center instance: its routes, paging and quirks on top of the shared HTTP client (auth,
 * bounded concurrency, retries, breaker, errors that say what to fix). Every route, method and parameter name below
 * was checked in Jira Software DC 10.3's OpenAPI (shared/specs/jira-software-dc-10.3-openapi.json, `paths["/api/2/…"]`,
 * served under `/rest`); each method names its operationId. Knows nothing of the domain; jira-dc-mapping.ts parses.
 *
 * Jira's user and group routes take names in query parameters, never in the path, so URLSearchParams encodes them;
 * names are still refused where encoding would change them (a lone surrogate becomes U+FFFD) or where a control
 * character would reach Jira's logs and audit entries.
 */

import { ConnectorError, UnaddressableName } from '../../app/connector-error.ts';
import { HttpClient, type ClientResponse, type HttpClientDeps, type HttpClientOptions, type HttpVendor } from '../http/http-client.ts';
import { errorCollectionMessage } from '../http/http-failures.ts';
import type { JiraDcAuth } from './jira-dc-config.ts';
import { DEFAULT_USER_SEARCH_QUERY } from './jira-dc-config.ts';
import {
  PayloadError,
  mapApplicationRole,
  mapApplicationRoles,
  mapGroupPicker,
  mapMemberPage,
  mapMyPermissions,
  mapServerInfo,
  mapUser,
  mapUserArray,
  mapUserStreamPage,
  type JiraApplicationRole,
  type JiraServerInfo,
  type JiraUser,
} from './jira-dc-mapping.ts';

/** What the client needs from the instance configuration. */
export interface JiraDcClientOptions extends HttpClientOptions {
  readonly auth: JiraDcAuth;
  /** The match-all `username` of user/search (DEFAULT_USER_SEARCH_QUERY when absent). */
  readonly userSearchQuery?: string;
}

/** Seams for tests and tuning; every field has a production default. */
export type JiraDcClientDeps = HttpClientDeps;

/** How an account is addressed: by user key (preferred: it survives a rename) or by username. */
export type JiraUserRef = { readonly key: string } | { readonly username: string };

/** Changes `PUT /rest/api/2/user` makes (UserWriteBean); absent fields are left as they are. */
export interface JiraUserChanges {
  /** A new username (rename). */
  readonly name?: string;
  readonly displayName?: string;
  readonly emailAddress?: string;
  /** false deactivates, true reactivates. */
  readonly active?: boolean;
}

/** Jira's name in messages, the administrator it needs, its ErrorCollection bodies, and Atlassian's XSRF opt-out. */
const JIRA: HttpVendor = {
  product: 'Jira',
  administrator: 'a Jira administrator',
  errorMessage: errorCollectionMessage,
  writeHeaders: { 'X-Atlassian-Token': 'no-check' },
};

/** user/search: "The maximum allowed value is 1000" (spec, findUsers.maxResults). */
export const SEARCH_MAX_RESULTS = 1000;

/**
 * Totals at which a user/search listing may have been cut by Jira rather than ended: Jira 10 returns at most the first
 * 100 results whatever startAt says (JRASERVER-78660, an intended change per JRASERVER-78520), and older servers had a
 * 1000-result ceiling (JRASERVER-29069, 3RD-PARTY report). A listing ending on exactly one of them is refused.
 */
export const SEARCH_TRUNCATION_TOTALS: readonly number[] = [100, 1000];

/** No listing is read past this many pages, however the server pages. */
export const MAX_PAGES = 100_000;

/** Empty, not-last pages in a row a stream may send before it is taken as stalled. */
export const MAX_EMPTY_PAGES = 100;

/** Fields `GET /rest/api/2/user` expands: the user's groups and applications (licences). */
const USER_EXPAND = 'groups,applicationRoles';

/**
 * Why a name cannot be sent to Jira in a query parameter as it is, or null when it can: empty, a control character
 * (it would reach Jira's logs and audit entries as it is), or a lone surrogate (it has no UTF-8 form, so encoding it
 * would send another name).
 */
export function queryNameProblem(name: string): string | null {
  if (name === '' || name.trim() === '') return 'the name is empty';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'the name contains a control character';
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(name)) return 'the name is not well-formed Unicode';
  return null;
}

/**
 * Why a value cannot be one path segment (the application role key of `/applicationrole/{key}`), or null: as
 * queryNameProblem, and no `/`, `\`, `%` or dots-only value, which a proxy or URL parsing could turn into another path.
 */
export function segmentProblem(value: string): string | null {
  const problem = queryNameProblem(value);
  if (problem !== null) return problem;
  if (/[/\\%]/.test(value)) return 'the name contains "/", "\\" or "%"';
  if (/^\.+$/.test(value.trim())) return 'the name is made of dots only';
  return null;
}

/** HTTP client for one Jira DC instance. */
export class JiraDcClient extends HttpClient {
  readonly userSearchQuery: string;

  constructor(options: JiraDcClientOptions, deps: JiraDcClientDeps = {}) {
    super(options, deps, JIRA);
    this.userSearchQuery = options.userSearchQuery ?? DEFAULT_USER_SEARCH_QUERY;
  }

  /** getServerInfo — `GET /rest/api/2/serverInfo`: the version; the first call, so a 404 means a wrong URL. */
  async serverInfo(signal?: AbortSignal): Promise<JiraServerInfo> {
    const path = '/rest/api/2/serverInfo';
    return this.#parse(path, mapServerInfo, await this.getJson(path, { signal, probe: true }));
  }

  /** getUser (myself) — `GET /rest/api/2/myself`: the account Seatkeeper connects as. */
  async myself(signal?: AbortSignal): Promise<JiraUser> {
    const path = '/rest/api/2/myself';
    return this.#parse(path, mapUser, await this.getJson(path, { signal }));
  }

  /**
   * getPermissions — `GET /rest/api/2/mypermissions` without a project or issue: every permission and whether the
   * connecting account holds it (ADMINISTER, SYSTEM_ADMIN, USER_PICKER are the global ones a scan needs).
   */
  async myPermissions(signal?: AbortSignal): Promise<ReadonlyMap<string, boolean>> {
    const path = '/rest/api/2/mypermissions';
    return this.#parse(path, mapMyPermissions, await this.getJson(path, { signal }));
  }

  /**
   * Whether `GET /rest/api/2/user/list` exists here. 3RD-PARTY: jira.js's reference says "Available since Jira Data
   * Center 11.0, and in 10.3 LTS"; public integrations try it and fall back to user/search on 404. The route itself
   * "never returns 404" for a bad cursor (spec), so a 404 says the route is missing.
   */
  async hasUserList(signal?: AbortSignal): Promise<boolean> {
    const response = await this.request('GET', '/rest/api/2/user/list', { query: { maxResults: 1 }, signal, accept: [404] });
    return response.status !== 404;
  }

  /**
   * getUserList — `GET /rest/api/2/user/list?cursor&maxResults`, a page at a time. Follows `nextCursor` until
   * `isLast`; a `nextPage` link is checked to stay on this instance even though paging goes by cursor. Throws when a
   * cursor comes back twice, a user repeats (the spec guarantees none does), a page without `isLast` has no cursor, or
   * pages run past what the data can be.
   */
  async *userListPages(signal?: AbortSignal): AsyncGenerator<readonly JiraUser[]> {
    const path = '/rest/api/2/user/list';
    const target = `${this.instanceId} GET ${path}`;
    const cursors = new Set<string>();
    const keys = new Set<string>();
    let cursor: string | undefined;
    let empty = 0;
    for (let pages = 1; ; pages += 1) {
      if (pages > MAX_PAGES) throw new ConnectorError(`Jira kept sending pages: more than ${MAX_PAGES} pages of users`, { target });
      const page = this.#parse(path, mapUserStreamPage, await this.getJson(path, { query: { cursor, maxResults: this.pageSize }, signal }));
      if (page.nextPage !== null) this.checkLink(page.nextPage, target);
      for (const user of page.users) {
        if (keys.has(user.key)) throw new ConnectorError(`Jira sent the user key ${JSON.stringify(user.key)} twice in one listing: the listing cannot be trusted`, { target });
        keys.add(user.key);
      }
      yield page.users;
      if (page.isLast) return;
      if (page.nextCursor === null) throw new ConnectorError('Jira said the user list goes on (isLast: false) but sent no nextCursor', { target });
      if (cursors.has(page.nextCursor)) {
        throw new ConnectorError(`Jira sent the cursor ${JSON.stringify(page.nextCursor.slice(0, 40))} twice: paging would go round in circles`, { target });
      }
      cursors.add(page.nextCursor);
      empty = page.users.length === 0 ? empty + 1 : 0;
      if (empty > MAX_EMPTY_PAGES) throw new ConnectorError(`paging stalled: ${empty} empty pages in a row that are not the last`, { target });
      cursor = page.nextCursor;
    }
  }

  /**
   * findUsers — `GET /rest/api/2/user/search?username=<match-all>&includeActive=true&includeInactive=true&startAt&
   * maxResults`, a page at a time. The route sends no paging metadata (JRASERVER-78650), so a page shorter than asked
   * ends it; a page that brings only users already seen (startAt ignored) and a listing ending on a known truncation
   * total (SEARCH_TRUNCATION_TOTALS) throw, as does an empty result: the match-all query matched nobody.
   */
  async *userSearchPages(signal?: AbortSignal): AsyncGenerator<readonly JiraUser[]> {
    const path = '/rest/api/2/user/search';
    const target = `${this.instanceId} GET ${path}`;
    const size = Math.min(this.pageSize, SEARCH_MAX_RESULTS);
    const keys = new Set<string>();
    let read = 0;
    for (let pages = 1; ; pages += 1) {
      if (pages > MAX_PAGES) throw new ConnectorError(`Jira kept sending pages: more than ${MAX_PAGES} pages of users`, { target });
      const query = { username: this.userSearchQuery, includeActive: true, includeInactive: true, startAt: read, maxResults: size };
      const users = this.#parse(path, mapUserArray, await this.getJson(path, { query, signal }));
      if (users.length > size) throw new ConnectorError(`Jira sent ${users.length} users for maxResults=${size}: the listing cannot be trusted`, { target });
      const fresh = users.filter((u) => !keys.has(u.key));
      if (users.length > 0 && fresh.length === 0) {
        throw new ConnectorError(`Jira sent the same page again at startAt=${read}: it does not page this search, so the listing would never end`, { target });
      }
      for (const user of fresh) keys.add(user.key);
      // Advance by what came back; a user seen twice (someone added while paging shifts the order) is yielded once.
      read += users.length;
      if (fresh.length > 0) yield fresh;
      if (users.length < size) break;
    }
    if (read === 0) {
      throw new ConnectorError(
        `user search for ${JSON.stringify(this.userSearchQuery)} found nobody, not even the connecting account: set userSearchQuery to what matches every user on this Jira`,
        { target, fixable: true },
      );
    }
    if (SEARCH_TRUNCATION_TOTALS.includes(read)) {
      throw new ConnectorError(
        `user search ended at exactly ${read} users, where Jira cuts search results (JRASERVER-78660): the listing may be incomplete; use Jira 10.3+ (user/list) or lastLogin: database`,
        { target, retryable: false },
      );
    }
  }

  /**
   * getUser_1 — `GET /rest/api/2/user?key=|username=&expand=groups,applicationRoles`; null when Jira answers 404. The
   * spec lists no `expand` parameter, but UserBean has an `expand` attribute and Jira's REST expands by that name.
   */
  async user(ref: JiraUserRef, signal?: AbortSignal): Promise<JiraUser | null> {
    const path = '/rest/api/2/user';
    const query = { ...this.#refQuery(ref, `GET ${path}`), expand: USER_EXPAND };
    const response = await this.request('GET', path, { query, signal, accept: [404] });
    return response.status === 404 ? null : this.#parse(path, mapUser, response.body);
  }

  /**
   * findGroups — `GET /rest/api/2/groups/picker?query=&maxResults=`: group names matching `query` (empty: all). The
   * picker is a UI suggestion route: its `total` says how many matched, and whether Jira caps `maxResults` below what
   * is asked is not documented (UNVERIFIED), so a picker that showed fewer than its total throws instead of passing a
   * partial list on.
   */
  async groupNames(query = '', maxResults = 10_000, signal?: AbortSignal): Promise<readonly string[]> {
    const path = '/rest/api/2/groups/picker';
    const pick = this.#parse(path, mapGroupPicker, await this.getJson(path, { query: { query, maxResults }, signal }));
    if (pick.total !== null && pick.total > pick.names.length) {
      throw new ConnectorError(`the group picker showed ${pick.names.length} of ${pick.total} groups: the list is cut short; read licence groups from the application roles instead`, {
        target: `${this.instanceId} GET ${path}`,
      });
    }
    return pick.names;
  }

  /**
   * getUsersFromGroup — `GET /rest/api/2/group/member?groupname=&includeInactiveUsers=true&startAt&maxResults`, a page
   * at a time: "users who are members of the specified group and its subgroups" (spec), i.e. nested members included.
   * (The spec declares `groupname` "in: path" on a path without a placeholder; Jira's docs and clients send it as a
   * query parameter, as here.) Advances by what came back, checks every page starts where asked, ends on `isLast`
   * (or, without it, on an empty page), and throws when the count differs from a `total` Jira gave.
   */
  async *groupMemberPages(group: string, signal?: AbortSignal): AsyncGenerator<readonly JiraUser[]> {
    const path = '/rest/api/2/group/member';
    const target = `${this.instanceId} GET ${path} ${JSON.stringify(group)}`;
    this.#checkName(group, target);
    let read = 0;
    let total: number | null = null;
    for (let pages = 1; ; pages += 1) {
      if (pages > MAX_PAGES || (total !== null && read > total + this.pageSize)) {
        throw new ConnectorError(`Jira kept sending member pages: ${read} members read for ${total ?? 'no'} promised`, { target });
      }
      const query = { groupname: group, includeInactiveUsers: true, startAt: read, maxResults: this.pageSize };
      const page = this.#parse(path, mapMemberPage, await this.getJson(path, { query, signal }));
      if (page.startAt !== null && page.startAt !== read) {
        throw new ConnectorError(`Jira sent the same page twice or out of order: asked for startAt=${read}, it answered startAt=${page.startAt}`, { target });
      }
      total = page.total ?? total;
      yield page.members;
      read += page.members.length;
      if (page.isLast === true || (page.isLast === null && page.members.length === 0)) break;
      if (page.members.length === 0) throw new ConnectorError(`paging stalled: an empty page at startAt=${read} says it is not the last`, { target });
    }
    if (total !== null && total !== read) throw new ConnectorError(`paging ended at ${read} of ${total} promised members`, { target });
  }

  /** getAll — `GET /rest/api/2/applicationrole`: every application (licence) with its groups and seats. */
  async applicationRoles(signal?: AbortSignal): Promise<readonly JiraApplicationRole[]> {
    const path = '/rest/api/2/applicationrole';
    return this.#parse(path, mapApplicationRoles, await this.getJson(path, { signal }));
  }

  /** get_4 — `GET /rest/api/2/applicationrole/{key}`; null when Jira has no such application (404). */
  async applicationRole(key: string, signal?: AbortSignal): Promise<JiraApplicationRole | null> {
    const problem = segmentProblem(key);
    if (problem !== null) throw new UnaddressableName(key, problem, `${this.instanceId} GET /rest/api/2/applicationrole/…`);
    const path = `/rest/api/2/applicationrole/${encodeURIComponent(key)}`;
    const response = await this.request('GET', path, { signal, accept: [404] });
    return response.status === 404 ? null : this.#parse(path, mapApplicationRole, response.body);
  }

  /** addUserToGroup — `POST /rest/api/2/group/user?groupname=` with `{name}` (201). The route takes a username only. */
  async addToGroup(group: string, username: string, options: WriteOptions = {}): Promise<ClientResponse> {
    const path = '/rest/api/2/group/user';
    this.#checkName(group, `${this.instanceId} POST ${path}`);
    this.#checkName(username, `${this.instanceId} POST ${path}`);
    return this.request('POST', path, { query: { groupname: group }, body: { name: username }, ...options });
  }

  /** removeUserFromGroup — `DELETE /rest/api/2/group/user?groupname=&username=` (200). Both required; no `key` form. */
  async removeFromGroup(group: string, username: string, options: WriteOptions = {}): Promise<ClientResponse> {
    const path = '/rest/api/2/group/user';
    this.#checkName(group, `${this.instanceId} DELETE ${path}`);
    this.#checkName(username, `${this.instanceId} DELETE ${path}`);
    return this.request('DELETE', path, { query: { groupname: group, username }, ...options });
  }

  /** addUserToApplication_1 — `POST /rest/api/2/user/application?username=&applicationKey=` (200). Username only. */
  async grantApplication(username: string, applicationKey: string, options: WriteOptions = {}): Promise<ClientResponse> {
    return this.#application('POST', username, applicationKey, options);
  }

  /** removeUserFromApplication_1 — `DELETE /rest/api/2/user/application?username=&applicationKey=` (204). Username only. */
  async revokeApplication(username: string, applicationKey: string, options: WriteOptions = {}): Promise<ClientResponse> {
    return this.#application('DELETE', username, applicationKey, options);
  }

  /**
   * updateUser_1 — `PUT /rest/api/2/user?key=` with a UserWriteBean: rename (`name`), display name, e-mail, and
   * deactivation/reactivation (`active`). Addressed by key, which the route accepts and which a rename does not change.
   */
  async updateUser(key: string, changes: JiraUserChanges, options: WriteOptions = {}): Promise<ClientResponse> {
    const path = '/rest/api/2/user';
    const target = `${this.instanceId} PUT ${path}`;
    this.#checkName(key, target);
    if (changes.name !== undefined) this.#checkName(changes.name, target);
    const body = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    if (Object.keys(body).length === 0) throw new ConnectorError('nothing to change: an update needs name, displayName, emailAddress or active', { target });
    return this.request('PUT', path, { query: { key }, body, ...options });
  }

  async #application(method: 'POST' | 'DELETE', username: string, applicationKey: string, options: WriteOptions): Promise<ClientResponse> {
    const path = '/rest/api/2/user/application';
    this.#checkName(username, `${this.instanceId} ${method} ${path}`);
    this.#checkName(applicationKey, `${this.instanceId} ${method} ${path}`);
    return this.request(method, path, { query: { username, applicationKey }, ...options });
  }

  #refQuery(ref: JiraUserRef, what: string): { key: string } | { username: string } {
    const value = 'key' in ref ? ref.key : ref.username;
    this.#checkName(value, `${this.instanceId} ${what}`);
    return 'key' in ref ? { key: ref.key } : { username: ref.username };
  }

  #checkName(name: string, target: string): void {
    const problem = queryNameProblem(name);
    if (problem !== null) throw new UnaddressableName(name, problem, target);
  }

  /** Runs a mapping; a PayloadError becomes a ConnectorError naming the route, so a scan is marked incomplete. */
  #parse<T>(path: string, map: (raw: unknown) => T, body: unknown): T {
    try {
      return map(body);
    } catch (error) {
      if (error instanceof PayloadError) throw new ConnectorError(`unexpected answer: ${error.message}`, { target: `${this.instanceId} GET ${path}`, cause: error });
      throw error;
    }
  }
}

/** What a write may pass on to the request: cancellation and statuses to hand back instead of throwing. */
export interface WriteOptions {
  readonly signal?: AbortSignal;
  readonly accept?: readonly number[];
}
