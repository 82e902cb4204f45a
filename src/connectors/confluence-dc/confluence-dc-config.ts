/** The configuration of one Confluence Data Center instance, as it appears under `instances:` in seatkeeper.yaml. */

import { z } from 'zod';
import { insecureCredentialsProblem } from '../http-safety.ts';

const tokenAuth = z.strictObject({
  /** A personal access token of a Confluence administrator, sent as `Authorization: Bearer`. */
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

/** Zod schema of one `product: confluence-dc` instance; defaults filled in, cross-field rules checked. */
export const confluenceDcConfigSchema = z
  .strictObject({
    product: z.literal('confluence-dc'),
    /** Base URL including any context path, e.g. https://wiki.example.com/confluence. */
    url: z.url({ protocol: /^https?$/, error: 'url must be an http:// or https:// URL' }),
    auth: z.union([tokenAuth, basicAuth], {
      error: 'auth must be { token } or { username, password }',
    }),
    /** Send the credentials over plain http:// to a host other than this machine (refused by default: anyone on the way reads them). */
    allowInsecureHttp: z.boolean().default(false),
    /** `auto`: the groups holding "can use" per the permissions API (9.3+); or the licence groups by name. */
    licenseGroups: z
      .union([z.literal('auto'), z.array(z.string().min(1)).min(1, 'licenseGroups must name at least one group')])
      .default('auto'),
    lastLogin: z.enum(['rest', 'database']).default('rest'),
    database: databaseUrl.optional(),
    concurrency: z.number().int().min(1).max(32).default(4),
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    /** Requested page size; Confluence may cap it lower, which paging handles. */
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
  });

/** One validated Confluence DC instance configuration (defaults applied). */
export type ConfluenceDcConfig = z.infer<typeof confluenceDcConfigSchema>;

/** The configuration as written in the file, before defaults. */
export type ConfluenceDcConfigInput = z.input<typeof confluenceDcConfigSchema>;

/** Authentication as configured: a personal access token or Basic credentials. */
export type ConfluenceDcAuth = ConfluenceDcConfig['auth'];
