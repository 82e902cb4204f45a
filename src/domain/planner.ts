/** Evaluates policies against a snapshot and produces a plan: one row per user, each with its rule, facts and steps. */

import type { InstanceSnapshot } from './snapshot.ts';
import type { InstanceCapabilities } from './instance-capabilities.ts';
import type { Plan, PlanRow, PolicySummary } from './plan.ts';
import { noSkips } from './selection-reason.ts';
import { stepsFor } from './policy-steps.ts';
import { buildLicenceModel } from './licence-model.ts';
import { matchOrgStatus, matchRule, policyProblems, skipReason, type InactiveUsersPolicy, type OrgStatus, type Protection } from './policy.ts';
import { hashPlan } from './plan-hash.ts';
import { InvalidInput } from './errors.ts';
import { renderRename, usernameProblems } from './rename-pattern.ts';
import { nameKey, NameSet } from './names.ts';
import type { LifecycleRecord } from './lifecycle.ts';
import { lifecyclePartOf, planLifecyclePolicy, type LifecyclePolicyPlan } from './lifecycle-planner.ts';

/**
 * What a rename would give, said on the row: no rename step is planned (where the instance cannot rename, or until
 * Seatkeeper plans renames), so the plan shows the name, whether it would collide or break the username rules, and
 * that the username stays (no step is skipped silently).
 */
function renameNote(pattern: string, username: string, now: Date, usernames: NameSet, capabilities: InstanceCapabilities): string {
  const to = renderRename(pattern, username, now);
  const problems = [...usernameProblems(to), ...(usernames.has(to) ? ['it is taken by another user'] : [])];
  const flaws = problems.length > 0 ? ` (and that name is not usable: ${problems.join(', ')})` : '';
  const why = capabilities.rename ? 'Seatkeeper does not plan renames yet' : `${capabilities.productName}'s API cannot rename users`;
  return `rename to "${to}"${flaws} not possible: ${why}; the username stays`;
}

/** Evaluates every policy of one instance, in order; a user is acted on by the first policy that selects them. */
export function evaluatePolicies(input: {
  snapshot: InstanceSnapshot;
  policies: readonly InactiveUsersPolicy[];
  protection: Protection;
  now: Date;
  /** The instance's lifecycle records, for policies with a lifecycle. */
  lifecycle?: readonly LifecycleRecord[];
  /** What each organisation directory (by id) said of each username, for leavers policies. */
  orgStatuses?: ReadonlyMap<string, ReadonlyMap<string, OrgStatus>>;
}): Plan {
  const { snapshot, policies, protection, now } = input;
  const model = buildLicenceModel(snapshot);
  const problems = policies.flatMap((p) => policyProblems(p, snapshot, model));
  if (problems.length > 0) throw new InvalidInput('the policies do not fit this instance', problems);

  // Names compare case-insensitively (domain/names.ts).
  const writable = new Map(snapshot.directories.map((d) => [nameKey(d.name), d.writable]));
  const readOnlyGroups = new NameSet(snapshot.readOnlyGroups);
  const usernames = new NameSet(snapshot.users.map((u) => u.username));
  const taken = new NameSet();
  const rows: PlanRow[] = [];
  const summaries: PolicySummary[] = [];
  const users = [...snapshot.users].sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));

  const lifecycleParts: LifecyclePolicyPlan[] = [];
  for (const policy of policies) {
    if (policy.lifecycle) {
      const context = { snapshot, model, protection, now, users, taken, records: input.lifecycle ?? [] };
      const part = planLifecyclePolicy(context, policy, policy.lifecycle);
      for (const row of part.rows) rows.push(row);
      summaries.push(part.summary);
      lifecycleParts.push(part);
      continue;
    }
    const skipped = noSkips();
    let inactive = 0;
    let neverLoggedIn = 0;
    let neverLoggedInNotDue = 0;
    let leavers = 0;
    let unknownEmail = 0;
    const orgRule = policy.select.orgStatus;
    if (orgRule !== undefined && input.orgStatuses?.get(orgRule.via) === undefined) {
      throw new InvalidInput(`policy ${policy.id} selects by organisation status, but directory ${orgRule.via} was not read`);
    }
    for (const user of users) {
      const reason = orgRule !== undefined ? matchOrgStatus(policy, user, input.orgStatuses?.get(orgRule.via)) : matchRule(policy, user, now);
      if (reason === null) {
        const waits = policy.select.neverLoggedInDays !== null && user.lastLogin === null && user.loginKnown && !taken.has(user.username);
        if (waits && skipReason(policy, user, model.seatOf(user), { connectedAs: snapshot.connectedAs, protection, inGroup: model.inGroup }) === null) {
          neverLoggedInNotDue += 1;
        }
        continue;
      }
      const seat = model.seatOf(user);
      const skip = taken.has(user.username)
        ? 'already-selected'
        : skipReason(policy, user, seat, { connectedAs: snapshot.connectedAs, protection, inGroup: model.inGroup });
      if (skip !== null) {
        skipped[skip] += 1;
        // An e-mail rule cannot judge a user whose address Confluence did not give: left out, and said.
        if (skip === 'out-of-scope' && user.email === null && (policy.select.emailDomains ?? []).length > 0) unknownEmail += 1;
        continue;
      }
      // An unknown directory is treated as writable only when the snapshot lists no directories at all.
      const isWritable = user.directory === null ? snapshot.directories.length === 0 : (writable.get(nameKey(user.directory)) ?? false);
      const { steps, notes, freed } = stepsFor(policy, user, seat, isWritable, readOnlyGroups, snapshot.capabilities);
      if (policy.actions.rename !== null) notes.push(renameNote(policy.actions.rename, user.username, now, usernames, snapshot.capabilities));
      // A seat that only the directory can take back is not half-handled here (no tracking group on a seated user).
      if (!freed && seat.billableGroups.some((g) => readOnlyGroups.has(g))) {
        skipped['seat-in-read-only-group'] += 1;
        continue;
      }
      if (steps.length === 0) continue;
      taken.add(user.username);
      if (reason.rule === 'inactive') inactive += 1;
      else if (reason.rule === 'org-status') leavers += 1;
      else neverLoggedIn += 1;
      rows.push({
        username: user.username,
        userKey: user.userKey,
        displayName: user.displayName,
        directory: user.directory,
        policy: policy.id,
        reason,
        steps,
        notes,
        freesSeat: seat.licensed && freed,
      });
    }
    summaries.push({
      policy: policy.id,
      selected: inactive + neverLoggedIn + leavers,
      byRule: orgRule !== undefined ? { inactive, neverLoggedIn, orgStatus: leavers } : { inactive, neverLoggedIn },
      skipped,
      notYetDue: { neverLoggedIn: neverLoggedInNotDue },
      ...(unknownEmail > 0 ? { unknownEmail } : {}),
    });
  }

  const body: Omit<Plan, 'hash'> = {
    kind: 'policy',
    undoOf: [],
    instance: snapshot.instance,
    scanId: snapshot.scanId,
    createdAt: now.toISOString(),
    policies: policies.map((p) => p.id),
    licensedUsers: model.licensedCount,
    seatGroups: [...model.useEffectiveGroups].sort(),
    rows,
    summaries,
    ...lifecyclePartOf(lifecycleParts),
  };
  return { ...body, hash: hashPlan(body) };
}
