/** Admin accounts and tokens through the API, for admins: list accounts, disable one, issue a token for oneself. */

import { z } from 'zod';
import type { ApiApp, ApiDeps } from './api-deps.ts';
import { disableAdmin } from '../app/admin-accounts.ts';
import { issueToken, MAX_TOKEN_DAYS } from '../app/api-tokens.ts';
import { Conflict, InvalidInput, NotAllowed } from '../domain/errors.ts';
import { ROLES, TOKEN_SCOPES } from '../domain/access-role.ts';
import { answerWrite, noteAudit } from './api-writes.ts';
import { problemSchema } from './problem-details.ts';

const account = z
  .object({ name: z.string(), role: z.enum(ROLES), disabled: z.boolean(), createdAt: z.string(), disabledAt: z.string().nullable() })
  .meta({ id: 'AdminAccount' });
const nameParams = z.object({ name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/) });

/** Registers the account and token routes (admins only). */
export function adminRoutes(app: ApiApp, deps: ApiDeps): void {
  const { runtime, clock } = deps;
  app.get(
    '/api/v1/admins',
    { config: { access: 'admin' }, schema: { tags: ['admins'], summary: 'The admin accounts (never their password hashes)', response: { 200: z.array(account) } } },
    async () => (await runtime.store.admins.list()).map((a) => ({ name: a.name, role: a.role, disabled: a.disabled, createdAt: a.createdAt, disabledAt: a.disabledAt })),
  );

  app.post(
    '/api/v1/admins/:name/disable',
    {
      config: { access: 'admin', action: 'admin.disable' },
      schema: {
        tags: ['admins'],
        summary: 'Disable an account: its sessions end and its tokens stop at once',
        params: nameParams,
        response: { 204: z.null(), 404: problemSchema, 409: problemSchema },
      },
    },
    async (request, reply) =>
      answerWrite(request, reply, deps, async () => {
        const { name } = request.params;
        noteAudit(request, { target: name });
        // An admin locking themselves out through the API is a mistake; the host's CLI can still do it on purpose.
        if (request.principal?.admin.toLowerCase() === name.toLowerCase()) throw new Conflict('an admin cannot disable their own account through the API');
        await disableAdmin({ store: runtime.store, clock }, name);
        return { statusCode: 204, body: null };
      }),
  );

  app.post(
    '/api/v1/tokens',
    {
      config: { access: 'admin', action: 'token.create' },
      schema: {
        tags: ['admins'],
        summary: 'Issue an API token for the calling admin; the secret is in this answer only',
        body: z.object({ scope: z.enum(TOKEN_SCOPES), expiresDays: z.number().int().min(1).max(MAX_TOKEN_DAYS) }),
        response: { 201: z.object({ token: z.string(), id: z.string(), scope: z.enum(TOKEN_SCOPES), expiresAt: z.string() }), 400: problemSchema, 403: problemSchema },
      },
    },
    async (request, reply) => {
      // Not under an Idempotency-Key: the stored answer would keep the token's secret in the store.
      if (request.headers['idempotency-key'] !== undefined) throw new InvalidInput('Idempotency-Key is not accepted here: a token\'s secret is never stored, so its answer cannot be replayed');
      const principal = request.principal;
      if (principal === null) throw new NotAllowed('issuing a token needs an authenticated admin');
      const { token, record } = await issueToken({ store: runtime.store, clock }, { admin: principal.admin, ...request.body });
      noteAudit(request, { target: principal.admin, detail: { tokenId: record.id, scope: record.scope } });
      return reply.code(201).send({ token, id: record.id, scope: record.scope, expiresAt: record.expiresAt });
    },
  );
}
