/**
 * The composition root every front door uses (the CLI, the scheduler, the HTTP server to come): from a validated
 * config it opens the store and builds the connectors, directories and notice delivery, each only when used, and
 * `close()` releases what is still open. Front doors add only their own way of talking (output, flags, routes).
 */

import type { SeatkeeperConfig } from '../config/config-schema.ts';
import type { Store } from '../app/store-port.ts';
import type { Clock } from '../app/clock.ts';
import type { InstanceConnector } from '../app/instance-port.ts';
import type { OrgDirectory } from '../app/directory-port.ts';
import type { ApplyProgress, RunDeps } from '../app/apply-plan.ts';
import type { InactiveUsersPolicy, Protection } from '../domain/policy.ts';
import type { SafetyLimits } from '../domain/safety-guard.ts';
import type { RecordKey } from '../domain/record-signature.ts';
import { InvalidInput } from '../domain/errors.ts';
import { leaseHolderId, type LeaseOptions } from '../app/run-lease.ts';
import { openStore } from '../store/store-database.ts';
import { loadRecordKey } from '../config/key-file.ts';
import { limitsOf, protectionOf } from '../config/safety-mapping.ts';
import { groupsToRead, policiesOf, type PolicySelection } from '../config/policy-mapping.ts';
import { resolveInstance, resolveInstances } from '../config/instance-choice.ts';
import { connectInstance } from './instance-registry.ts';
import { connectDirectory } from './directory-registry.ts';
import { circuitLine } from './circuit-log.ts';
import { noticeDeliveryFor } from './notice-delivery.ts';

/** How a front door opens the runtime. */
export interface RuntimeOptions {
  /** SEATKEEPER_REHEARSAL=1: the store reads and writes only rehearsal scans, plans and runs, signed with a key of their own. */
  readonly rehearsal: boolean;
  /** The front door's clock (`--now` in a rehearsal). Lease expiry and plan age go by the store's clock instead. */
  readonly clock: Clock;
  /** The record key's file (config/key-file.ts), read or created on the first write only: reading commands never touch it. */
  readonly keyFile: string;
  /** Where operator lines go (the circuit breaker pausing requests) unless a use names its own log; dropped when absent. */
  readonly log?: (line: string) => void;
}

/** What a run of a plan needs from the runtime besides the instance. */
export interface RunDepsOptions {
  /** Include the configured mail delivery, for plans that send notices. */
  readonly sendNotices: boolean;
  /** Where the circuit breaker's pauses go; the runtime's log when absent. */
  readonly log?: (line: string) => void;
  /** Sees each finished row. */
  readonly progress?: ApplyProgress;
}

/** The open runtime: config, store, clock and key, the config in the domain's terms, and connectors on demand. */
export interface Runtime {
  readonly config: SeatkeeperConfig;
  readonly store: Store;
  readonly clock: Clock;
  readonly rehearsal: boolean;
  /** The record key, read (or created) on the first call; a rehearsal's is derived from it. */
  readonly key: () => RecordKey;
  readonly limits: SafetyLimits;
  readonly protection: Protection;
  /** The run lease timing from `runs:`, with a holder id for this process. */
  readonly lease: LeaseOptions;
  /** The instance named, or the only one configured. */
  resolveInstance(requested?: string): string;
  /** The instance named, or every configured one (a command over all instances). */
  resolveInstances(requested?: string): string[];
  /** How many instances a command over all of them works on at once (`runs.parallelInstances`). */
  readonly parallelInstances: number;
  /** The instance's policies (all, or those named): evaluated now, or pending with the reason. */
  policies(instance: string, only?: readonly string[]): PolicySelection;
  /** One configured policy, ready to run; InvalidInput when it is unknown or waits for a directory connector. */
  policy(policyId: string): InactiveUsersPolicy;
  /** Groups whose members a scan of the instance must read, for every policy of it. */
  groupsToRead(instance: string): string[];
  /** The organisation directories the policies read (leavers policies), by id. */
  directories(policies: readonly InactiveUsersPolicy[]): Map<string, OrgDirectory>;
  /** The instance's configured concurrency. */
  concurrency(instance: string): number;
  /** Runs `body` with a fresh connector to the instance and closes it after; `log` gets the circuit breaker's lines. */
  withConnector<T>(instance: string, log: ((line: string) => void) | undefined, body: (connector: InstanceConnector) => Promise<T>): Promise<T>;
  /** Runs `body` with what a run needs (connector, concurrency, lease, key, notices when asked) and closes them after. */
  withRunDeps<T>(instance: string, options: RunDepsOptions, body: (deps: RunDeps) => Promise<T>): Promise<T>;
  /** Closes connectors still open and the store. */
  close(): Promise<void>;
}

/** The record key from its file, read (or created) on the first call only; a rehearsal derives its own from it. */
function recordKeySource(path: string, rehearsal: boolean): () => RecordKey {
  let key: RecordKey | null = null;
  // A rehearsal signs with a key of its own: flipping a record's rehearsal mark in the database cannot make it real.
  return () => (key ??= rehearsal ? loadRecordKey(path).forRehearsal() : loadRecordKey(path));
}

/** Opens the store of `config` and returns the runtime around it. */
export async function openRuntime(config: SeatkeeperConfig, options: RuntimeOptions): Promise<Runtime> {
  const { clock, rehearsal } = options;
  const key = recordKeySource(options.keyFile, rehearsal);
  const store = await openStore(config.store, { rehearsal, key });
  const open = new Set<{ close(): Promise<void> }>();

  const settingsOf = (instance: string): SeatkeeperConfig['instances'][string] => {
    const settings = config.instances[instance];
    if (settings === undefined || !Object.hasOwn(config.instances, instance)) throw new InvalidInput(`no instance "${instance}" in the config`);
    return settings;
  };

  /** Tracks `resource` until `body` ends, so close() can release it if the runtime closes first. */
  const using = async <R extends { close(): Promise<void> }, T>(resource: R, body: (resource: R) => Promise<T>): Promise<T> => {
    open.add(resource);
    try {
      return await body(resource);
    } finally {
      open.delete(resource);
      await resource.close();
    }
  };

  const withConnector = <T>(instance: string, log: ((line: string) => void) | undefined, body: (connector: InstanceConnector) => Promise<T>): Promise<T> => {
    const logTo = log ?? options.log;
    const connector = connectInstance(instance, settingsOf(instance), logTo === undefined ? {} : { onCircuit: (event) => logTo(circuitLine(instance, event)) });
    return using(connector, body);
  };

  const withRunDeps = <T>(instance: string, depsOptions: RunDepsOptions, body: (deps: RunDeps) => Promise<T>): Promise<T> =>
    withConnector(instance, depsOptions.log, (connector) => {
      // The templates are read and checked here, before the run; nothing connects to the mail server until a notice.
      const notices = depsOptions.sendNotices ? noticeDeliveryFor(config) : undefined;
      const deps: RunDeps = {
        store,
        connector,
        clock,
        concurrency: settingsOf(instance).concurrency,
        lease: runtime.lease,
        key: key(),
        ...(depsOptions.progress === undefined ? {} : { progress: depsOptions.progress }),
        ...(notices === undefined ? {} : { notices }),
      };
      return notices === undefined ? body(deps) : using(notices.notifier, () => body(deps));
    });

  const runtime: Runtime = {
    config,
    store,
    clock,
    rehearsal,
    key,
    limits: limitsOf(config),
    protection: protectionOf(config),
    lease: { holder: leaseHolderId(), ttlMs: config.runs.leaseSeconds * 1000, heartbeatMs: config.runs.heartbeatSeconds * 1000 },
    resolveInstance: (requested) => resolveInstance(config, requested),
    resolveInstances: (requested) => resolveInstances(config, requested),
    parallelInstances: config.runs.parallelInstances,
    policies: (instance, only = []) => policiesOf(config, instance, only),
    policy: (policyId) => {
      const settings = Object.hasOwn(config.policies, policyId) ? config.policies[policyId] : undefined;
      if (settings === undefined) throw new InvalidInput(`no policy "${policyId}" in the config`, [`known: ${Object.keys(config.policies).join(', ') || 'none'}`]);
      const { policies, pending } = policiesOf(config, settings.instance, [policyId]);
      const policy = policies[0];
      if (policy === undefined) throw new InvalidInput(`policy ${policyId} cannot run yet`, pending.map((p) => p.reason));
      return policy;
    },
    groupsToRead: (instance) => groupsToRead(config, instance),
    directories: (policies) => {
      const directories = new Map<string, OrgDirectory>();
      for (const policy of policies) {
        const via = policy.select.orgStatus?.via;
        if (via === undefined || directories.has(via)) continue;
        directories.set(via, connectDirectory(via, Object.hasOwn(config.directories, via) ? config.directories[via] : undefined));
      }
      return directories;
    },
    concurrency: (instance) => settingsOf(instance).concurrency,
    withConnector,
    withRunDeps,
    close: async () => {
      const still = [...open];
      open.clear();
      await Promise.allSettled(still.map((resource) => resource.close()));
      await store.close();
    },
  };
  return runtime;
}
