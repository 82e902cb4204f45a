/** `kind: http` directories: any HTTP source that lists people as JSON (an HR export, an internal API). */

import { z } from 'zod';
import { insecureCredentialsProblem } from '../../http-safety.ts';

/** Zod schema of one `kind: http` directory under `directories:` in seatkeeper.yaml. */
export const httpDirectoryConfigSchema = z.strictObject({
  kind: z.literal('http'),
  /** Returns a JSON array of people, or an object with the array under `results`, `users` or `people`. */
  url: z.url({ protocol: /^https?$/, error: 'url must be an http:// or https:// URL' }),
  auth: z
    .union([z.strictObject({ token: z.string().min(1) }), z.strictObject({ username: z.string().min(1), password: z.string().min(1) })])
    .optional(),
  /** Which Confluence field (`user`) is compared with which field of a person (`directory`). */
  match: z
    .strictObject({ user: z.enum(['username', 'email']).default('username'), directory: z.string().min(1).default('username') })
    .default({ user: 'username', directory: 'username' }),
  /** The field that says whether a person is active: a boolean, or a string compared with activeValues. */
  status: z
    .strictObject({ field: z.string().min(1).default('active'), activeValues: z.array(z.string()).default(['active', 'enabled', 'true']) })
    .default({ field: 'active', activeValues: ['active', 'enabled', 'true'] }),
  timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  /** Send the credentials over plain http:// to a host other than this machine (refused by default). */
  allowInsecureHttp: z.boolean().default(false),
}).check((ctx) => {
  const insecure = insecureCredentialsProblem(ctx.value.url, ctx.value.auth !== undefined, ctx.value.allowInsecureHttp);
  if (insecure !== null) ctx.issues.push({ code: 'custom', input: ctx.value.url, path: ['url'], message: insecure });
});

export type HttpDirectoryConfig = z.infer<typeof httpDirectoryConfigSchema>;
