/**
 * `instance check` for Confluence Data Center: reads, with GET requests only, what each assumption Seatkeeper makes
 * depends on, and hands it to the pure judges of confluence-dc-check-rules.ts (reading, `observe*`, is kept apart from
 * judging, `judge*`). Every response read is kept as a capture for `--capture`.
 */

import { z } from 'zod';
import { ConnectorError, UnaddressableName } from '../../app/connector-error.ts';
import type { UnwritableGroup } from '../../app/store/unwritable-group-repository-port.ts';
import { escapeControl, instanceReport, type CheckRow, type InstanceCheckReport } from '../../app/instance-check.ts';
import type { CaptureName, CheckCapture, RedactionVocabulary } from '../../app/capture-redaction.ts';
import { ConfluenceDcClient, pathProblem, type ConfluenceDcClientDeps } from './confluence-dc-client.ts';
import type { ConfluenceDcConfig } from './confluence-dc-config.ts';
import { readConfluenceVersion } from './confluence-dc-version.ts';
import { CONFLUENCE_REDACTION } from './confluence-dc-check-vocabulary.ts';
import { CONFLUENCE_CHECKS, checkRow } from './confluence-dc-check-rows.ts';
import { atLeast, type Version } from './confluence-dc-mapping.ts';
import {
  ADMIN_LIST, ASKED_LIMIT, CURRENT_USER, MEMBER_OF, PERMISSIONS, PERMISSIONS_API_SINCE, REST_LAST_LOGIN_SINCE, USER_LIST,
  USER_LIST_SINCE, judgeInstance, judgeVersion, nestingReading,
  type NestingPair, type NestingSearch, type RestObservation, type VersionObservation,
} from './confluence-dc-check-rules.ts';
import { lower, namesOnPages, pageOf, resultsOf, type Answer, type PagesRead } from './confluence-dc-check-answers.ts';

/** What the check needs besides the instance: its config and the store's memory of refused groups. */
export interface ConfluenceDcCheckInput {
  readonly instanceId: string;
  readonly config: ConfluenceDcConfig;
  readonly unwritableGroups: readonly UnwritableGroup[];
  readonly signal?: AbortSignal;
}

/** The report, and every response read, unredacted (redactCaptures with `vocabulary` makes them shareable). */
export interface ConfluenceDcCheckOutcome {
  readonly report: InstanceCheckReport;
  readonly captures: readonly CheckCapture[];
  readonly baseUrl: string;
  readonly vocabulary: RedactionVocabulary;
}

const SERVER_INFORMATION = '/rest/api/server-information';
const MANIFEST = '/rest/applinks/1.0/manifest';
const LOGIN_PAGE = '/login.action';
const GROUPS = '/rest/api/group';
const GROUP_MEMBERS = '/rest/api/group/{group}/member';
const CHILD_GROUPS = '/rest/api/group/{group}/groupmember';
const USER_COUNT = '/rest/license/1.0/license/userCount';
const MAX_USERS = '/rest/license/1.0/license/maxUsers';

/** Bounds: what a check needs to tell, not a scan. */
const MAX_USERS_READ = 2000;
const MAX_GROUPS_READ = 10_000;
const MAX_MEMBERS_READ = 10_000;
const MAX_PAGES = 50;
const MAX_NESTING_GROUPS = 200;
const MAX_PAIRS = 5;
const MAX_MEMBEROF_CHECKS = 20;
const CHILD_LIST_BATCH = 8;

/** Checks one instance: never writes, and reads only the routes named above. */
export async function checkConfluenceDcInstance(input: ConfluenceDcCheckInput, deps: ConfluenceDcClientDeps = {}): Promise<ConfluenceDcCheckOutcome> {
  const client = new ConfluenceDcClient({ instanceId: input.instanceId, ...input.config }, deps);
  const reader = new CaptureReader(client, input.signal);
  const versions = await observeVersion(reader, client, input.signal);
  const version = versions.version;
  let rows: CheckRow[];
  if (version === null || !atLeast(version.parsed, USER_LIST_SINCE)) {
    const why = version === null ? 'no version could be read' : `Confluence ${escapeControl(version.text)} is older than 8.4`;
    rows = [judgeVersion(versions), ...CONFLUENCE_CHECKS.ids.slice(1).map((id) => checkRow(id, 'skip', `not checked: ${why}`))];
  } else {
    const rest = await observeRest(reader, version.parsed);
    rows = judgeInstance(versions, rest, version, input);
  }
  return { report: instanceReport(input.instanceId, version?.text ?? null, rows), captures: reader.captures(), baseUrl: client.baseUrl, vocabulary: CONFLUENCE_REDACTION };
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** GETs through the client and keeps each response, in the order the requests were made. */
class CaptureReader {
  readonly #client: ConfluenceDcClient;
  readonly #signal: AbortSignal | undefined;
  readonly #captures: (CheckCapture | null)[] = [];

  constructor(client: ConfluenceDcClient, signal: AbortSignal | undefined) {
    this.#client = client;
    this.#signal = signal;
  }

  /** A GET with names put into the template's `{param}` (checked as restPath does) or the query; 403 and 404 come back. */
  async get(
    template: string,
    names: readonly CaptureName[],
    query: Readonly<Record<string, string | number>>,
    options: { readonly accept?: readonly number[]; readonly text?: boolean; readonly probe?: boolean } = {},
  ): Promise<Answer> {
    let path = template;
    const nameQuery: Record<string, string> = {};
    for (const name of names) {
      const slot = `{${name.param}}`;
      if (!path.includes(slot)) {
        nameQuery[name.param] = name.value;
        continue;
      }
      const problem = pathProblem(name.value) ?? (LONE_SURROGATE.test(name.value) ? 'the name is not well-formed Unicode' : null);
      if (problem !== null) throw new UnaddressableName(name.value, problem, `${this.#client.instanceId} GET ${template}`);
      path = path.replace(slot, encodeURIComponent(name.value));
    }
    const index = this.#captures.length;
    this.#captures.push(null);
    const response = await this.#client.request('GET', path, {
      query: { ...nameQuery, ...query },
      accept: options.accept ?? [403, 404],
      ...(options.text === true ? { text: true } : {}),
      ...(options.probe === true ? { probe: true } : {}),
      signal: this.#signal,
    });
    this.#captures[index] = { template, names, query, status: response.status, body: response.body };
    return response;
  }

  /** Pages of a listing from start 0, `limit=1000` asked, until it ends, a page is refused, or `max` items were read. */
  async pages(template: string, names: readonly CaptureName[], query: Readonly<Record<string, string | number>>, max: number): Promise<PagesRead> {
    const pages: Answer[] = [];
    let start = 0;
    while (pages.length < MAX_PAGES) {
      const answer = await this.get(template, names, { ...query, start, limit: ASKED_LIMIT });
      pages.push(answer);
      const page = answer.status === 200 ? pageOf(answer.body) : null;
      if (page === null || !page.hasNext || page.results.length === 0) return { pages, truncated: false };
      start += page.results.length;
      if (start >= max) return { pages, truncated: true };
    }
    return { pages, truncated: true };
  }

  captures(): CheckCapture[] {
    return this.#captures.filter((capture): capture is CheckCapture => capture !== null);
  }
}

async function observeVersion(reader: CaptureReader, client: ConfluenceDcClient, signal?: AbortSignal): Promise<VersionObservation> {
  // Read first, each on its own: these show whether the URL answers at all (a refused connection or credentials stop here).
  const serverInformation = await reader.get(SERVER_INFORMATION, [], {}, { accept: [404], probe: true });
  const manifest = await reader.get(MANIFEST, [], {}, { accept: [404], probe: true }).catch(notJson);
  const loginPage = await reader.get(LOGIN_PAGE, [], {}, { accept: [404], text: true, probe: true });
  try {
    // The route order and rules every other command uses, so the row says what they will see.
    const version = await readConfluenceVersion(client, signal);
    return { serverInformation, manifest, loginPage, version, error: null };
  } catch (error) {
    if (error instanceof ConnectorError && error.fixable && (error.status === null || error.status < 300)) {
      return { serverInformation, manifest, loginPage, version: null, error: error.message };
    }
    throw error;
  }
}

/** A manifest answered with HTML (a proxy page) says no version: the other routes are judged. */
function notJson(error: unknown): null {
  if (error instanceof ConnectorError && error.status !== null && error.status < 300) return null;
  throw error;
}

async function observeRest(reader: CaptureReader, v: Version): Promise<RestObservation> {
  const currentUser = await reader.get(CURRENT_USER, [], {}, { accept: [] });
  const groups = await reader.pages(GROUPS, [], {}, MAX_GROUPS_READ);
  const groupNames = namesOnPages(groups.pages);
  const first = groupNames.find((name) => pathProblem(name) === null) ?? null;
  const groupParam = (value: string): CaptureName[] => [{ param: 'group', kind: 'group', value }];
  let adminRead: RestObservation['adminRead'] = null;
  // `/user/list` answers any licensed user: only an administrator-only read tells (as the connector's probe does).
  if (atLeast(v, PERMISSIONS_API_SINCE)) adminRead = { route: `${ADMIN_LIST}?limit=1`, answer: await reader.get(ADMIN_LIST, [], { limit: 1 }) };
  else if (first !== null) adminRead = { route: `${GROUP_MEMBERS}?limit=1`, answer: await reader.get(GROUP_MEMBERS, groupParam(first), { limit: 1 }) };
  const users = await reader.pages(USER_LIST, [], { expand: 'status' }, MAX_USERS_READ);
  const memberPage = first === null ? null : { group: first, answer: await reader.get(GROUP_MEMBERS, groupParam(first), { limit: ASKED_LIMIT }) };
  let adminList: Answer | null = null;
  if (atLeast(v, PERMISSIONS_API_SINCE)) {
    adminList = await reader.get(ADMIN_LIST, [], atLeast(v, REST_LAST_LOGIN_SINCE) ? { expand: 'lastLogin', limit: ASKED_LIMIT } : { limit: ASKED_LIMIT });
  }
  const permissions = atLeast(v, PERMISSIONS_API_SINCE) ? await reader.get(PERMISSIONS, [], {}) : null;
  const nesting = await observeNesting(reader, groupNames);
  const userCount = await reader.get(USER_COUNT, [], {});
  const maxUsers = await reader.get(MAX_USERS, [], {});
  return { currentUser, adminRead, users, groups, memberPage, adminList, permissions, nesting, userCount, maxUsers };
}

/** Looks at the child groups of at most 200 groups, and at most five parent/child pairs, until one tells. */
async function observeNesting(reader: CaptureReader, groupNames: readonly string[]): Promise<NestingSearch> {
  const candidates = groupNames.filter((name) => pathProblem(name) === null).slice(0, MAX_NESTING_GROUPS);
  const pairs: NestingPair[] = [];
  let groupsLookedAt = 0;
  let childListsMissing = 0;
  for (let i = 0; i < candidates.length && pairs.length < MAX_PAIRS; i += CHILD_LIST_BATCH) {
    const batch = candidates.slice(i, i + CHILD_LIST_BATCH);
    const answers = await Promise.all(batch.map((parent) => reader.get(CHILD_GROUPS, [{ param: 'group', kind: 'group', value: parent }], { limit: ASKED_LIMIT })));
    groupsLookedAt += batch.length;
    for (const [index, answer] of answers.entries()) {
      const parent = batch[index];
      if (parent === undefined) continue;
      if (answer.status === 404) childListsMissing += 1;
      const children = answer.status === 200 ? namesOnPages([answer]).filter((child) => pathProblem(child) === null) : [];
      for (const child of children) {
        if (pairs.length >= MAX_PAIRS) break;
        const pair = await observePair(reader, parent, child);
        pairs.push(pair);
        if (nestingReading(pair) !== null) return { groupsLookedAt, childListsMissing, pairs };
      }
    }
  }
  return { groupsLookedAt, childListsMissing, pairs };
}

async function observePair(reader: CaptureReader, parent: string, child: string): Promise<NestingPair> {
  const group = (value: string): CaptureName[] => [{ param: 'group', kind: 'group', value }];
  const parentRead = await reader.pages(GROUP_MEMBERS, group(parent), {}, MAX_MEMBERS_READ);
  const childRead = await reader.pages(GROUP_MEMBERS, group(child), {}, MAX_MEMBERS_READ);
  const parentMembers = usernamesOnPages(parentRead.pages);
  const childMembers = usernamesOnPages(childRead.pages);
  const onParent = new Set(parentMembers.map(lower));
  const directGroups = new Map<string, readonly string[]>();
  for (const member of childMembers.filter((m) => onParent.has(lower(m))).slice(0, MAX_MEMBEROF_CHECKS)) {
    const read = await reader.pages(MEMBER_OF, [{ param: 'username', kind: 'username', value: member }], {}, MAX_GROUPS_READ);
    const groups = namesOnPages(read.pages);
    directGroups.set(member, groups);
    // One member on the parent's list without a direct membership settles it.
    if (!groups.some((g) => lower(g) === lower(parent))) break;
  }
  const parentComplete = !parentRead.truncated && parentRead.pages.every((page) => page.status === 200);
  return { parent, child, parentMembers, parentComplete, childMembers, directGroups };
}

const member = z.object({ username: z.string().min(1), type: z.string().nullish() });

/** Usernames on member pages; the anonymous pseudo-user is left out. */
function usernamesOnPages(pages: readonly Answer[]): string[] {
  return resultsOf(pages).flatMap((raw) => {
    const parsed = member.safeParse(raw);
    return parsed.success && lower(parsed.data.type ?? '') !== 'anonymous' ? [parsed.data.username] : [];
  });
}
