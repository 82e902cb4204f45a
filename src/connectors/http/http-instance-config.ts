/**
 * The keys every Atlassian Data Center instance shares under `instances:` (url, auth, plain-http consent, database,
 * concurrency, timeouts, paging, circuit breaker) and the cross-field rules on them. Each product's config adds its own
 * keys and its `product` literal (confluence-dc-config.ts, jira-dc-config.ts).
 */

import { z } from 'zod';
import { insecureCredentialsProblem } from '../http-safety.ts';

/** A personal access token of an administrator, sent as `Authorization: Bearer`. */
const tokenAuth = z.strictObject({ token: z.string().min(1, 'token must not be empty') });

const basicAuth = z.strictObject({
  username: z.string().min(1, 'username must not be empty'),
  password: z.string().min(1, 'password must not be empty'),
});

/** postgres://, postgresql:// or mysql:// (MariaDB speaks the MySQL protocol). */
const databaseUrl = z.string().regex(/^(postgres|postgresql|mysql):\/\/\S+$/i, 'database must be a postgres:// or mysql:// URL');

/** The shared keys, to spread into a product's `z.strictObject({ product, ...dataCenterInstanceKeys, … })`. */
export const dataCenterInstanceKeys = {
  /** Base URL including any context path, e.g. https://wiki.example.com/confluence. */
  url: z.url({ protocol: /^https?$/, error: 'url must be an http:// or https:// URL' }),
  auth: z.union([tokenAuth, basicAuth], { error: 'auth must be { token } or { username, password }' }),
  /** Send the credentials over plain http:// to a host other than this machine (refused by default: anyone on the way reads them). */
  allowInsecureHttp: z.boolean().default(false),
  lastLogin: z.enum(['rest', 'database']).default('rest'),
  /** Read-only database account, for `lastLogin: database`. */
  database: databaseUrl.optional(),
  concurrency: z.number().int().min(1).max(32).default(4),
  timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  /** Requested page size; the instance may cap it lower, which paging handles. */
  pageSize: z.number().int().min(1).max(5_000).default(1000),
  /** After `failures` failed attempts in a row requests pause; trials follow after the cooldown; a run stops after `maxPauseMinutes`. */
  circuitBreaker: z
    .strictObject({
      failures: z.number().int().min(1).max(10_000).default(10),
      cooldownSeconds: z.number().min(0.01).max(3_600).default(30),
      maxPauseMinutes: z.number().min(0.01).max(1_440).default(15),
    })
    .default({ failures: 10, cooldownSeconds: 30, maxPauseMinutes: 15 }),
};

/** A problem with one key, as zod's `check` wants it pushed. */
export type InstanceConfigProblem = { readonly code: 'custom'; readonly input: unknown; readonly path: string[]; readonly message: string };

/** The cross-field rules of the shared keys: credentials over plain http, and `lastLogin: database` without a database. */
export function dataCenterInstanceProblems(value: { url: string; allowInsecureHttp: boolean; lastLogin: 'rest' | 'database'; database?: string | undefined }): InstanceConfigProblem[] {
  const problems: InstanceConfigProblem[] = [];
  const insecure = insecureCredentialsProblem(value.url, true, value.allowInsecureHttp);
  if (insecure !== null) problems.push({ code: 'custom', input: value.url, path: ['url'], message: insecure });
  if (value.lastLogin === 'database' && value.database === undefined) {
    problems.push({
      code: 'custom',
      input: value,
      path: ['database'],
      message: 'lastLogin: database needs a database: URL (postgres:// or mysql://, read-only account)',
    });
  }
  return problems;
}
