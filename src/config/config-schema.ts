/** The schema of seatkeeper.yaml (shared/DESIGN.md): every key, its default, and the rules across keys. */

import { z } from 'zod';
import { DIRECTORY_SCHEMAS, INSTANCE_SCHEMAS, PRODUCTS, PRODUCTS_TO_COME } from './connector-schemas.ts';
import { lifecycleConfigIssues, lifecycleConfigSchema, noticesConfigSchema } from './lifecycle-config.ts';

const SYSTEM_TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'ids use letters, digits, "-", "_" and "."');
const names = z.array(z.string().min(1)).default([]);

/** One instance: the schema of its `product` (connector-schemas.ts). */
const instanceSchema = z.discriminatedUnion('product', INSTANCE_SCHEMAS, {
  error: (issue) => (issue.code === 'invalid_union' ? `product must be ${PRODUCTS.join(' or ')} (${PRODUCTS_TO_COME})` : undefined),
});

/** Connected directory kinds are strictly validated; the others are accepted and connected later (connector-schemas.ts). */
const directorySchema = z.discriminatedUnion('kind', DIRECTORY_SCHEMAS);

const policySchema = z.strictObject({
  instance: id,
  /** The one application whose seats the policy frees (e.g. jira-software); absent = every application of the instance. */
  application: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'application is an application key such as jira-software or jira-servicedesk').optional(),
  select: z.strictObject({
    inactiveDays: z.number().int().min(1).optional(),
    neverLoggedInDays: z.number().int().min(0).optional(),
    directories: names,
    group: z.string().min(1).optional(),
    /** Only users whose e-mail is in one of these domains (e.g. after an acquisition). */
    emailDomains: z.array(z.string().regex(/^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, 'emailDomains are domain names such as example.com')).default([]),
    orgStatus: z.array(z.enum(['not-found', 'disabled'])).optional(),
    via: id.optional(),
  }),
  exclude: z.strictObject({ users: names, groups: names, directories: names }).default({ users: [], groups: [], directories: [] }),
  actions: z
    .strictObject({
      removeGroups: z
        .union([z.enum(['license', 'all', 'none']), z.array(z.string().min(1)).min(1)], {
          error: 'removeGroups must be license, all, none or a list of group names',
        })
        .default('license'),
      addGroups: names,
      deactivate: z.boolean().default(false),
      rename: z.string().includes('{username}', { error: 'rename must contain {username}' }).optional(),
    })
    .default({ removeGroups: 'license', addGroups: [], deactivate: false }),
  schedule: z.string().min(9).default('0 3 * * *'),
  /** Staged lifecycle: notice → unlicense (the actions above) → deactivate → rename (lifecycle-config.ts). */
  lifecycle: lifecycleConfigSchema.optional(),
});

const safetySchema = z.strictObject({
  maxActions: z.number().int().min(0).default(500),
  maxPercent: z.number().min(0).max(100).default(20),
  maxShrinkPercent: z.number().min(0).max(100).default(10),
  /** Break-glass accounts and groups no policy may touch. */
  protectedUsers: names,
  protectedGroups: names,
  /** The documented name for break-glass accounts and groups; merged with protectedUsers/protectedGroups. */
  breakGlass: z.strictObject({ users: names, groups: names }).default({ users: [], groups: [] }),
  /** The approver of a plan over a limit must be someone other than its maker and its policies' last changers. */
  fourEyes: z.boolean().default(false),
  /** A plan older than this may be neither approved nor applied (fractions allowed). */
  planTtlHours: z.number().positive().default(24),
  /** No plan may leave fewer active administrators than this. */
  minAdmins: z.number().int().min(0).default(2),
});

const SAFETY_DEFAULTS = {
  maxActions: 500,
  maxPercent: 20,
  maxShrinkPercent: 10,
  protectedUsers: [],
  protectedGroups: [],
  breakGlass: { users: [], groups: [] },
  fourEyes: false,
  planTtlHours: 24,
  minAdmins: 2,
};

/**
 * The REST API of `seatkeeper serve`. It listens only when `listen` is given; its host is loopback unless named, and
 * its port is `port` unless `listen.port` says otherwise (0: any free port, which serve prints).
 */
const serverSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).default(8080),
  listen: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).optional(),
    })
    .optional(),
  /** Sign-in sessions end after this long without a request, and this long after sign-in whatever happens. */
  session: z
    .strictObject({ idleMinutes: z.number().positive().max(24 * 60).default(30), absoluteHours: z.number().positive().max(7 * 24).default(12) })
    .refine((s) => s.idleMinutes <= s.absoluteHours * 60, { message: 'server.session.idleMinutes must not exceed absoluteHours', path: ['idleMinutes'] })
    .default({ idleMinutes: 30, absoluteHours: 12 }),
  /** The largest request body accepted, in bytes. */
  bodyLimitBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(256 * 1024),
  /** Sign-in attempts allowed per client address per minute. */
  signInPerMinute: z.number().int().min(1).max(1000).default(5),
  /** Serve the OpenAPI document and /api/docs to anyone who can reach the API (false: neither is served). */
  docs: z.boolean().default(true),
});

const SERVER_DEFAULTS = { port: 8080, session: { idleMinutes: 30, absoluteHours: 12 }, bodyLimitBytes: 256 * 1024, signInPerMinute: 5, docs: true };

/**
 * The whole configuration, validated. Cross-references are checked even when other keys are wrong (`when`), so every
 * problem is listed at once; that check therefore reads the values defensively.
 */
export const configSchema = z
  .strictObject({
    store: z
      .string()
      .regex(/^(sqlite:|postgres:\/\/|postgresql:\/\/)/, 'store must be sqlite:<file> or a postgres:// URL')
      .default('sqlite:./data/seatkeeper.db'),
    instances: z.record(id, instanceSchema).default({}),
    directories: z.record(id, directorySchema).default({}),
    policies: z.record(id, policySchema).default({}),
    /** Notice e-mails of the lifecycle's notice stage: required when a policy has one. */
    notices: noticesConfigSchema.optional(),
    safety: safetySchema.default(SAFETY_DEFAULTS),
    server: serverSchema.default(SERVER_DEFAULTS),
    /**
     * One run per instance at a time: a run's lease expires `leaseSeconds` after its last renewal (so a crashed run
     * blocks its instance that long at most) and is renewed every `heartbeatSeconds`.
     */
    runs: z
      .strictObject({
        leaseSeconds: z.number().min(1).default(60),
        heartbeatSeconds: z.number().min(0.1).default(10),
        /** Instances scanned and planned at once by a command over all of them (each keeps its own `concurrency`). */
        parallelInstances: z.number().int().min(1).max(16).default(2),
      })
      .refine((r) => r.heartbeatSeconds < r.leaseSeconds, { message: 'runs.heartbeatSeconds must be less than runs.leaseSeconds', path: ['heartbeatSeconds'] })
      .default({ leaseSeconds: 60, heartbeatSeconds: 10, parallelInstances: 2 }),
    /** Policies' cron schedules are read in this IANA time zone (default: the machine's). */
    scheduler: z
      .strictObject({ timeZone: z.string().min(1).default(SYSTEM_TIME_ZONE) })
      .default({ timeZone: SYSTEM_TIME_ZONE }),
  })
  .superRefine((config, ctx) => {
    for (const issue of lifecycleConfigIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
    const instances = config.instances ?? {};
    const directories = config.directories ?? {};
    for (const [policyId, policy] of Object.entries(config.policies ?? {})) {
      if (typeof policy !== 'object' || policy === null) continue;
      // Own keys only: `in` would also find Object.prototype's `toString` or `constructor` and call them configured.
      if (typeof policy.instance === 'string' && !Object.hasOwn(instances, policy.instance)) {
        ctx.addIssue({
          code: 'custom',
          path: ['policies', policyId, 'instance'],
          message: `no instance "${policy.instance}" under instances (known: ${Object.keys(instances).join(', ') || 'none'})`,
        });
      }
      const select = policy.select ?? {};
      if (select.inactiveDays === undefined && select.neverLoggedInDays === undefined && select.orgStatus === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['policies', policyId, 'select'],
          message: 'set inactiveDays, neverLoggedInDays or orgStatus, or the policy selects nobody',
        });
      }
      // One application's seats: only the groups that grant it may go (removeGroups: license, checked per group against the
      // applications the user keeps); a list or `all` could take a group that also grants another application, and a
      // deactivated account holds no application at all.
      if (typeof policy.application === 'string') {
        const actions = policy.actions ?? {};
        if (actions.removeGroups !== undefined && actions.removeGroups !== 'license') {
          ctx.addIssue({
            code: 'custom',
            path: ['policies', policyId, 'actions', 'removeGroups'],
            message: `a policy with application: ${policy.application} frees only that application's seats: removeGroups must be license (the groups that grant it), not ${JSON.stringify(actions.removeGroups)}`,
          });
        }
        if (actions.deactivate === true) {
          ctx.addIssue({
            code: 'custom',
            path: ['policies', policyId, 'actions', 'deactivate'],
            message: `a policy with application: ${policy.application} frees only that application's seats, but deactivate takes every application: drop one of them`,
          });
        }
      }
      if (select.orgStatus !== undefined && select.via === undefined) {
        ctx.addIssue({ code: 'custom', path: ['policies', policyId, 'select', 'via'], message: 'orgStatus needs via: <directory id>' });
      }
      if (typeof select.via === 'string' && !Object.hasOwn(directories, select.via)) {
        ctx.addIssue({
          code: 'custom',
          path: ['policies', policyId, 'select', 'via'],
          message: `no directory "${select.via}" under directories (known: ${Object.keys(directories).join(', ') || 'none'})`,
        });
      }
    }
  }, { when: () => true });

/** A validated configuration with every default filled in. */
export type SeatkeeperConfig = z.infer<typeof configSchema>;
export type PolicyConfig = SeatkeeperConfig['policies'][string];
export type InstanceConfig = SeatkeeperConfig['instances'][string];
/** One `directories:` entry: a connected kind's settings, or a pending kind's as written. */
export type DirectoryConfig = SeatkeeperConfig['directories'][string];
