/** The `policies:` section as the domain reads it: each policy one InactiveUsersPolicy, or pending with the reason. */

import type { PolicyConfig, SeatkeeperConfig } from './config-schema.ts';
import type { InactiveUsersPolicy } from '../domain/policy.ts';
import { InvalidInput } from '../domain/errors.ts';
import { toLifecycleSettings } from './lifecycle-config.ts';
import { protectionOf } from './safety-mapping.ts';
import { CONNECTED_DIRECTORY_KINDS, isConnectedDirectoryKind } from './connector-schemas.ts';

/** A policy Seatkeeper cannot evaluate yet, with the reason printed next to the plan. */
export interface PendingPolicy {
  readonly id: string;
  readonly reason: string;
}

/** The instance's policies split into those evaluated now and those waiting for a source. */
export interface PolicySelection {
  readonly policies: InactiveUsersPolicy[];
  readonly pending: PendingPolicy[];
}

/** One configured policy in the domain's terms (defaults filled in, absent keys as null). */
export function toDomainPolicy(id: string, policy: PolicyConfig): InactiveUsersPolicy {
  return {
    id,
    instance: policy.instance,
    application: policy.application ?? null,
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

/** Why a policy that selects by organisation status waits: its directory has no connector yet. */
function pendingReason(via: string | undefined, kind: string): string {
  const connected = CONNECTED_DIRECTORY_KINDS.join(', ');
  const works = CONNECTED_DIRECTORY_KINDS.length === 1 ? 'works' : 'work';
  return `selects by organisation status via directory "${via ?? ''}" (kind ${kind}), whose connector comes later (${connected} ${works} now); not evaluated`;
}

/** The instance's policies (all, or those named), split into the ones evaluated now and the ones waiting for a source. */
export function policiesOf(config: SeatkeeperConfig, instance: string, only: readonly string[] = []): PolicySelection {
  const unknown = only.filter((id) => !Object.hasOwn(config.policies, id));
  if (unknown.length > 0) throw new InvalidInput('unknown policy', unknown.map((id) => `no policy "${id}" in the config`));
  const policies: InactiveUsersPolicy[] = [];
  const pending: PendingPolicy[] = [];
  for (const [id, policy] of Object.entries(config.policies)) {
    if (policy.instance !== instance || (only.length > 0 && !only.includes(id))) continue;
    const via = policy.select.via;
    const kind = via === undefined ? undefined : config.directories[via]?.kind;
    if (policy.select.orgStatus !== undefined && (kind === undefined || !isConnectedDirectoryKind(kind))) {
      pending.push({ id, reason: pendingReason(via, kind ?? 'unknown') });
    } else {
      policies.push(toDomainPolicy(id, policy));
    }
  }
  return { policies, pending };
}
