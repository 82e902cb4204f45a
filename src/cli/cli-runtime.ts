/** The composition root of the CLI: config → store, connectors and domain policies. */

import { leaseHolderId, type LeaseOptions } from '../app/run-lease.ts';
import type { SeatkeeperConfig, PolicyConfig } from '../config/config-schema.ts';
import type { ConfluenceConnector } from '../app/confluence-port.ts';
import type { Store } from '../app/store-port.ts';
import type { InactiveUsersPolicy, Protection } from '../domain/policy.ts';
import type { SafetyLimits } from '../domain/safety-guard.ts';
import { InvalidInput } from '../domain/errors.ts';
import { openStore, type StoreOptions } from '../store/store-database.ts';
import { loadRecordKey } from '../config/key-file.ts';
import type { RecordKey } from '../domain/record-signature.ts';
import { toLifecycleSettings } from '../config/lifecycle-config.ts';
import { createConfluenceDcConnector } from '../connectors/confluence-dc/confluence-dc-connector.ts';
import type { CircuitEvent } from '../connectors/circuit-breaker.ts';
import { createHttpDirectory } from '../connectors/directories/http/http-directory-connector.ts';
import type { OrgDirectory } from '../app/directory-port.ts';

/** Picks the instance a command works on: the one named, or the only one configured. */
export function resolveInstance(config: SeatkeeperConfig, requested: string | undefined): string {
  const ids = Object.keys(config.instances);
  if (requested !== undefined) {
    if (!ids.includes(requested)) throw new InvalidInput(`no instance "${requested}" in the config`, [`known instances: ${ids.join(', ') || 'none'}`]);
    return requested;
  }
  if (ids.length === 1 && ids[0] !== undefined) return ids[0];
  throw new InvalidInput(
    ids.length === 0 ? 'the config has no instances' : 'several instances are configured',
    [ids.length === 0 ? 'add one under instances:' : `choose one with --instance (${ids.join(', ')})`],
  );
}

/** The instance's connector; `log` gets a line whenever its circuit breaker pauses or resumes requests. */
export function connectorFor(config: SeatkeeperConfig, instance: string, log?: (line: string) => void): ConfluenceConnector {
  const settings = config.instances[instance];
  if (settings === undefined) throw new InvalidInput(`no instance "${instance}" in the config`);
  return createConfluenceDcConnector(instance, settings, log === undefined ? {} : { onCircuit: (event) => log(circuitLine(instance, event)) });
}

/** What the circuit breaker did, in the operator's words. */
export function circuitLine(instance: string, event: CircuitEvent): string {
  const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;
  switch (event.kind) {
    case 'opened':
      return `${instance}: ${event.failures} requests in a row failed (last: ${event.lastError}); requests paused, next try in ${seconds(event.retryInMs)}`;
    case 'trial-failed':
      return `${instance}: still failing (${event.lastError}); requests stay paused, next try in ${seconds(event.retryInMs)}`;
    case 'closed':
      return `${instance}: answers again after ${seconds(event.pausedMs)} paused; requests go on`;
  }
}

/** The organisation directories the given policies read (leavers policies), by id. */
export function directoriesFor(config: SeatkeeperConfig, policies: readonly InactiveUsersPolicy[]): Map<string, OrgDirectory> {
  const directories = new Map<string, OrgDirectory>();
  for (const policy of policies) {
    const via = policy.select.orgStatus?.via;
    if (via === undefined || directories.has(via)) continue;
    const settings = config.directories[via];
    if (settings?.kind !== 'http') throw new InvalidInput(`directory "${via}" cannot be read yet`, ['only kind: http directories are connected so far']);
    directories.set(via, createHttpDirectory(via, settings));
  }
  return directories;
}

/** The configured store, opened for real commands or for a rehearsal; what it writes is signed with `key`, asked for on the first write. */
export async function storeFor(config: SeatkeeperConfig, options: Pick<StoreOptions, 'rehearsal' | 'key'>): Promise<Store> {
  return openStore(config.store, options);
}

/** The record key from its file, read (or created) on the first call only: commands that only read never touch it. */
export function recordKeyFrom(path: string): () => RecordKey {
  let key: RecordKey | null = null;
  return () => {
    key ??= loadRecordKey(path);
    return key;
  };
}

export function limitsOf(config: SeatkeeperConfig): SafetyLimits {
  const { maxActions, maxPercent, maxShrinkPercent, minAdmins, planTtlHours } = config.safety;
  return { maxActions, maxPercent, maxShrinkPercent, minAdmins, planTtlHours };
}

/** Break-glass accounts: `safety.breakGlass` and the older `protectedUsers`/`protectedGroups`, merged. */
export function protectionOf(config: SeatkeeperConfig): Protection {
  const { protectedUsers, protectedGroups, breakGlass } = config.safety;
  return { users: [...new Set([...breakGlass.users, ...protectedUsers])], groups: [...new Set([...breakGlass.groups, ...protectedGroups])] };
}

/** A policy Seatkeeper cannot evaluate yet, with the reason printed next to the plan. */
export interface PendingPolicy {
  readonly id: string;
  readonly reason: string;
}

function toDomainPolicy(id: string, policy: PolicyConfig): InactiveUsersPolicy {
  return {
    id,
    instance: policy.instance,
    select: {
      inactiveDays: policy.select.inactiveDays ?? null,
      neverLoggedInDays: policy.select.neverLoggedInDays ?? null,
      directories: policy.select.directories,
      group: policy.select.group ?? null,
      emailDomains: policy.select.emailDomains,
      ...(policy.select.orgStatus !== undefined && policy.select.via !== undefined
        ? { orgStatus: { statuses: policy.select.orgStatus, via: policy.select.via } }
        : {}),
    },
    exclude: policy.exclude,
    actions: {
      removeGroups: policy.actions.removeGroups,
      addGroups: policy.actions.addGroups,
      deactivate: policy.actions.deactivate,
      rename: policy.actions.rename ?? null,
    },
    lifecycle: toLifecycleSettings(policy.lifecycle),
  };
}

/** Groups whose members the instance's plans must know: protected ones and the policies' excluded and processing groups. */
export function groupsToRead(config: SeatkeeperConfig, instance: string): string[] {
  const groups = new Set(protectionOf(config).groups);
  for (const policy of Object.values(config.policies)) {
    if (policy.instance !== instance) continue;
    for (const group of policy.exclude?.groups ?? []) groups.add(group);
    if (policy.select.group !== undefined) groups.add(policy.select.group);
  }
  return [...groups].sort();
}

/** The instance's policies (all, or those named), split into the ones evaluated now and the ones waiting for a source. */
export function policiesOf(
  config: SeatkeeperConfig,
  instance: string,
  only: readonly string[] = [],
): { policies: InactiveUsersPolicy[]; pending: PendingPolicy[] } {
  const unknown = only.filter((id) => config.policies[id] === undefined);
  if (unknown.length > 0) throw new InvalidInput('unknown policy', unknown.map((id) => `no policy "${id}" in the config`));
  const policies: InactiveUsersPolicy[] = [];
  const pending: PendingPolicy[] = [];
  for (const [id, policy] of Object.entries(config.policies)) {
    if (policy.instance !== instance || (only.length > 0 && !only.includes(id))) continue;
    const via = policy.select.via;
    if (policy.select.orgStatus !== undefined && (via === undefined || config.directories[via]?.kind !== 'http')) {
      const kind = via === undefined ? 'unknown' : (config.directories[via]?.kind ?? 'unknown');
      pending.push({ id, reason: `selects by organisation status via directory "${via ?? ''}" (kind ${kind}), whose connector comes later (http works now); not evaluated` });
    } else {
      policies.push(toDomainPolicy(id, policy));
    }
  }
  return { policies, pending };
}

/** The run lease timing from `runs:` in the config, with a holder id for this process. */
export function leaseOf(config: SeatkeeperConfig): LeaseOptions {
  return { holder: leaseHolderId(), ttlMs: config.runs.leaseSeconds * 1000, heartbeatMs: config.runs.heartbeatSeconds * 1000 };
}
