/**
 * Pure raw → domain mapping for Confluence Data Center payloads. Every payload is parsed with zod and
 * read tolerantly: the spec documents Person as `{type, displayName}` only, so the real fields
 * (username, userKey, email, status, lastLogin) are optional here and judged one by one.
 */

import { z } from 'zod';
import type { AccountStatus, GroupNesting, PermissionGrants } from '../../domain/snapshot.ts';
import type { GroupMember, ListedAccount, LoginFact } from '../../app/instance-port.ts';
import { isEpochSentinel, parseLoginInstant } from './confluence-dc-login-time.ts';

/** A payload that does not have the shape Confluence documents; the message names what is wrong. */
export class PayloadError extends Error {
  override readonly name = 'PayloadError';
}

const text = z.string().nullish();

const statusField = z.union([
  z.string(),
  z.object({ value: text, status: text, name: text, key: text }),
  z.boolean(),
  z.number(),
  z.null(),
]);

const personSchema = z.object({
  type: text,
  username: text,
  userKey: text,
  displayName: text,
  email: text,
  status: statusField.optional(),
  lastLogin: z.unknown().optional(),
  directory: z.union([z.string(), z.object({ name: text })]).nullish(),
});

const groupSchema = z.object({ name: z.string().min(1), type: text });

const subjectSchema = z.object({
  type: text,
  name: text,
  groupName: text,
  username: text,
  userName: text,
  userKey: text,
  displayName: text,
  group: z.object({ name: text }).nullish(),
  user: z.object({ username: text, userKey: text }).nullish(),
});

const globalPermissionSchema = z.object({
  operation: z.object({ targetType: text, operationKey: text }),
  subject: subjectSchema.nullish(),
});

const licenseCountSchema = z.object({ count: z.number().nullish() });

const serverInformationSchema = z.object({ version: z.string().min(1), baseUrl: text, buildNumber: z.number().nullish() });

const currentUserSchema = z.object({ username: z.string().min(1), userKey: text, type: text });

/**
 * Atlassian's `UserStatus` enum (VERIFIED values; the JSON spelling is not published, so any case is read):
 * CURRENT and UNLICENSED are active accounts (UNLICENSED holds no "can use"), DEACTIVATED and EXTERNALLY_DELETED
 * are not. Nothing else is guessed: another word is `unknown`, counted and named by the scan.
 */
const STATUS_WORDS: ReadonlyMap<string, AccountStatus> = new Map([
  ['current', 'active'],
  ['unlicensed', 'active'],
  ['deactivated', 'disabled'],
  ['externally_deleted', 'disabled'],
]);

/**
 * The account flag from `expand=status`. The documented words map to active/disabled; anything else is `unknown`,
 * never `disabled`, because acting on a guessed "disabled" could hide a live account.
 */
export function mapStatus(raw: unknown): AccountStatus {
  return statusOfWord(statusWordOf(raw));
}

/** The account flag of a status word already read (null: none sent). */
function statusOfWord(word: string | null): AccountStatus {
  return word === null ? 'unknown' : (STATUS_WORDS.get(word.toLowerCase()) ?? 'unknown');
}

/** The status word as sent (trimmed), from a string or an enum object's `value`/`status`/`name`/`key`; null when none. */
export function statusWordOf(raw: unknown): string | null {
  let word: string | null | undefined;
  if (typeof raw === 'string') word = raw;
  else {
    const parsed = statusField.safeParse(raw);
    if (!parsed.success) return null;
    const value = parsed.data;
    if (typeof value === 'object' && value !== null) word = value.value ?? value.status ?? value.name ?? value.key;
  }
  if (typeof word !== 'string' || word.trim() === '') return null;
  return word.trim();
}

/** The flag and the word as sent, reading the value once (a scan maps 200,000 of them). */
function statusOf(raw: unknown): { readonly status: AccountStatus; readonly statusWord: string | null } {
  const statusWord = statusWordOf(raw);
  return { status: statusOfWord(statusWord), statusWord };
}

/** Whether a status word is one of Atlassian's documented `UserStatus` values, in any case. */
export function isDocumentedStatus(word: string): boolean {
  return STATUS_WORDS.has(word.toLowerCase());
}

/**
 * One Person from `/rest/api/user/list?expand=status` (or a group's member list) as a ListedAccount, its user key
 * as the account id.
 * Returns null for the anonymous pseudo-user; throws PayloadError for a known user without a username
 * or key, so the scan is marked incomplete rather than silently missing an account.
 */
export function mapPerson(raw: unknown): ConfluencePerson | null {
  return readPerson(raw)?.user ?? null;
}

/** A listed account as Confluence sends it: every known user has a username. */
export type ConfluencePerson = ListedAccount & { readonly username: string };

/** A Person as read, with its `lastLogin` value and whether the key was there at all. */
interface ReadPerson {
  readonly user: ConfluencePerson;
  readonly lastLogin: unknown;
  readonly hasLastLogin: boolean;
}

function has(raw: unknown, key: string): boolean {
  return typeof raw === 'object' && raw !== null && Object.hasOwn(raw, key);
}

const optionalText = (value: unknown): value is string | null | undefined =>
  value === undefined || value === null || typeof value === 'string';

/**
 * The common shape read without zod: a scan maps 200,000 Person records, and a schema parse per record
 * doubles the garbage the scan makes. Anything unusual falls through to the full parse and its errors.
 */
function readPlainPerson(raw: unknown): ReadPerson | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const field = (key: string): unknown => Reflect.get(raw, key);
  const [type, username, userKey, displayName, email, status, directory] = ['type', 'username', 'userKey', 'displayName', 'email', 'status', 'directory'].map(field);
  if (type !== 'known' || typeof username !== 'string' || username === '' || typeof userKey !== 'string' || userKey === '') return null;
  if (!optionalText(displayName) || !optionalText(email) || !optionalText(directory) || !(status === undefined || typeof status === 'string')) {
    return null;
  }
  const user: ConfluencePerson = {
    accountId: userKey,
    username,
    displayName: nonEmpty(displayName) ?? username,
    email: nonEmpty(email),
    ...statusOf(status),
    directory: nonEmpty(directory),
  };
  return { user, lastLogin: field('lastLogin'), hasLastLogin: has(raw, 'lastLogin') };
}

function readPerson(raw: unknown): ReadPerson | null {
  const plain = readPlainPerson(raw);
  if (plain !== null) return plain;
  const parsed = personSchema.safeParse(raw);
  if (!parsed.success) throw new PayloadError(`user record is not an object of the documented shape: ${z.prettifyError(parsed.error)}`);
  const person = parsed.data;
  if (person.type?.toLowerCase() === 'anonymous') return null;
  const username = nonEmpty(person.username);
  const userKey = nonEmpty(person.userKey);
  if (username === null || userKey === null) {
    throw new PayloadError(`user record without ${username === null ? 'username' : 'userKey'}: ${JSON.stringify(raw).slice(0, 200)}`);
  }
  const directory = typeof person.directory === 'string' ? person.directory : (person.directory?.name ?? null);
  const user: ConfluencePerson = {
    accountId: userKey,
    username,
    displayName: nonEmpty(person.displayName) ?? username,
    email: nonEmpty(person.email),
    ...statusOf(person.status),
    directory: nonEmpty(directory),
  };
  return { user, lastLogin: person.lastLogin, hasLastLogin: has(raw, 'lastLogin') };
}

/**
 * A member Person of a group as a GroupMember; null for the anonymous pseudo-user. Only the username and key are
 * needed, and this runs once per membership (250,000 in a large instance), so a well-formed record is read directly
 * and only an unusual one goes through the full Person parse and its errors.
 */
export function mapMember(group: string, raw: unknown): GroupMember | null {
  if (typeof raw === 'object' && raw !== null && 'username' in raw && typeof raw.username === 'string' && raw.username !== '') {
    const type = 'type' in raw ? raw.type : undefined;
    const userKey = 'userKey' in raw ? raw.userKey : undefined;
    if ((type === 'known' || type === 'user') && typeof userKey === 'string' && userKey !== '') {
      return { group, accountId: userKey, username: raw.username };
    }
  }
  const user = mapPerson(raw);
  return user === null ? null : { group, accountId: user.accountId, username: user.username };
}

/** A Group from `/rest/api/group` (or `/groupmember`) as its name. */
export function mapGroupName(raw: unknown): string {
  const parsed = groupSchema.safeParse(raw);
  if (!parsed.success) throw new PayloadError(`group record without a name: ${JSON.stringify(raw).slice(0, 200)}`);
  return parsed.data.name;
}

/** A child group of `parent` as a nesting edge. */
export function mapChildGroup(parent: string, raw: unknown): GroupNesting {
  return { parent, child: mapGroupName(raw) };
}

/**
 * One entry of `/rest/api/admin/users/list/active?expand=lastLogin` as a LoginFact, with its e-mail (the 10.2 docs list
 * `email` there) and whether the `lastLogin` key was sent at all: a page without it anywhere means Confluence did not
 * honour the expansion, which the connector reports instead of reading it as "never logged in". A licensed user sent
 * with `lastLogin: null` gets `null` (never logged in, as far as REST knows). A `lastLogin` that is present but
 * unreadable throws: read as "never", a changed date format would make every licensed user look like a
 * never-logged-in account whose seat can be taken.
 */
export function mapActiveUserLogin(raw: unknown): { readonly fact: LoginFact; readonly lastLoginSent: boolean } | null {
  const person = readPerson(raw);
  if (person === null) return null;
  const absent = person.lastLogin === undefined || person.lastLogin === null || person.lastLogin === '' || isEpochSentinel(person.lastLogin);
  const lastLogin = parseLoginInstant(person.lastLogin);
  if (!absent && lastLogin === null) {
    throw new PayloadError(`unreadable lastLogin ${JSON.stringify(person.lastLogin).slice(0, 80)} for ${person.user.username}`);
  }
  // Which directory a user belongs to is the database's to say; REST never does.
  const fact: LoginFact = { accountId: person.user.accountId, username: person.user.username, lastLogin, createdAt: null, directory: null, email: person.user.email };
  return { fact, lastLoginSent: person.hasLastLogin };
}

type GrantSubject =
  | { readonly kind: 'group'; readonly name: string }
  | { readonly kind: 'user'; readonly username: string | null; readonly userKey: string | null }
  | { readonly kind: 'other' };

function subjectOf(raw: z.infer<typeof subjectSchema> | null | undefined): GrantSubject {
  if (raw === null || raw === undefined) return { kind: 'other' };
  const type = raw.type?.toLowerCase() ?? '';
  if (type === 'group') {
    // The spec documents only {type, displayName}; for a group the display name is the group name.
    const name = nonEmpty(raw.name) ?? nonEmpty(raw.groupName) ?? nonEmpty(raw.group?.name) ?? nonEmpty(raw.displayName);
    return name === null ? { kind: 'other' } : { kind: 'group', name };
  }
  if (type === 'user') {
    // A user's display name is a person's name, not an account: never used as a username.
    const username = nonEmpty(raw.username) ?? nonEmpty(raw.userName) ?? nonEmpty(raw.user?.username) ?? nonEmpty(raw.name);
    const userKey = nonEmpty(raw.userKey) ?? nonEmpty(raw.user?.userKey);
    return { kind: 'user', username, userKey };
  }
  return { kind: 'other' };
}

type GrantKind = 'use' | 'admin' | null;

function grantKind(operation: { targetType?: string | null; operationKey?: string | null }): GrantKind {
  const target = operation.targetType?.toLowerCase();
  const key = operation.operationKey?.toLowerCase();
  if (target === 'application' && key === 'use') return 'use';
  if ((target === 'system' || target === 'application') && key === 'administer') return 'admin';
  return null;
}

/** Global permissions parsed and classified; user subjects keep their key for later resolution. */
export interface ClassifiedGrants {
  readonly useGroups: readonly string[];
  readonly adminGroups: readonly string[];
  readonly useUsers: readonly UserRef[];
  readonly adminUsers: readonly UserRef[];
}

/** A user subject as the permissions API names it: by username, by key, or both. */
export interface UserRef {
  readonly username: string | null;
  readonly userKey: string | null;
}

/**
 * Classifies `GET /rest/api/permissions`: application/use → use, system/administer and
 * application/administer → admin; anonymous and unrelated operations are ignored.
 */
export function classifyGlobalPermissions(raw: unknown): ClassifiedGrants {
  const parsed = z.array(globalPermissionSchema).safeParse(raw);
  if (!parsed.success) throw new PayloadError(`global permissions are not a list of {operation, subject}: ${z.prettifyError(parsed.error)}`);
  const useGroups = new Set<string>();
  const adminGroups = new Set<string>();
  const useUsers = new Map<string, UserRef>();
  const adminUsers = new Map<string, UserRef>();
  for (const entry of parsed.data) {
    const kind = grantKind(entry.operation);
    if (kind === null) continue;
    const subject = subjectOf(entry.subject);
    if (subject.kind === 'group') (kind === 'use' ? useGroups : adminGroups).add(subject.name);
    if (subject.kind === 'user' && (subject.username !== null || subject.userKey !== null)) {
      const ref: UserRef = { username: subject.username, userKey: subject.userKey };
      (kind === 'use' ? useUsers : adminUsers).set(`${ref.username ?? ''}\u0000${ref.userKey ?? ''}`, ref);
    }
  }
  return {
    useGroups: sorted(useGroups),
    adminGroups: sorted(adminGroups),
    useUsers: [...useUsers.values()],
    adminUsers: [...adminUsers.values()],
  };
}

/** Builds PermissionGrants once every user subject has a username. */
export function toPermissionGrants(
  grants: { useGroups: readonly string[]; adminGroups: readonly string[]; useUsers: readonly string[]; adminUsers: readonly string[] },
  source: PermissionGrants['source'],
): PermissionGrants {
  return {
    useGroups: sorted(new Set(grants.useGroups)),
    useUsers: sorted(new Set(grants.useUsers)),
    adminGroups: sorted(new Set(grants.adminGroups)),
    adminUsers: sorted(new Set(grants.adminUsers)),
    source,
  };
}

/**
 * The permissions `/rest/api/permissions/user/{u}` lists as held by the user individually, as `targetType/operationKey`,
 * sorted. Entries whose subject is a group (should the server include inherited grants) do not count; an entry without
 * a subject is the user's own (the route is about one user, and the spec's subject may carry only a display name).
 */
export function individualPermissions(raw: unknown): string[] {
  const parsed = z.array(globalPermissionSchema).safeParse(raw);
  if (!parsed.success) throw new PayloadError(`user permissions are not a list of {operation, subject}: ${z.prettifyError(parsed.error)}`);
  const held = new Set<string>();
  for (const entry of parsed.data) {
    const type = entry.subject?.type?.toLowerCase();
    if (type !== undefined && type !== 'user') continue;
    const targetType = entry.operation.targetType?.toLowerCase();
    const operationKey = entry.operation.operationKey?.toLowerCase();
    if (targetType !== undefined && operationKey !== undefined && targetType !== '' && operationKey !== '') held.add(`${targetType}/${operationKey}`);
  }
  return sorted(held);
}

/** `{count}` from `/rest/license/1.0/license/userCount|maxUsers`; null when absent or negative (unlimited). */
export function mapLicenseCount(raw: unknown): number | null {
  const parsed = licenseCountSchema.safeParse(raw);
  if (!parsed.success) return null;
  const count = parsed.data.count;
  if (count === null || count === undefined || !Number.isInteger(count) || count < 0) return null;
  return count;
}

/** A version as [major, minor, patch], comparable with compareVersions. */
export type Version = readonly [number, number, number];

/** "10.2.1", "9.3.0-m07", "8.5" → [major, minor, patch]; null when it does not start with a number. */
export function parseVersion(raw: string): Version | null {
  const m = /^\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(raw);
  if (m === null) return null;
  return [Number(m[1]), Number(m[2] ?? '0'), Number(m[3] ?? '0')];
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b`. */
export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Whether `version` is at least `minimum`. */
export function atLeast(version: Version, minimum: Version): boolean {
  return compareVersions(version, minimum) >= 0;
}

/** `/rest/api/server-information` → the version string and its parsed form. */
export function mapServerInformation(raw: unknown): { readonly version: string; readonly parsed: Version } {
  const parsed = serverInformationSchema.safeParse(raw);
  if (!parsed.success) throw new PayloadError('server information has no version: is the URL a Confluence Data Center base URL?');
  const version = parseVersion(parsed.data.version);
  if (version === null) throw new PayloadError(`cannot read the Confluence version "${parsed.data.version}"`);
  return { version: parsed.data.version, parsed: version };
}

const manifestSchema = z.object({ version: z.string().min(1), typeId: text, buildNumber: z.union([z.number(), z.string()]).nullish() });

/**
 * `/rest/applinks/1.0/manifest` (every version; 3RD-PARTY: public client code reads its `version`) → the version, or
 * null when the answer is not a manifest with a readable version (a proxy page, another product's manifest is kept:
 * its `typeId` is checked by the caller's message only).
 */
export function mapApplinksManifest(raw: unknown): { readonly version: string; readonly parsed: Version; readonly typeId: string | null } | null {
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) return null;
  const version = parseVersion(parsed.data.version);
  return version === null ? null : { version: parsed.data.version, parsed: version, typeId: parsed.data.typeId ?? null };
}

/**
 * The version from `<meta name="ajs-version-number" content="…">` in a Confluence page (every version; 3RD-PARTY:
 * used by public scripts), or null when the page has none.
 */
export function mapPageMetaVersion(html: unknown): { readonly version: string; readonly parsed: Version } | null {
  if (typeof html !== 'string') return null;
  const tag = /<meta\s[^>]*name\s*=\s*["']ajs-version-number["'][^>]*>/i.exec(html.slice(0, 200_000))?.[0];
  const content = tag === undefined ? undefined : /content\s*=\s*["']([^"']{1,40})["']/i.exec(tag)?.[1];
  if (content === undefined) return null;
  const version = parseVersion(content);
  return version === null ? null : { version: content.trim(), parsed: version };
}

/** `/rest/api/user/current` → the username Seatkeeper connects as, and its key where sent (null: look it up). */
export function mapCurrentUser(raw: unknown): { readonly username: string; readonly userKey: string | null } {
  const parsed = currentUserSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PayloadError('the current user has no username: the credentials were probably not accepted (anonymous session)');
  }
  if (parsed.data.type?.toLowerCase() === 'anonymous') {
    throw new PayloadError('Confluence treats the request as anonymous: check the token / username and password');
  }
  return { username: parsed.data.username, userKey: nonEmpty(parsed.data.userKey) };
}

/** Blank is absent; otherwise the value is kept as sent, since usernames are identities. */
function nonEmpty(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  return value;
}

function sorted(values: Iterable<string>): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
