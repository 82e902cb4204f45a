/** The rows of `instance check` for Confluence Data Center: each assumption's id and title, in the order they are reported. */

import { checkCatalogue } from '../../app/instance-check.ts';

/** Confluence's rows. */
export const CONFLUENCE_CHECKS = checkCatalogue([
  ['version-route', 'version route'],
  ['admin-rights', 'administrator rights'],
  ['status-values', 'status values (expand=status)'],
  ['email-presence', 'e-mail on the user lists'],
  ['last-login', 'lastLogin on the admin list (10.2+)'],
  ['total-count', 'totalCount on paged answers'],
  ['page-caps', 'page caps (asked limit=1000)'],
  ['member-lists', 'group member lists: direct or flattened'],
  ['permission-subjects', 'permission subjects (9.3+)'],
  ['slash-groups', 'group names with "/"'],
  ['licence-counts', 'licence counts'],
  ['writes', 'writes (not tested: read-only check)'],
]);

/** One of Confluence's rows, with its title. */
export const checkRow = CONFLUENCE_CHECKS.row;
