/**
 * The configuration of one Jira Data Center instance, as it appears under `instances:` in seatkeeper.yaml. Mirrors
 * confluence-dc-config.ts; the Jira-only keys are how users are listed (`userListing`, `userSearchQuery`).
 */

import { z } from 'zod';
import { dataCenterInstanceKeys, dataCenterInstanceProblems } from '../http/http-instance-config.ts';

/**
 * The `username` value that makes `GET /rest/api/2/user/search` match every account. UNVERIFIED: Jira documents the
 * parameter only as "a query string used to search username, name or e-mail address". "." is what public admin
 * scripts and modules for Jira Server use (e.g. an Ansible module's documented default: "By default, a '.' is used
 * to search for all users"); "%" is seen in Cloud-era clients. Hence the default, and the option to change it.
 */
export const DEFAULT_USER_SEARCH_QUERY = '.';

/** Zod schema of one `product: jira-dc` instance; defaults filled in, cross-field rules checked. */
export const jiraDcConfigSchema = z
  .strictObject({
    product: z.literal('jira-dc'),
    ...dataCenterInstanceKeys,
    /** rest: `lastLoginTime` of `GET /rest/api/2/user` (in the 10.3 spec; first version unknown); database: `login.lastLoginMillis`. */
    lastLogin: dataCenterInstanceKeys.lastLogin,
    /**
     * How every user is listed. auto: the cursor stream `/rest/api/2/user/list` (10.3 LTS and 11.0+), falling back to
     * `/rest/api/2/user/search` where the route is missing (404); list or search force one of them.
     */
    userListing: z.enum(['auto', 'list', 'search']).default('auto'),
    /** The match-all `username` value for `/rest/api/2/user/search` (see DEFAULT_USER_SEARCH_QUERY). */
    userSearchQuery: z.string().min(1, 'userSearchQuery must not be empty').max(50).default(DEFAULT_USER_SEARCH_QUERY),
    /**
     * The groups holding the ADMINISTER or SYSTEM_ADMIN global permission. Jira's REST API cannot say which groups
     * those are (only `mypermissions`, for the caller), so without a database this list is what protects
     * administrators; absent: the groups Jira creates with them (CONVENTIONAL_ADMIN_GROUPS in jira-dc-connector.ts).
     * With `lastLogin: database` the groups globalpermissionentry names are protected as well.
     */
    adminGroups: z.array(z.string().min(1, 'an admin group name must not be empty')).min(1, 'adminGroups must name at least one group').optional(),
  })
  .check((ctx) => {
    ctx.issues.push(...dataCenterInstanceProblems(ctx.value));
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(ctx.value.userSearchQuery)) {
      ctx.issues.push({ code: 'custom', input: ctx.value.userSearchQuery, path: ['userSearchQuery'], message: 'userSearchQuery must not contain control characters' });
    }
  });

/** One validated Jira DC instance configuration (defaults applied). */
export type JiraDcConfig = z.infer<typeof jiraDcConfigSchema>;

/** The configuration as written in the file, before defaults. */
export type JiraDcConfigInput = z.input<typeof jiraDcConfigSchema>;

/** Authentication as configured: a personal access token or Basic credentials. */
export type JiraDcAuth = JiraDcConfig['auth'];
