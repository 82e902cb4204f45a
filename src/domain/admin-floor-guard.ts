/**
 * The last-administrators guard: no plan may leave an instance with fewer than `safety.minAdmins` active
 * administrators, because a team locked out of administration cannot reverse a mistake, Seatkeeper's included.
 */

import type { InstanceSnapshot } from './snapshot.ts';
import type { ActionStep, PlanRow } from './plan.ts';
import type { GuardVerdict } from './safety-guard.ts';
import { nameKey, NameSet } from './names.ts';

/** Who administers the instance before the plan, and after its steps are simulated on the snapshot. */
export interface AdminCount {
  readonly before: number;
  readonly after: number;
  /** Administrators the plan's steps would strip of administration or deactivate, sorted. */
  readonly lost: readonly string[];
  /** Users the plan's steps would make administrators, sorted. */
  readonly gained: readonly string[];
}

interface SimulatedUser {
  active: boolean;
  /** Only the user's direct memberships in administrator groups (by nameKey): no other group can change whether they administer. */
  adminGroups: Set<string>;
}

function simulate(state: SimulatedUser, step: ActionStep, adminGroups: ReadonlySet<string>): void {
  switch (step.kind) {
    case 'remove-group':
      state.adminGroups.delete(nameKey(step.group));
      return;
    case 'add-group':
      if (adminGroups.has(nameKey(step.group))) state.adminGroups.add(nameKey(step.group));
      return;
    case 'disable':
      state.active = false;
      return;
    case 'enable':
      state.active = true;
      return;
    // "Can use" grants and display names have no bearing on administration.
    case 'revoke-use-grant':
    case 'grant-use':
    case 'revoke-application':
    case 'grant-application':
    case 'set-display-name':
    case 'rename':
    case 'confirm-seat-freed':
      return;
  }
}

/**
 * Groups that give administration: those holding it and every group nested inside them, at any depth (the licence
 * model's rule, walked downwards from the few administrator groups so a 100k-user plan does not pay for the model).
 */
function administratorGroups(snapshot: InstanceSnapshot): Set<string> {
  // By nameKey: Confluence compares group names case-insensitively.
  const childrenOf = new Map<string, string[]>();
  for (const { parent, child } of snapshot.nesting) childrenOf.set(nameKey(parent), [...(childrenOf.get(nameKey(parent)) ?? []), nameKey(child)]);
  const found = new Set(snapshot.grants.adminGroups.map(nameKey));
  const stack = [...found];
  while (stack.length > 0) {
    const group = stack.pop() ?? '';
    for (const child of childrenOf.get(group) ?? []) {
      // Nesting may contain cycles, which Confluence tolerates.
      if (!found.has(child)) {
        found.add(child);
        stack.push(child);
      }
    }
  }
  return found;
}

/**
 * Counts active administrators (system or Confluence administration, individually or through any group, nested
 * groups included; account active; directory active) before and after the plan's steps.
 */
export function countActiveAdmins(snapshot: InstanceSnapshot, rows: readonly PlanRow[]): AdminCount {
  const adminGroups = administratorGroups(snapshot);
  const adminUsers = new NameSet(snapshot.grants.adminUsers);
  const inactiveDirectories = new NameSet(snapshot.directories.filter((d) => !d.active).map((d) => d.name));
  const adminMemberships = new Map<string, Set<string>>();
  for (const { group, username } of snapshot.memberships) {
    if (!adminGroups.has(nameKey(group))) continue;
    const groups = adminMemberships.get(nameKey(username));
    if (groups) groups.add(nameKey(group));
    else adminMemberships.set(nameKey(username), new Set([nameKey(group)]));
  }
  const stepsOf = new Map<string, ActionStep[]>();
  for (const row of rows) stepsOf.set(nameKey(row.username), [...(stepsOf.get(nameKey(row.username)) ?? []), ...row.steps]);

  let before = 0;
  let after = 0;
  const lost: string[] = [];
  const gained: string[] = [];
  for (const user of snapshot.users) {
    const memberships = adminMemberships.get(nameKey(user.username));
    const steps = stepsOf.get(nameKey(user.username));
    // Most users neither administer nor appear in the plan: skip them without allocating anything.
    if (memberships === undefined && steps === undefined && !adminUsers.has(user.username)) continue;
    const directoryActive = user.directory === null || !inactiveDirectories.has(user.directory);
    const isAdmin = (state: SimulatedUser): boolean =>
      state.active && directoryActive && (adminUsers.has(user.username) || state.adminGroups.size > 0);
    const state: SimulatedUser = { active: user.status === 'active', adminGroups: new Set(memberships) };
    const was = isAdmin(state);
    let is = was;
    if (steps !== undefined) {
      for (const step of steps) simulate(state, step, adminGroups);
      is = isAdmin(state);
    }
    if (was) before += 1;
    if (is) after += 1;
    if (was && !is) lost.push(user.username);
    if (!was && is) gained.push(user.username);
  }
  return { before, after, lost: lost.sort(), gained: gained.sort() };
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * Refuses a plan that would leave fewer than `minAdmins` active administrators, and any plan that changes anyone
 * while the instance already has fewer than `minAdmins`: with too few administrators nobody may be left to notice or
 * undo a wrong change. A plan that changes nobody always passes.
 */
export function checkAdminFloor(snapshot: InstanceSnapshot, rows: readonly PlanRow[], minAdmins: number): GuardVerdict {
  const changes = rows.filter((row) => row.steps.length > 0).length;
  if (changes === 0) return { ok: true };
  const { before, after, lost } = countActiveAdmins(snapshot, rows);
  if (before < minAdmins) {
    return {
      ok: false,
      guard: 'safety.minAdmins',
      count: before,
      limit: minAdmins,
      message:
        `instance ${snapshot.instance} has ${plural(before, 'active administrator')} (scan ${snapshot.scanId}), fewer than ` +
        `safety.minAdmins = ${minAdmins}; no plan may change anyone until it has ${minAdmins}, so that someone is left to ` +
        `notice and undo a wrong change. Restore administrators in ${snapshot.capabilities.productName} and scan again, or lower safety.minAdmins.`,
    };
  }
  if (after < minAdmins) {
    const shown = lost.slice(0, 5).join(', ') + (lost.length > 5 ? ` and ${lost.length - 5} more` : '');
    return {
      ok: false,
      guard: 'safety.minAdmins',
      count: after,
      limit: minAdmins,
      message:
        `the plan would leave ${plural(after, 'active administrator')} of ${before} (${shown} would lose administration); ` +
        `safety.minAdmins requires ${minAdmins}. Exclude them from the policy.`,
    };
  }
  return { ok: true };
}
