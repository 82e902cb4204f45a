/** Use case: an admin releases a plan that waits for approval (over `safety.maxActions` or `safety.maxPercent`). */

import type { PolicyVersion } from './store/policy-version-repository-port.ts';
import type { Store } from './store-port.ts';
import type { StoredPlan } from './store/plan-repository-port.ts';
import type { Clock } from './clock.ts';
import type { InactiveUsersPolicy } from '../domain/policy.ts';
import { checkFourEyes, policyFingerprint } from '../domain/approval-guard.ts';
import { Conflict, GuardTripped, NotAllowed, NotFound } from '../domain/errors.ts';
import { requireFresh } from './plan-guards.ts';
import type { RecordKey } from '../domain/record-signature.ts';
import { verifyPlanRecord } from './record-signing.ts';

/**
 * Records who changed each policy: a policy whose fingerprint differs from the stored one (or is new) is credited to
 * `actor`. Returns the distinct changers of these policies, which the plan keeps for the four-eyes rule.
 */
export async function recordPolicyChangers(
  store: Pick<Store, 'policyVersions'>,
  input: { instance: string; policies: readonly InactiveUsersPolicy[]; actor: string; now: Date },
): Promise<string[]> {
  const versions: PolicyVersion[] = await store.policyVersions.observe(
    input.instance,
    input.policies.map((policy) => ({ policy: policy.id, hash: policyFingerprint(policy) })),
    input.actor,
    input.now,
  );
  return [...new Set(versions.map((v) => v.changedBy))].sort();
}

/**
 * Approves a waiting plan as `actor`. Refuses a plan that is not waiting (Conflict), refused by a guard no approval
 * lifts (GuardTripped), older than `planTtlHours` or contradicted by a newer scan (Conflict), and, with `fourEyes`,
 * an approver who made the plan or last changed one of its policies (NotAllowed), and a plan whose record is not
 * signed with this key (UntrustedRecord).
 */
export async function approvePlan(
  deps: { store: Store; clock: Clock; key: RecordKey },
  input: { planId: string; actor: string; fourEyes: boolean; planTtlHours: number },
): Promise<StoredPlan> {
  const { store, clock } = deps;
  const { planId } = input;
  const stored = await store.plans.get(planId);
  if (stored === null) throw new NotFound(`no plan ${planId}: plan again`);
  // An approval releases a plan past the limits: only one Seatkeeper made (and whose maker is as recorded) is released.
  verifyPlanRecord(deps.key, stored);
  switch (stored.status) {
    case 'waiting-approval':
      break;
    case 'approved':
      throw new Conflict(`plan ${planId} was already approved by ${stored.approval?.by ?? 'someone'} at ${stored.approval?.at ?? 'an unknown time'}`, { next: { kind: 'apply-plan', planId } });
    case 'applied':
      throw new Conflict(`plan ${planId} was already applied`);
    case 'planned':
      throw new Conflict(`plan ${planId} is within the limits and needs no approval`, { next: { kind: 'apply-plan', planId } });
    case 'refused': {
      const hold = stored.hold;
      throw new GuardTripped(
        `plan ${planId} was refused and no approval can release it: ${hold?.message ?? 'a guard refused it when it was made'}`,
        hold?.guard ?? 'plan.refused',
        hold?.count ?? 0,
        hold?.limit ?? 0,
      );
    }
  }
  const now = clock.now();
  requireFresh(stored, input.planTtlHours, await store.now());
  const latest = await store.scans.latest(stored.plan.instance);
  if (latest !== null && latest.id !== stored.plan.scanId) {
    throw new Conflict(`plan ${planId} rests on scan ${stored.plan.scanId}, but scan ${latest.id} is newer: plan again`);
  }
  const decision = checkFourEyes({ fourEyes: input.fourEyes, approver: input.actor, createdBy: stored.createdBy, policyChangedBy: stored.policyChangedBy });
  if (!decision.ok) throw new NotAllowed(decision.reason);
  await store.plans.approve(planId, input.actor, now);
  const approved = await store.plans.get(planId);
  if (approved === null) throw new NotFound(`plan ${planId} disappeared while it was approved`);
  return approved;
}
