/** Groups an instance refused to change: listed, and forgotten (as `instance forget-group`) so plans propose them again. */

import { z } from 'zod';
import type { ApiApp, ApiDeps } from './api-deps.ts';
import { forgetUnwritableGroup } from '../app/unwritable-groups.ts';
import { idParams } from './api-resources.ts';
import { answerWrite, noteAudit } from './api-writes.ts';
import { problemSchema } from './problem-details.ts';

const unwritableGroup = z.object({ group: z.string(), message: z.string(), refusedAt: z.string() }).meta({ id: 'UnwritableGroup' });

/** Registers the unwritable-group routes. */
export function unwritableGroupRoutes(app: ApiApp, deps: ApiDeps): void {
  const { runtime } = deps;
  app.get(
    '/api/v1/instances/:id/unwritable-groups',
    {
      config: { access: 'viewer' },
      schema: { tags: ['instances'], summary: 'Groups the instance refused to change, whose memberships plans leave alone', params: idParams, response: { 200: z.array(unwritableGroup), 400: problemSchema } },
    },
    async (request) => (await runtime.store.unwritableGroups.list(runtime.resolveInstance(request.params.id))).map((g) => ({ ...g })),
  );

  app.post(
    '/api/v1/instances/:id/forget-group',
    {
      config: { access: 'operator', action: 'instance.forget-group' },
      schema: {
        tags: ['instances'],
        summary: 'Forget that the instance refused to change a group (e.g. once its directory is writable): plans propose it again',
        params: idParams,
        body: z.object({ group: z.string().min(1).max(255) }),
        response: { 204: z.null(), 400: problemSchema },
      },
    },
    async (request, reply) =>
      answerWrite(request, reply, deps, async () => {
        const instance = runtime.resolveInstance(request.params.id);
        noteAudit(request, { target: instance, detail: { group: request.body.group } });
        await forgetUnwritableGroup(runtime.store, { instance, group: request.body.group });
        return { statusCode: 204, body: null };
      }),
  );
}
