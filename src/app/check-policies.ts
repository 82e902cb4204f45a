/** Use case: evaluate policies against the newest complete scan and report what they would select; writes nothing. */

import type { OrgDirectory } from './directory-port.ts';
import { readOrgStatuses } from './org-statuses.ts';
import type { ScanRecord } from './store/scan-repository-port.ts';
import type { Store } from './store-port.ts';
import type { Plan } from '../domain/plan.ts';
import type { InactiveUsersPolicy, Protection } from '../domain/policy.ts';
import { evaluatePolicies } from '../domain/planner.ts';
import { lifecycleOfAccounts } from './lifecycle-accounts.ts';
import { NotFound } from '../domain/errors.ts';

/** The plan the policies would make now (not stored), with the scan it rests on. */
export async function checkPolicies(
  deps: { store: Pick<Store, 'scans' | 'lifecycle'>; now: Date; directories?: ReadonlyMap<string, OrgDirectory> },
  input: { instance: string; policies: readonly InactiveUsersPolicy[]; protection: Protection },
): Promise<{ scan: ScanRecord; plan: Plan }> {
  const scan = await deps.store.scans.latest(input.instance, { status: 'complete' });
  if (scan === null) throw new NotFound(`instance ${input.instance} has no complete scan to check the policies against`, { next: { kind: 'scan', instance: input.instance } });
  const snapshot = await deps.store.scans.loadSnapshot(scan.id);
  const lifecycle = input.policies.some((p) => p.lifecycle) ? lifecycleOfAccounts(await deps.store.lifecycle.records(input.instance), snapshot.users) : [];
  const orgStatuses = await readOrgStatuses(deps.directories ?? new Map(), input.policies, snapshot);
  const plan = evaluatePolicies({ snapshot, policies: input.policies, protection: input.protection, now: deps.now, lifecycle, orgStatuses });
  return { scan, plan };
}
