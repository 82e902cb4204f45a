/** Instances (with licence use from the newest complete scan) and scans: list, show, start (202, poll the scan). */

import { z } from 'zod';
import type { ApiApp, ApiDeps } from './api-deps.ts';
import { scanInstance } from '../app/scan-instance.ts';
import { NotFound } from '../domain/errors.ts';
import { ConnectorError } from '../app/connector-error.ts';
import { unreachableReport } from '../app/instance-check.ts';
import { checkInstance } from '../runtime/instance-registry.ts';
import { redactSecrets } from '../domain/secret-redaction.ts';
import { idParams, instanceResource, scanResource, toScan } from './api-resources.ts';
import { answerWrite, noteAudit } from './api-writes.ts';
import { startAndFind } from './background-work.ts';
import { problemSchema } from './problem-details.ts';

const checkReport = z
  .object({
    instance: z.string(),
    version: z.string().nullable(),
    verdict: z.enum(['pass', 'warn', 'fail']),
    rows: z.array(z.object({ id: z.string(), title: z.string(), verdict: z.string(), saw: z.string() })),
    error: z.string().nullable(),
  })
  .meta({ id: 'InstanceCheck' });

const instanceQuery = z.object({ instance: z.string().min(1).max(100).optional(), limit: z.coerce.number().int().min(1).max(200).default(20) });

/** Registers the instance listing and the live check of one instance. */
export function instanceRoutes(app: ApiApp, deps: ApiDeps): void {
  const { runtime } = deps;
  app.get(
    '/api/v1/instances',
    { config: { access: 'viewer' }, schema: { tags: ['instances'], summary: 'The configured instances, with licence use from the newest complete scan', response: { 200: z.array(instanceResource) } } },
    async () => {
      const ids = Object.keys(runtime.config.instances).sort();
      return Promise.all(
        ids.map(async (id) => {
          const settings = runtime.config.instances[id];
          const scan = await runtime.store.scans.latest(id, { status: 'complete' });
          return {
            id,
            product: settings?.product ?? 'unknown',
            url: settings?.url ?? '',
            licence: scan === null ? null : { scanId: scan.id, scannedAt: scan.startedAt, used: scan.license.used, max: scan.license.max },
          };
        }),
      );
    },
  );

  app.get(
    '/api/v1/instances/:id/check',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['instances'],
        summary: 'Test the connection and each assumption Seatkeeper makes against the live instance (GET requests only)',
        params: idParams,
        response: { 200: checkReport, 400: problemSchema },
      },
    },
    async (request) => {
      const id = runtime.resolveInstance(request.params.id);
      const config = runtime.config.instances[id];
      if (config === undefined) throw new NotFound(`no instance ${id}`);
      try {
        const unwritableGroups = await runtime.store.unwritableGroups.list(id);
        const { report } = await checkInstance({ instanceId: id, config, unwritableGroups });
        return { ...report, rows: report.rows.map((row) => ({ ...row })) };
      } catch (error) {
        if (!(error instanceof ConnectorError)) throw error;
        // An unreachable instance is a report saying so (as `instance check` prints it), not an error of the API.
        return { ...unreachableReport(id, redactSecrets(`${error.target}: ${error.message}`)), rows: [] };
      }
    },
  );
}

/** Registers the scan listing, one scan, and starting a scan. */
export function scanRoutes(app: ApiApp, deps: ApiDeps): void {
  const { runtime } = deps;
  app.get(
    '/api/v1/scans',
    { config: { access: 'viewer' }, schema: { tags: ['scans'], summary: 'Scans of one instance (or each), newest first', querystring: instanceQuery, response: { 200: z.array(scanResource) } } },
    async (request) => {
      const instances = request.query.instance === undefined ? runtime.resolveInstances() : [runtime.resolveInstance(request.query.instance)];
      const scans = (await Promise.all(instances.map((i) => runtime.store.scans.recent(i, request.query.limit)))).flat();
      return scans.sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, request.query.limit).map(toScan);
    },
  );

  app.get(
    '/api/v1/scans/:id',
    { config: { access: 'viewer' }, schema: { tags: ['scans'], params: idParams, response: { 200: scanResource, 404: problemSchema } } },
    async (request) => {
      const scan = await runtime.store.scans.get(request.params.id);
      if (scan === null) throw new NotFound(`no scan ${request.params.id}`);
      return toScan(scan);
    },
  );

  app.post(
    '/api/v1/scans',
    {
      config: { access: 'operator', action: 'scan.start' },
      schema: {
        tags: ['scans'],
        summary: 'Start a scan of an instance: 202 with the scan, to poll until it is complete or incomplete',
        body: z.object({ instance: z.string().min(1).max(100).optional() }),
        response: { 202: scanResource, 400: problemSchema, 502: problemSchema },
      },
    },
    async (request, reply) =>
      answerWrite(request, reply, deps, async () => {
        const instance = runtime.resolveInstance(request.body.instance);
        noteAudit(request, { target: instance });
        const before = (await runtime.store.scans.recent(instance, 1))[0]?.id ?? null;
        const work = runtime.withConnector(instance, deps.log, (connector) =>
          scanInstance({ connector, store: runtime.store, clock: runtime.clock, concurrency: runtime.concurrency(instance), mustRead: runtime.groupsToRead(instance) }),
        );
        deps.background.track(`scan of ${instance}`, work);
        const scan = await startAndFind(work, async () => {
          const newest = (await runtime.store.scans.recent(instance, 1))[0] ?? null;
          return newest !== null && newest.id !== before ? newest : null;
        });
        noteAudit(request, { detail: { scanId: scan.id } });
        return { statusCode: 202, body: toScan(scan) };
      }),
  );
}
