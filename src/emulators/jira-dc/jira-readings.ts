/**
 * Where Jira Data Center's behaviour is not documented, every plausible reading is an option here, with
 * what was found and how sure it is. Defaults are the likeliest reading, never a value made up to pass a
 * test. Sources: the Jira Software DC 10.3.24 OpenAPI ([S50], shared/specs), Atlassian's docs and KB pages
 * and public tickets found through search (URLs below).
 */

import type { ReadOnlyRefusal } from '../confluence-dc/emulator-readings.ts';

/**
 * `GET /rest/api/2/user/list`. In the 10.3.24 spec (VERIFIED). JRASERVER-78660
 * (https://jira.atlassian.com/browse/JRASERVER-78660) says Jira 10 capped `/user/search` and "we're
 * introducing the /list endpoint … as it becomes available"; public clients probe `/list` first and fall
 * back to `/user/search` on 404 (port-labs/ocean PR #2426, pipeshub-ai PR #2704). Which release added it
 * is not published (UNVERIFIED; not in 9.x docs). 'absent' answers 404 like an older instance.
 */
export type UserListRoute = 'present' | 'absent';

/**
 * `/user/search` limits. The 10.3.24 spec: "defaults to 50. The maximum allowed value is 1000" (VERIFIED).
 * JRASERVER-78520/78660 quote Jira 10 code: "maximum allowed value is 100 (The combination of maxResults and
 * startAt is limited to the first 100 results) … startAt=98 and maxResults=20 … will only return 2 users"
 * (VERIFIED for some Jira 10 builds, contradicting the spec). 'first-100' applies that; default the spec.
 */
export type UserSearchLimit = 'spec-1000' | 'first-100';

/**
 * `username=.` on `/user/search`: widely used as "match all" on Jira Server/DC (public clients and blog
 * posts, e.g. pipeshub-ai PR #2704, cnblogs wgscd/p/12924314; 3RD-PARTY); the spec only says "A query string
 * used to search username, name or e-mail address". 'literal' treats '.' as an ordinary prefix.
 */
export type DotQuery = 'match-all' | 'literal';

/**
 * `/group/member`: the spec says "members of the specified group and its subgroups" (VERIFIED), so
 * 'flattened' is the default; 'direct' is the reading a directory with nested groups switched off shows
 * (Jira's per-directory "Enable nested groups" setting; UNVERIFIED for this route).
 */
export type JiraMemberLists = 'flattened' | 'direct';

/**
 * `expand=groups` on `/user`: the user's direct groups or every group they belong to through nesting.
 * Not documented (UNVERIFIED); embedded Crowd's group search for a user resolves nesting when the directory
 * has nested groups on, so 'effective' is the default.
 */
export type UserGroupsExpand = 'effective' | 'direct';

/**
 * A write that would take a seat beyond an application's `numberOfSeats` (adding to a granting group,
 * `POST /user/application`, reactivating a user).
 * - Jira 9.6 docs "Modify group membership": "If you have a user limited license … and have reached your
 *   user limit, you will not be able to assign any further users to groups with log in permissions (i.e.
 *   application access)" (VERIFIED for the UI).
 * - KB "What happens when I reach my licenses user limit in JIRA" (confluence.atlassian.com/jirakb/…374997459):
 *   new users are still created, without access (VERIFIED, old versions).
 * - The REST status of the refusal is not documented; Jira's REST layer turns validation errors into 400
 *   with an ErrorCollection (spec: 400 "Returned if the request is invalid"), so 'refuse-400' is the default;
 *   'refuse-403' and 'allow' (REST not checking, seats over the limit, as KB pages on "exceeded" licences
 *   describe) are the other readings. All UNVERIFIED for REST.
 */
export type JiraLicenceFull = 'refuse-400' | 'refuse-403' | 'allow';

/**
 * `lastLoginTime` on UserBean: in the 10.3.24 spec with the example "2023-08-30T16:37:01+1000" (VERIFIED);
 * its first version is unknown (JRASERVER-43782 was still "Gathering Interest" in the copy the reference
 * read). 'absent' leaves it out, as an instance without it would.
 */
export type LastLoginTimeField = 'present' | 'absent';

/**
 * `GET /rest/api/2/mypermissions?permissions=…`: the 10.3.24 spec declares only projectKey, projectId,
 * issueKey, issueId and says it "Returns all permissions in the system" (VERIFIED). `permissions` is a Jira
 * Cloud parameter; whether DC honours it is UNVERIFIED. 'ignored' (default) answers every permission;
 * 'filters' answers only the listed keys.
 */
export type MyPermissionsFilter = 'ignored' | 'filters';

/**
 * `/group/member` page size. The 10.3.24 spec documents `maxResults` without a default or a maximum. Public
 * clients written against Jira Server say the route hands out at most 50 a page: JiraPS ("in testing, JIRA
 * doesn't reliably return more than 50 results at a time", Get-JiraGroupMember) and PowerJira ("This is
 * hard-limited to 50", Invoke-JiraGetGroupUsers); pycontribs/jira#338 and JiraPS#14 report 50 members
 * (3RD-PARTY, several independent). 'cap-50' (default) keeps at most 50; 'as-asked' honours maxResults, as
 * Jira Cloud's workaround in JRACLOUD-69614 (maxResults=500) suggests some deployments do (UNVERIFIED for DC).
 */
export type GroupMemberCap = 'cap-50' | 'as-asked';

/**
 * `/user/list` page size: the spec says only "defaults to 2000" (VERIFIED). Whether a larger maxResults is
 * honoured is not documented (UNVERIFIED either way). 'cap-2000' (default) keeps at most 2000; 'as-asked'
 * honours maxResults.
 */
export type UserListCap = 'cap-2000' | 'as-asked';

/**
 * `remainingSeats` of an application with unlimited seats. `numberOfSeats` is -1 there (Atlassian's licence
 * API writes -1 for unlimited users; a public decoder test of go-atlassian's ApplicationRoleScheme records
 * `{"numberOfSeats":-1,"remainingSeats":-1,"hasUnlimitedSeats":true}` as what an unlimited plan reports:
 * mondoo mql, 3RD-PARTY, hand-written). Whether Jira special-cases remainingSeats too or subtracts the user
 * count from -1 is not documented: 'minus-one' (default, the one public example) or 'computed'
 * (`-1 - userCount`). Either way `hasUnlimitedSeats: true` is what says unlimited.
 */
export type UnlimitedRemainingSeats = 'minus-one' | 'computed';

/** All readings of one emulated instance. */
export interface JiraReadings {
  readonly userListRoute: UserListRoute;
  readonly userSearchLimit: UserSearchLimit;
  readonly dotQuery: DotQuery;
  readonly memberLists: JiraMemberLists;
  readonly userGroupsExpand: UserGroupsExpand;
  readonly licenceFull: JiraLicenceFull;
  readonly lastLoginTimeField: LastLoginTimeField;
  readonly myPermissionsFilter: MyPermissionsFilter;
  /**
   * Status of a write refused because a read-only LDAP directory owns the user or group (rename, profile,
   * deactivate, membership of a synchronised group). Not documented; the spec lists 400 and 403 for these
   * writes (UNVERIFIED which). Default 403, as the Confluence emulator's reading. Against it: a public copy
   * of Jira's DefaultUserService (6.x) refuses an update in a read-only directory as a validation error
   * (`admin.errors.cannot.edit.user.directory.read.only` in the ErrorCollection), which Jira's REST resources
   * answer with 400 (3RD-PARTY, old source): under that reading set 400.
   */
  readonly readOnlyRefusal: ReadOnlyRefusal;
  /**
   * `maxResults` of `/groups/picker` when not given. Jira takes its autocomplete limit (application property
   * `jira.ajax.autocomplete.limit`, default 20 in Jira's admin docs "Configuring advanced settings"; 3RD-PARTY
   * for this route). The picker has no paging, so a listing needs a large maxResults.
   */
  readonly groupPickerDefault: number;
  readonly groupMemberCap: GroupMemberCap;
  readonly userListCap: UserListCap;
  readonly unlimitedRemainingSeats: UnlimitedRemainingSeats;
}

/** The defaults above, in one place. */
export const DEFAULT_JIRA_READINGS: JiraReadings = {
  userListRoute: 'present',
  userSearchLimit: 'spec-1000',
  dotQuery: 'match-all',
  memberLists: 'flattened',
  userGroupsExpand: 'effective',
  licenceFull: 'refuse-400',
  lastLoginTimeField: 'present',
  myPermissionsFilter: 'ignored',
  readOnlyRefusal: 403,
  groupPickerDefault: 20,
  groupMemberCap: 'cap-50',
  userListCap: 'cap-2000',
  unlimitedRemainingSeats: 'minus-one',
};
