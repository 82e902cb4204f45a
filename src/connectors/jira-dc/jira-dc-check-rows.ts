/** The rows of `instance check` for Jira Data Center: each assumption's id and title, in the order they are reported. */

import { checkCatalogue } from '../../app/instance-check.ts';

/** The page size the check asks for everywhere, to see what each route caps it to. */
export const ASKED_MAX_RESULTS = 1000;

/** Jira's rows. */
export const JIRA_CHECKS = checkCatalogue([
  ['version-route', 'version (/rest/api/2/serverInfo)'],
  ['admin-rights', 'credentials and administrator rights'],
  ['active-flag', 'active flag on the user listing'],
  ['email-presence', 'e-mail on the user listing'],
  ['last-login', 'last login: lastLoginTime (REST) or login.lastLoginMillis (database)'],
  ['user-listing', 'user listing: user/list or user/search, and complete?'],
  ['page-caps', `page caps (asked maxResults=${ASKED_MAX_RESULTS})`],
  ['member-lists', 'group member lists: flattened or direct'],
  ['groups-expand', 'expand=groups: effective or direct groups'],
  ['group-names', 'group names Seatkeeper cannot send'],
  ['application-roles', 'application roles and seats'],
  ['database-source', 'database source (database:)'],
  ['writes', 'writes (not tested: read-only check)'],
]);

/** One of Jira's rows, with its title. */
export const jiraRow = JIRA_CHECKS.row;
