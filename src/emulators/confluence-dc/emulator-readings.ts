/**
 * Where Confluence's behaviour is not documented, every plausible reading is an option here, with the
 * reference's words (shared/reference/atlassian-api.md, "Corrections, second review" unless a tag says
 * otherwise) and how sure it is. Defaults are the likeliest reading, never a value made up to pass a test.
 */

/**
 * Spelling of `expand=status`. The values are Atlassian's `UserStatus` enum (CURRENT, DEACTIVATED,
 * EXTERNALLY_DELETED, UNLICENSED: VERIFIED); it is a BaseApiEnum, which "usually serialise[s] lower-case
 * (`current`), but the JSON spelling is not published" (UNVERIFIED). Default 'lower'.
 */
export type StatusCase = 'lower' | 'upper';

/**
 * E-mail on the user routes. Public client code says `/rest/api/user/list` "doesn't give email back by
 * default" (3RD-PARTY); only the 10.2 admin user list documents `email` (VERIFIED, [S2]). Default false:
 * no `email` on `/user/list`, `/user`, `/user/current`, `/group/{g}/member`; true puts it back for
 * administrators, the other reading.
 */
export type EmailOnUserList = boolean;

/**
 * `lastLogin` on the 10.2 admin list: named in the 10.2 docs with "Required lastLogin expansion" (VERIFIED,
 * [S2]); whether every entry carries it is not said. 'absent' leaves the key out even when expanded
 * ("Confluence did not send lastLogin"). Default 'present'.
 */
export type LastLoginField = 'present' | 'absent';

/**
 * `/rest/api/group/{g}/member`: direct members, or flattened (members of descendant groups too). "Not
 * documented. Confluence's 'Managing nested groups' page describes member lists as flattened; embedded
 * Crowd's membership search … resolves nested relationships. Treat flattened as likely." (UNVERIFIED,
 * likely flattened). Default 'flattened'. `/user/memberof` stays direct in both.
 */
export type MemberLists = 'direct' | 'flattened';

/**
 * `GlobalPermission.subject`: the spec documents only `{type, displayName}` ([S1]); "whether user subjects
 * carry `username`/`userKey` is not documented" (UNVERIFIED). 'identified' adds `username`/`userKey` for
 * users and `name` for groups; 'display-name-only' sends exactly the spec's two fields. Default 'identified'.
 */
export type PermissionSubjects = 'identified' | 'display-name-only';

/**
 * Status of a membership write, disable or enable refused because a read-only directory owns the group or
 * the user. "The spec declares only 204 for membership writes. Confluence's answer when a read-only
 * directory owns the membership … [is] not documented" (UNVERIFIED). Default 403.
 */
export type ReadOnlyRefusal = 403 | 400 | 500;

/**
 * What a write that would take a seat beyond `maxUsers` does. "402: Documented only on
 * `POST /rest/api/admin/user` (create user). Adding a user to a licensed group is not documented to refuse
 * when the licence is full." (VERIFIED). 'allow' (default): the write succeeds and seats may exceed
 * `maxUsers`; 'refuse-402': adding to a licensing group, granting "can use" and enabling answer 402 with
 * the create-user message, the other reading.
 */
export type LicenceFull = 'refuse-402' | 'allow';

/** The defaults above, in one place. */
export const DEFAULT_READINGS = {
  statusCase: 'lower',
  emailOnUserList: false,
  lastLoginField: 'present',
  memberLists: 'flattened',
  permissionSubjects: 'identified',
  readOnlyRefusal: 403,
  licenceFull: 'allow',
} as const satisfies {
  statusCase: StatusCase; emailOnUserList: EmailOnUserList; lastLoginField: LastLoginField; memberLists: MemberLists;
  permissionSubjects: PermissionSubjects; readOnlyRefusal: ReadOnlyRefusal; licenceFull: LicenceFull;
};
