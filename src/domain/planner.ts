/** Evaluates policies against a snapshot and produces a plan: one row per user, each with its rule, facts and steps. */

import type { InstanceSnapshot } from './snapshot.ts';
import type { InstanceCapabilities } from './instance-capabilities.ts';
import type { ActionStep, LimitBase, Plan, PlanRow, PolicySummary } from './plan.ts';
import { noSkips } from './selection-reason.ts';
import { applicationLookup, stepsFor } from './policy-steps.ts';
import { buildLicenceModel } from './licence-model.ts';
import { matchOrgStatus, matchRule, policyProblems, skipReason, type InactiveUsersPolicy, type OrgStatus, type Protection } from './policy.ts';
import { hashPlan } from './plan-hash.ts';
import { InvalidInput } from './errors.ts';
import { renderRename, usernameProblems } from './rename-pattern.ts';
import { nameKey, NameSet } from './names.ts';
import type { LifecycleRecord } from './lifecycle.ts';
import { lifecyclePartOf, planLifecyclePolicy, type LifecyclePolicyPlan } from './lifecycle-planner.ts';
import { applicationName } from './applications.ts';

/**
 * The rename a policy's pattern asks for: a `rename` step where the instance can rename and the new name is usable and
 * free (no user has it, case-insensitively, and no rename planned before it in this plan takes it), else a note that
 * says what the name would be and why the username stays (no step is skipped silently). Where the instance cannot
 * rename, the policy's display-name fallback stands, as the note says.
 */
export function plannedRename(
  pattern: string,
  username: string,
  now: Date,
  usernames: NameSet,
  capabilities: InstanceCapabilities,
): { step: ActionStep | null; note: string | null } {
  const to = renderRename(pattern, username, now);
  const problems = [...usernameProblems(to), ...(usernames.has(to) ? ['it is taken by another user'] : [])];
  if (capabilities.rename && problems.length === 0) return { step: { kind: 'rename', to }, note: null };
  const flaws = problems.length > 0 ? ` (and that name is not usable: ${problems.join(', ')})` : '';
  if (capabilities.rename) return { step: null, note: `rename to "${to}" not possible: that name is not usable: ${problems.join(', ')}; the username stays` };
  return { step: null, note: `rename to "${to}"${flaws} not possible: ${capabilities.productName}'s API cannot rename users; the username stays` };
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
  const lookup = applicationLookup(snapshot.applications, model);
  const freedCount = new Map<string, number>();
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
      const target = policy.application ?? null;
      const baseSkip = taken.has(user.username)
        ? 'already-selected'
        : skipReason(policy, user, seat, { connectedAs: snapshot.connectedAs, protection, inGroup: model.inGroup });
      // A policy for one application reclaims that application's seats only: a user without it holds none of its seats.
      const lacksTarget = target !== null && policy.select.orgStatus === undefined && !seat.applications.some((a) => a.key === target);
      const skip = baseSkip ?? (lacksTarget ? 'no-seat' : null);
      if (skip !== null) {
        skipped[skip] += 1;
        // An e-mail rule cannot judge a user whose address Confluence did not give: left out, and said.
        if (skip === 'out-of-scope' && user.email === null && (policy.select.emailDomains ?? []).length > 0) unknownEmail += 1;
        continue;
      }
      // An unknown directory is treated as writable only when the snapshot lists no directories at all.
      const isWritable = user.directory === null ? snapshot.directories.length === 0 : (writable.get(nameKey(user.directory)) ?? false);
      const { steps, notes, freed, freedApplications } = stepsFor(policy, user, seat, isWritable, readOnlyGroups, snapshot.capabilities, lookup);
      const possible = !(steps.length === 0 && notes.some((n) => n.startsWith('not possible')));
      let renamedTo: string | null = null;
      if (policy.actions.rename !== null && possible && !isWritable && snapshot.capabilities.rename) {
        // The directory owns the username as it owns the account flag.
        notes.push(`rename not possible: directory "${user.directory ?? 'unknown'}" is read-only; the username stays`);
      } else if (policy.actions.rename !== null && possible) {
        const rename = plannedRename(policy.actions.rename, user.username, now, usernames, snapshot.capabilities);
        // Planned last: the other steps address the account by the name it has.
        if (rename.step !== null && rename.step.kind === 'rename') {
          steps.push(rename.step);
          renamedTo = rename.step.to;
        }
        if (rename.note !== null) notes.push(rename.note);
      }
      // A seat that only the directory can take back is not half-handled here (no tracking group on a seated user).
      if (!freed && seat.billableGroups.some((g) => readOnlyGroups.has(g))) {
        skipped['seat-in-read-only-group'] += 1;
        continue;
      }
      if (steps.length === 0 && possible) continue;
      taken.add(user.username);
      // A later row's rename must not take the name this one takes.
      if (renamedTo !== null) usernames.add(renamedTo);
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
        freesApplications: seat.licensed ? freedApplications : [],
      });
      if (seat.licensed) for (const key of freedApplications) freedCount.set(key, (freedCount.get(key) ?? 0) + 1);
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
    ...limitBasePart(policies, snapshot, model.heldCount),
    seatGroups: [...model.useEffectiveGroups].sort(),
    applications: snapshot.applications.map((a) => ({
      key: a.key,
      name: a.name,
      groups: [...model.groupsGranting(a.key)],
      held: model.heldCount.get(a.key) ?? 0,
      freed: freedCount.get(a.key) ?? 0,
    })),
    rows,
    summaries,
    ...lifecyclePartOf(lifecycleParts),
  };
  return { ...body, hash: hashPlan(body) };
}

/** A plan whose policies all free one and the same application is limited by that application's holders. */
function limitBasePart(
  policies: readonly InactiveUsersPolicy[],
  snapshot: InstanceSnapshot,
  held: ReadonlyMap<string, number>,
): { limitBase?: LimitBase } {
  const keys = new Set(policies.map((p) => p.application ?? null));
  const [only] = [...keys];
  if (keys.size !== 1 || only === null || only === undefined) return {};
  return { limitBase: { application: only, name: applicationName(snapshot.applications, only), users: held.get(only) ?? 0 } };
}
