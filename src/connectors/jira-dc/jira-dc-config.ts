/**
 * The configuration of one Jira Data Center instance, as it appears under `instances:` in seatkeeper.yaml. Mirrors
 * confluence-dc-config.ts; the Jira-only keys are how users are listed (`userListing`, `userSearchQuery`).
 */

import { z } from 'zod';
import { insecureCredentialsProblem } from '../http-safety.ts';

const tokenAuth = z.strictObject({
  /** A personal access token of a Jira administrator, sent as `Authorization: Bearer`. */
  token: z.string().min(1, 'token must not be empty'),
});

const basicAuth = z.strictObject({
  username: z.string().min(1, 'username must not be empty'),
  password: z.string().min(1, 'password must not be empty'),
});

/** postgres://, postgresql:// or mysql:// (MariaDB speaks the MySQL protocol). */
const databaseUrl = z
  .string()
  .regex(/^(postgres|postgresql|mysql):\/\/\S+$/i, 'database must be a postgres:// or mysql:// URL');

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
    /** Base URL including any context path, e.g. https://jira.example.com/jira. */
    url: z.url({ protocol: /^https?$/, error: 'url must be an http:// or https:// URL' }),
    auth: z.union([tokenAuth, basicAuth], {
      error: 'auth must be { token } or { username, password }',
    }),
    /** Send the credentials over plain http:// to a host other than this machine (refused by default: anyone on the way reads them). */
    allowInsecureHttp: z.boolean().default(false),
    /** rest: `lastLoginTime` of `GET /rest/api/2/user` (in the 10.3 spec; first version unknown); database: `login.lastLoginMillis`. */
    lastLogin: z.enum(['rest', 'database']).default('rest'),
    database: databaseUrl.optional(),
    /**
     * How every user is listed. auto: the cursor stream `/rest/api/2/user/list` (10.3 LTS and 11.0+), falling back to
     * `/rest/api/2/user/search` where the route is missing (404); list or search force one of them.
     */
    userListing: z.enum(['auto', 'list', 'search']).default('auto'),
    /** The match-all `username` value for `/rest/api/2/user/search` (see DEFAULT_USER_SEARCH_QUERY). */
    userSearchQuery: z.string().min(1, 'userSearchQuery must not be empty').max(50).default(DEFAULT_USER_SEARCH_QUERY),
    concurrency: z.number().int().min(1).max(32).default(4),
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    /** Requested page size; user/search is asked for at most 1000 (its documented maximum), paging handles less. */
    pageSize: z.number().int().min(1).max(5_000).default(1000),
    /** After `failures` failed attempts in a row requests pause; trials follow after the cooldown; a run stops after `maxPauseMinutes`. */
    circuitBreaker: z
      .strictObject({
        failures: z.number().int().min(1).max(10_000).default(10),
        cooldownSeconds: z.number().min(0.01).max(3_600).default(30),
        maxPauseMinutes: z.number().min(0.01).max(1_440).default(15),
      })
      .default({ failures: 10, cooldownSeconds: 30, maxPauseMinutes: 15 }),
  })
  .check((ctx) => {
    const insecure = insecureCredentialsProblem(ctx.value.url, true, ctx.value.allowInsecureHttp);
    if (insecure !== null) ctx.issues.push({ code: 'custom', input: ctx.value.url, path: ['url'], message: insecure });
    if (ctx.value.lastLogin === 'database' && ctx.value.database === undefined) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: ['database'],
        message: 'lastLogin: database needs a database: URL (postgres:// or mysql://, read-only account)',
      });
    }
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
