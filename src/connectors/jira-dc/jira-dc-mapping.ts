/**
 * Pure raw → typed mapping for Jira Data Center payloads, read tolerantly like confluence-dc-mapping.ts. The 10.3
 * OpenAPI documents UserBean, ApplicationRoleBean and GroupSuggestionsBean with fields and examples, but leaves
 * ServerInfoBean empty and gives wrong response schemas for some routes (group/member says UserJsonBean, applicationrole
 * says one bean where Jira answers a list), so every field is optional here and judged one by one. An unknown value
 * becomes `unknown` or null, never a guess that could hide a live account.
 */

import { z } from 'zod';
import type { AccountStatus } from '../../domain/snapshot.ts';
import { isEpochSentinel, parseLoginInstant } from '../confluence-dc/confluence-dc-login-time.ts';

/** A payload that does not have the shape Jira documents; the message names what is wrong. */
export class PayloadError extends Error {
  override readonly name = 'PayloadError';
}

/** One Jira account as a listing or `GET /rest/api/2/user` shows it. */
export interface JiraUser {
  /** The user key (stable id: `JIRAUSER10100` on 8.x+, the first username on older accounts). */
  readonly key: string;
  /** The username, compared case-insensitively. */
  readonly name: string;
  readonly displayName: string;
  readonly emailAddress: string | null;
  /** From the boolean `active`; `unknown` when Jira sent none or something else. */
  readonly status: AccountStatus;
  /** `deleted` as sent (true: the account is gone from every directory); null when absent. */
  readonly deleted: boolean | null;
  /** `lastLoginTime` parsed; null when absent or empty (whether it was sent at all is `lastLoginSent`). */
  readonly lastLoginTime: Date | null;
  /** Whether the `lastLoginTime` key was in the record: absent from a whole listing means the version has no such field. */
  readonly lastLoginSent: boolean;
  /** The directory name if the payload names one (REST usually does not; the database does). */
  readonly directory: string | null;
  /** Group names from `expand=groups`; null when not expanded or when the list was cut short (size > items). */
  readonly groups: readonly string[] | null;
  /** Application keys from `expand=applicationRoles`; null when not expanded or cut short. */
  readonly applicationKeys: readonly string[] | null;
}

/** One application (Jira Software, Jira Service Management, …) and its seats. */
export interface JiraApplicationRole {
  readonly key: string;
  readonly name: string;
  /** Groups granting access to the application (a licence). */
  readonly groups: readonly string[];
  /** Groups new users are put in for this application. */
  readonly defaultGroups: readonly string[];
  /** Licensed seats; null when unlimited or not readable. */
  readonly numberOfSeats: number | null;
  readonly remainingSeats: number | null;
  readonly userCount: number | null;
  /** null when not sent: seat checks then treat the limit as unknown. */
  readonly hasUnlimitedSeats: boolean | null;
  /** `defined`: whether a licence for the application is installed; null when not sent. */
  readonly defined: boolean | null;
}

/** One page of a paged member list (`/rest/api/2/group/member`). */
export interface JiraMemberPage {
  readonly members: readonly JiraUser[];
  readonly startAt: number | null;
  readonly total: number | null;
  readonly isLast: boolean | null;
}

/** One page of the `/rest/api/2/user/list` stream. */
export interface JiraUserStreamPage {
  readonly users: readonly JiraUser[];
  readonly isLast: boolean;
  /** The cursor to send next; null when none came. */
  readonly nextCursor: string | null;
  /** `nextPage` as sent (a URL), checked by the client before it counts as "there is more". */
  readonly nextPage: string | null;
}

/** `/rest/api/2/groups/picker`: the names it showed and how many matched in all. */
export interface JiraGroupPick {
  readonly names: readonly string[];
  /** `total` as sent; null when absent. More than `names.length` means the picker cut the list. */
  readonly total: number | null;
}

/** `/rest/api/2/serverInfo`. */
export interface JiraServerInfo {
  readonly version: string;
  readonly parsed: readonly [number, number, number];
  readonly deploymentType: string | null;
  readonly baseUrl: string | null;
}

const text = z.string().nullish();
const nameList = z.array(z.unknown()).nullish();
const listWrapper = z.object({ size: z.unknown().optional(), items: z.array(z.unknown()).nullish() }).nullish();

const userSchema = z.object({
  key: text,
  name: text,
  displayName: text,
  emailAddress: text,
  active: z.unknown().optional(),
  deleted: z.unknown().optional(),
  lastLoginTime: z.unknown().optional(),
  directory: z.union([z.string(), z.object({ name: text })]).nullish(),
  groups: listWrapper,
  applicationRoles: listWrapper,
});

/**
 * A UserBean (or UserJsonBean) as a JiraUser. Throws PayloadError for a record without `key` or `name`, so a scan is
 * marked incomplete rather than silently missing an account; throws for a `lastLoginTime` that is present but
 * unreadable, because read as "never" a changed format would make every user look like one whose seat can be taken.
 */
export function mapUser(raw: unknown): JiraUser {
  const parsed = userSchema.safeParse(raw);
  if (!parsed.success) throw new PayloadError(`user record is not an object of the documented shape: ${z.prettifyError(parsed.error)}`);
  const user = parsed.data;
  const key = nonEmpty(user.key);
  const name = nonEmpty(user.name);
  if (key === null || name === null) {
    throw new PayloadError(`user record without ${key === null ? 'key' : 'name'}: ${JSON.stringify(raw).slice(0, 200)}`);
  }
  const lastLoginSent = typeof raw === 'object' && raw !== null && Object.hasOwn(raw, 'lastLoginTime');
  const directory = typeof user.directory === 'string' ? user.directory : (user.directory?.name ?? null);
  return {
    key,
    name,
    displayName: nonEmpty(user.displayName) ?? name,
    emailAddress: nonEmpty(user.emailAddress),
    // Only a real boolean counts: "false" as text or 0 is not Jira's documented form, so it is not read as disabled.
    status: user.active === true ? 'active' : user.active === false ? 'disabled' : 'unknown',
    deleted: typeof user.deleted === 'boolean' ? user.deleted : null,
    lastLoginTime: readLastLogin(user.lastLoginTime, name),
    lastLoginSent,
    directory: nonEmpty(directory),
    groups: wrappedNames(user.groups, 'name'),
    applicationKeys: wrappedNames(user.applicationRoles, 'key'),
  };
}

/**
 * `lastLoginTime` as documented ("2023-08-30T16:37:01+1000": ISO-8601 with an offset, no colon) or epoch
 * milliseconds; absent, null, empty or Java's 0 is "not known from REST" (null).
 */
function readLastLogin(raw: unknown, name: string): Date | null {
  if (raw === undefined || raw === null || raw === '' || isEpochSentinel(raw)) return null;
  const instant = parseLoginInstant(raw);
  if (instant === null) throw new PayloadError(`unreadable lastLoginTime ${JSON.stringify(raw).slice(0, 80)} for ${name}`);
  return instant;
}

/** The names in a SimpleListWrapper (`{size, items: [{name}]}`); null when absent or when `size` says items were left out. */
function wrappedNames(wrapper: z.infer<typeof listWrapper>, field: 'name' | 'key'): readonly string[] | null {
  if (wrapper === null || wrapper === undefined || wrapper.items === null || wrapper.items === undefined) return null;
  const names = wrapper.items.map((item) => (typeof item === 'object' && item !== null ? Reflect.get(item, field) : undefined));
  if (!names.every((n): n is string => typeof n === 'string' && n !== '')) return null;
  // The expansion is capped (`max-results`); a size above what came means the list is not the whole truth.
  if (typeof wrapper.size === 'number' && wrapper.size > names.length) return null;
  return names;
}

/** A JSON array of users (`/rest/api/2/user/search`) as JiraUsers; throws PayloadError when it is not an array. */
export function mapUserArray(raw: unknown): JiraUser[] {
  if (!Array.isArray(raw)) throw new PayloadError(`user search did not answer a list: ${JSON.stringify(raw).slice(0, 120)}`);
  return raw.map(mapUser);
}

const streamPageSchema = z.object({
  values: z.array(z.unknown()),
  isLast: z.unknown().optional(),
  nextCursor: z.unknown().optional(),
  nextPage: z.unknown().optional(),
});

/**
 * A page of the user/list stream (StreamPageBean `{values, isLast, nextCursor, nextPage, maxResults, self}`). An
 * `isLast` that is not a boolean is an error rather than "true": ending early would drop accounts.
 */
export function mapUserStreamPage(raw: unknown): JiraUserStreamPage {
  const parsed = streamPageSchema.safeParse(raw);
  if (!parsed.success) throw new PayloadError(`user list page is not a {values, isLast, nextCursor} stream page: ${z.prettifyError(parsed.error)}`);
  const page = parsed.data;
  if (typeof page.isLast !== 'boolean') throw new PayloadError(`user list page without a boolean isLast (got ${JSON.stringify(page.isLast) ?? 'nothing'})`);
  // The spec types nextCursor as a string while the cursor parameter is an int64: either spelling is kept as text.
  const cursor = typeof page.nextCursor === 'number' && Number.isSafeInteger(page.nextCursor) ? String(page.nextCursor) : page.nextCursor;
  return {
    users: page.values.map(mapUser),
    isLast: page.isLast,
    nextCursor: typeof cursor === 'string' && cursor.trim() !== '' ? cursor.trim() : null,
    nextPage: typeof page.nextPage === 'string' && page.nextPage !== '' ? page.nextPage : null,
  };
}

const memberPageSchema = z.object({
  values: z.array(z.unknown()),
  startAt: z.unknown().optional(),
  total: z.unknown().optional(),
  isLast: z.unknown().optional(),
});

/** A page of `/rest/api/2/group/member` (a PageBean `{startAt, maxResults, total, isLast, values}`). */
export function mapMemberPage(raw: unknown): JiraMemberPage {
  const parsed = memberPageSchema.safeParse(raw);
  if (!parsed.success) throw new PayloadError(`group member page is not a {values, startAt, isLast} page: ${z.prettifyError(parsed.error)}`);
  const page = parsed.data;
  return {
    members: page.values.map(mapUser),
    startAt: count(page.startAt),
    total: count(page.total),
    isLast: typeof page.isLast === 'boolean' ? page.isLast : null,
  };
}

const roleSchema = z.object({
  key: z.string().min(1),
  name: text,
  groups: nameList,
  defaultGroups: nameList,
  numberOfSeats: z.unknown().optional(),
  remainingSeats: z.unknown().optional(),
  userCount: z.unknown().optional(),
  hasUnlimitedSeats: z.unknown().optional(),
  defined: z.unknown().optional(),
});

/** One ApplicationRoleBean. Seat figures that are not counts (Jira writes -1 for unlimited) become null. */
export function mapApplicationRole(raw: unknown): JiraApplicationRole {
  const parsed = roleSchema.safeParse(raw);
  if (!parsed.success) throw new PayloadError(`application role without a key: ${JSON.stringify(raw).slice(0, 200)}`);
  const role = parsed.data;
  const unlimited = typeof role.hasUnlimitedSeats === 'boolean' ? role.hasUnlimitedSeats : null;
  return {
    key: role.key,
    name: nonEmpty(role.name) ?? role.key,
    groups: stringsOf(role.groups, `groups of ${role.key}`),
    defaultGroups: stringsOf(role.defaultGroups, `defaultGroups of ${role.key}`),
    numberOfSeats: unlimited === true ? null : count(role.numberOfSeats),
    remainingSeats: unlimited === true ? null : count(role.remainingSeats),
    userCount: count(role.userCount),
    hasUnlimitedSeats: unlimited,
    defined: typeof role.defined === 'boolean' ? role.defined : null,
  };
}

/** `GET /rest/api/2/applicationrole`: a list of roles (the spec says one bean; a single object is read as a list of one). */
export function mapApplicationRoles(raw: unknown): JiraApplicationRole[] {
  return (Array.isArray(raw) ? raw : [raw]).map(mapApplicationRole);
}

const pickerSchema = z.object({ groups: z.array(z.object({ name: z.string().min(1) })), total: z.unknown().optional() });

/** `GET /rest/api/2/groups/picker` (GroupSuggestionsBean `{header, total, groups: [{name, html, labels}]}`). */
export function mapGroupPicker(raw: unknown): JiraGroupPick {
  const parsed = pickerSchema.safeParse(raw);
  if (!parsed.success) throw new PayloadError(`group picker answer is not {groups: [{name}], total}: ${z.prettifyError(parsed.error)}`);
  return { names: parsed.data.groups.map((g) => g.name), total: count(parsed.data.total) };
}

const permissionsSchema = z.object({ permissions: z.record(z.string(), z.object({ havePermission: z.unknown().optional() }).loose()) });

/**
 * `GET /rest/api/2/mypermissions` (PermissionsJsonBean `{permissions: {KEY: {havePermission, …}}}`) as key → held;
 * a `havePermission` that is not a boolean is left out, so the caller treats the permission as not shown.
 */
export function mapMyPermissions(raw: unknown): ReadonlyMap<string, boolean> {
  const parsed = permissionsSchema.safeParse(raw);
  if (!parsed.success) throw new PayloadError(`permissions answer is not {permissions: {KEY: {havePermission}}}: ${z.prettifyError(parsed.error)}`);
  const held = new Map<string, boolean>();
  for (const [key, permission] of Object.entries(parsed.data.permissions)) {
    if (typeof permission.havePermission === 'boolean') held.set(key, permission.havePermission);
  }
  return held;
}

const serverInfoSchema = z.object({ version: z.string().min(1), deploymentType: text, baseUrl: text });

/** `GET /rest/api/2/serverInfo` → the version (the spec's ServerInfoBean is empty; `version` is what Jira sends). */
export function mapServerInfo(raw: unknown): JiraServerInfo {
  const parsed = serverInfoSchema.safeParse(raw);
  if (!parsed.success) throw new PayloadError('server info has no version: is the URL a Jira Data Center base URL?');
  const m = /^\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(parsed.data.version);
  if (m === null) throw new PayloadError(`cannot read the Jira version "${parsed.data.version.slice(0, 40)}"`);
  return {
    version: parsed.data.version,
    parsed: [Number(m[1]), Number(m[2] ?? '0'), Number(m[3] ?? '0')],
    deploymentType: nonEmpty(parsed.data.deploymentType),
    baseUrl: nonEmpty(parsed.data.baseUrl),
  };
}

/** A count: a non-negative safe integer, else null (a bogus total must not become a loop bound). */
function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

function stringsOf(values: readonly unknown[] | null | undefined, what: string): string[] {
  if (values === null || values === undefined) return [];
  if (!values.every((v): v is string => typeof v === 'string' && v !== '')) throw new PayloadError(`${what} is not a list of names`);
  return [...values];
}

/** Blank is absent; otherwise the value is kept as sent, since usernames are identities. */
function nonEmpty(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  return value;
}
