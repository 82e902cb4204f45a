/** Reads the organisation directories leavers policies name and says, per directory, what each Confluence user is. */

import type { OrgDirectory, OrgStatus } from './directory-port.ts';
import type { InactiveUsersPolicy } from '../domain/policy.ts';
import type { InstanceSnapshot } from '../domain/snapshot.ts';

/** Directory id → username → status, for every directory a policy selects through. */
export async function readOrgStatuses(
  directories: ReadonlyMap<string, OrgDirectory>,
  policies: readonly InactiveUsersPolicy[],
  snapshot: InstanceSnapshot,
  signal?: AbortSignal,
): Promise<Map<string, Map<string, OrgStatus>>> {
  const result = new Map<string, Map<string, OrgStatus>>();
  for (const policy of policies) {
    const via = policy.select.orgStatus?.via;
    const directory = via === undefined ? undefined : directories.get(via);
    if (via === undefined || directory === undefined || result.has(via)) continue;
    const people = await directory.people(signal);
    const statuses = new Map<string, OrgStatus>();
    for (const user of snapshot.users) {
      const key = (directory.matchOn === 'email' ? user.email : user.username)?.toLowerCase();
      statuses.set(user.username, (key === undefined ? undefined : people.get(key)) ?? 'not-found');
    }
    result.set(via, statuses);
  }
  return result;
}
