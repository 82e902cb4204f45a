/**
 * The JSON shapes Jira DC answers with. Field names come from the 10.3.24 spec's schemas ([S50]): UserBean,
 * UserJsonBean, GroupJsonBean, ApplicationRoleBean, StreamPageBean, PageBean, GroupSuggestionsBean,
 * PermissionsJsonBean, ErrorCollection. Where a schema is empty or generated oddly (ServerInfoBean `{}`,
 * SimpleListWrapper without `items`) the comment says where the shape comes from instead.
 */

import type { JiraApplicationRole, JiraGroup, JiraUser } from './jira-model.ts';
import type { UnlimitedRemainingSeats } from './jira-readings.ts';

/** A failure a route handler raises; the server turns it into an ErrorCollection response. */
export class JiraRestFailure extends Error {
  override readonly name = 'JiraRestFailure';
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * ErrorCollection `{errorMessages: [...], errors: {field: message}}` (spec schema, VERIFIED fields): a
 * message tied to a field goes into `errors`, any other into `errorMessages`.
 */
export function errorCollectionJson(message: string, field?: string): Record<string, unknown> {
  return field === undefined ? { errorMessages: [message], errors: {} } : { errorMessages: [], errors: { [field]: message } };
}

/**
 * `lastLoginTime` as the spec's example writes it, "2023-08-30T16:37:01+1000": seconds, no fraction, offset
 * without a colon (Java's `yyyy-MM-dd'T'HH:mm:ssZ`; VERIFIED form, from one example). `offsetMinutes` is the
 * server's time zone, east of UTC.
 */
export function formatLastLoginTime(at: Date, offsetMinutes: number): string {
  const shifted = new Date(at.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const abs = Math.abs(offsetMinutes);
  return `${shifted}${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

/** `self` of a user: the spec's examples use `/rest/api/2/user?username=fred`. */
export function userSelf(base: string, user: JiraUser): string {
  return `${base}/rest/api/2/user?username=${encodeURIComponent(user.username)}`;
}

/** `avatarUrls` exactly as the spec's UserBean example builds them: `/secure/useravatar?size=…&ownerId=…`. */
function avatarUrls(base: string, user: JiraUser): Record<string, string> {
  const owner = encodeURIComponent(user.key);
  return {
    '48x48': `${base}/secure/useravatar?size=large&ownerId=${owner}`,
    '24x24': `${base}/secure/useravatar?size=small&ownerId=${owner}`,
    '16x16': `${base}/secure/useravatar?size=xsmall&ownerId=${owner}`,
    '32x32': `${base}/secure/useravatar?size=medium&ownerId=${owner}`,
  };
}

/**
 * UserJsonBean: what lists of users carry (`/user/search`, `/group/member`, `/user/list`). `timeZone` is the
 * emulated server's default zone, UTC (the spec's example is a user's own zone, "Australia/Sydney").
 */
export function userJson(base: string, user: JiraUser): Record<string, unknown> {
  return {
    self: userSelf(base, user),
    key: user.key,
    name: user.username,
    emailAddress: user.email,
    avatarUrls: avatarUrls(base, user),
    displayName: user.displayName,
    active: user.active,
    timeZone: 'UTC',
  };
}

/** What a UserBean adds, per request. */
export interface UserBeanExtras {
  /** Groups for `expand=groups`, or null when not expanded. */
  readonly groups: readonly JiraGroup[] | null;
  /** Roles for `expand=applicationRoles`, or null when not expanded. */
  readonly applicationRoles: readonly JiraApplicationRole[] | null;
  /** Offset of lastLoginTime, or null to leave the field out. */
  readonly lastLoginOffsetMinutes: number | null;
}

/**
 * UserBean (`/user`, `/myself`). `groups`/`applicationRoles` are SimpleListWrappers; the spec lists `size`
 * and `maxResults` but no element field, so `items` follows Atlassian's older REST docs example for
 * `expand=groups` (`{"size":3,"items":[{"name":…,"self":…}]}`; 3RD-PARTY as far as the 10.3 spec goes).
 * Unexpanded, Jira sends `{size, items: []}`; `expand` names what could be expanded.
 */
export function userBeanJson(base: string, user: JiraUser, extras: UserBeanExtras): Record<string, unknown> {
  const bean: Record<string, unknown> = { ...userJson(base, user), deleted: false, locale: 'en_US' } // en_US: the emulated server's default locale;
  const groups = extras.groups ?? [];
  bean['groups'] = { size: groups.length, items: extras.groups === null ? [] : groups.map((group) => groupJson(base, group)) };
  const roles = extras.applicationRoles ?? [];
  bean['applicationRoles'] = { size: roles.length, items: extras.applicationRoles === null ? [] : roles.map((role) => ({ key: role.key, name: role.name })) };
  if (extras.lastLoginOffsetMinutes !== null && user.lastLogin !== null) {
    bean['lastLoginTime'] = formatLastLoginTime(user.lastLogin, extras.lastLoginOffsetMinutes);
  }
  bean['expand'] = 'groups,applicationRoles';
  return bean;
}

/** GroupJsonBean; `self` as the spec's example `…/rest/api/2/group?groupname=jira-administrators`. */
export function groupJson(base: string, group: JiraGroup): Record<string, unknown> {
  return { name: group.name, self: `${base}/rest/api/2/group?groupname=${encodeURIComponent(group.name)}` };
}

/**
 * ApplicationRoleBean with every field the spec lists. Unlimited: `numberOfSeats` -1, `remainingSeats` per the
 * `unlimitedRemainingSeats` reading (jira-readings.ts, with its sources). `userCountDescription` as the spec's
 * example ("5 developers" for Software); other roles say "users" / "agents" (UNVERIFIED wording).
 */
export function applicationRoleJson(role: JiraApplicationRole, selectedByDefault: boolean, unlimitedRemaining: UnlimitedRemainingSeats = 'minus-one'): Record<string, unknown> {
  const unlimited = role.numberOfSeats < 0;
  const noun = role.key === 'jira-software' ? 'developers' : role.key === 'jira-servicedesk' ? 'agents' : 'users';
  return {
    key: role.key,
    groups: role.groups,
    name: role.name,
    defaultGroups: role.defaultGroups,
    selectedByDefault,
    defined: true,
    numberOfSeats: unlimited ? -1 : role.numberOfSeats,
    remainingSeats: unlimited ? (unlimitedRemaining === 'minus-one' ? -1 : -1 - role.userCount) : role.numberOfSeats - role.userCount,
    userCount: role.userCount,
    userCountDescription: `${role.userCount} ${noun}`,
    hasUnlimitedSeats: unlimited,
    platform: false,
  };
}

/**
 * GroupSuggestionsBean: `header` "Showing 20 of 25 matching groups" and GroupSuggestionBean `html` with the
 * match in `<b>` (spec examples, VERIFIED wording); `labels` empty (no group labels emulated).
 */
export function groupSuggestionsJson(matching: readonly JiraGroup[], shown: readonly JiraGroup[], query: string): Record<string, unknown> {
  return {
    header: `Showing ${shown.length} of ${matching.length} matching groups`,
    total: matching.length,
    groups: shown.map((group) => ({ name: group.name, html: highlight(group.name, query), labels: [] })),
  };
}

function highlight(name: string, query: string): string {
  const escaped = escapeHtml(name);
  if (query === '') return escaped;
  const at = name.toLowerCase().indexOf(query.toLowerCase());
  if (at < 0) return escaped;
  return `${escapeHtml(name.slice(0, at))}<b>${escapeHtml(name.slice(at, at + query.length))}</b>${escapeHtml(name.slice(at + query.length))}`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
