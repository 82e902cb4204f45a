/** The steps one policy takes for one user, and the notes that say what it could not do. Pure. */

import type { ApplicationSnapshot, UserSnapshot } from './snapshot.ts';
import type { ActionStep } from './plan.ts';
import type { LicenceModel, SeatView } from './licence-model.ts';
import type { InactiveUsersPolicy } from './policy.ts';
import type { InstanceCapabilities } from './instance-capabilities.ts';
import { includesName, NameSet } from './names.ts';

/** What the steps need to know of the instance's applications: which a group grants, and what people call each. */
export interface ApplicationLookup {
  /** Keys of the applications `group` grants, directly or through nesting. */
  applicationsOf(group: string): readonly string[];
  /** The name people know application `key` by. */
  nameOf(key: string): string;
}

/** The lookup of a snapshot's applications, through its licence model. */
export function applicationLookup(applications: readonly ApplicationSnapshot[], model: Pick<LicenceModel, 'applicationsOf'>): ApplicationLookup {
  const names = new Map(applications.map((a) => [a.key, a.name]));
  return { applicationsOf: (group) => model.applicationsOf(group), nameOf: (key) => names.get(key) ?? key };
}

/** Where no lookup is given, no group is known to grant a second application. */
const NO_LOOKUP: ApplicationLookup = { applicationsOf: () => [], nameOf: (key) => key };

/**
 * The steps one policy takes for one user, in execution order: remove groups, revoke grants, add groups, deactivate.
 * Only steps the instance can take (`capabilities`) are planned; what it cannot do is said in a note. A policy with an
 * `application` frees that application's seat only: it removes the memberships that grant it, and where such a group
 * grants another application too, the row is not possible (no steps, and a note saying why). `freedApplications` are
 * the keys of the applications the steps end every way the user holds.
 */
export function stepsFor(
  policy: InactiveUsersPolicy,
  user: UserSnapshot,
  seat: SeatView,
  writableDirectory: boolean,
  readOnlyGroups: NameSet,
  capabilities: InstanceCapabilities,
  lookup: ApplicationLookup = NO_LOOKUP,
): { steps: ActionStep[]; notes: string[]; freed: boolean; freedApplications: string[] } {
  const product = capabilities.productName;
  const notes: string[] = [];
  const { removeGroups, addGroups, deactivate } = policy.actions;
  const target = policy.application ?? null;
  // The applications whose seat the policy frees, as the user holds them.
  const targeted = seat.applications.filter((a) => target === null || a.key === target);
  const targetGroups = [...new Set(targeted.flatMap((a) => a.groups))].sort();
  let remove: readonly string[];
  if (removeGroups === 'license') remove = target === null ? seat.billableGroups : targetGroups;
  else if (removeGroups === 'all') remove = seat.directGroups;
  else if (removeGroups === 'none') remove = [];
  else remove = seat.directGroups.filter((g) => includesName(removeGroups, g));
  // The groups the policy adds (its tracking group) are never removed by it: `removeGroups: all` would otherwise strip
  // the tracking group and the next run add it back, flipping it on every run.
  const adds = new NameSet(addGroups);
  const notAdded = (g: string): boolean => !adds.has(g);
  remove = remove.filter(notAdded);

  const canDeactivate = writableDirectory && capabilities.disable;
  const readOnlyDeactivation = deactivate && !canDeactivate;
  // A read-only directory (or an instance that cannot deactivate) frees the seat through the groups instead, and says so.
  if (readOnlyDeactivation) {
    remove = [...new Set([...remove, ...seat.billableGroups.filter(notAdded)])].sort();
    notes.push(
      writableDirectory
        ? `${product} cannot deactivate accounts here: deactivation replaced by removal of licence groups`
        : `directory "${user.directory ?? 'unknown'}" is read-only: deactivation replaced by removal of licence groups`,
    );
  }
  // Memberships the directory owns cannot be changed through the instance: said on the row, never attempted.
  if (target !== null && removeGroups === 'license' && !readOnlyDeactivation) {
    // A group that grants the target and another application cannot take the one away without the other.
    const shared = remove.flatMap((g) => {
      const others = lookup.applicationsOf(g).filter((key) => key !== target);
      return others.length > 0 ? [{ group: g, others }] : [];
    });
    if (shared.length > 0) {
      const what = lookup.nameOf(target);
      for (const { group, others } of shared) {
        const kept = others.map((key) => lookup.nameOf(key)).join(' and ');
        notes.push(
          `not possible: ${group} grants ${what} and also ${kept}, which policy ${policy.id} keeps; ` +
            `removing the membership would take ${kept} too. Grant ${what} through a group of its own in ${product}'s application access`,
        );
      }
      return { steps: [], notes, freed: false, freedApplications: [] };
    }
  }
  const fixed = remove.filter((g) => readOnlyGroups.has(g));
  if (fixed.length > 0) {
    // Read-only: a directory's group (database source), a group the instance refused to change before, or one whose
    // name cannot be addressed over REST.
    notes.push(`${fixed.join(', ')} cannot be changed through ${product} (read-only): change ${fixed.length === 1 ? 'it' : 'them'} in ${fixed.length === 1 ? 'its' : 'their'} directory`);
    remove = remove.filter((g) => !readOnlyGroups.has(g));
  }
  const steps: ActionStep[] = remove.map((group) => ({ kind: 'remove-group', group }));
  const revokesSeat = removeGroups === 'license' || removeGroups === 'all' || readOnlyDeactivation;
  // An individual grant the instance cannot take back over its API keeps the seat: said below, never attempted.
  const granted = (readOnlyDeactivation ? seat.applications : targeted).filter((a) => a.directGrant);
  const revokes = granted.length > 0 && revokesSeat && capabilities.directGrants;
  if (revokes) for (const a of granted) steps.push({ kind: 'revoke-application', application: a.key });
  for (const group of addGroups) {
    if (!includesName(seat.directGroups, group)) steps.push({ kind: 'add-group', group });
  }
  // An account already off needs no deactivation; the plan lists only what it will change.
  if (deactivate && canDeactivate && user.status !== 'disabled') steps.push({ kind: 'disable' });

  const removed = new NameSet(remove);
  const deactivated = deactivate && canDeactivate;
  const revoked = new Set(revokes ? granted.map((a) => a.key) : []);
  const endsHold = (a: (typeof seat.applications)[number]): boolean => a.groups.every((g) => removed.has(g)) && (!a.directGrant || revoked.has(a.key));
  const freedApplications = seat.applications.filter((a) => deactivated || endsHold(a)).map((a) => a.key);
  const freed = deactivated ? true : targeted.every(endsHold);
  if (!freed) {
    const kept = [...new Set(targeted.flatMap((a) => a.groups))].sort().filter((g) => !removed.has(g));
    const grantKept = targeted.some((a) => a.directGrant) && !revokes;
    if (kept.length > 0 || (grantKept && !revokesSeat)) {
      const via = [...kept, ...(grantKept && !revokesSeat ? ['an individual grant'] : [])];
      notes.push(`keeps a seat through ${via.join(', ')}: removeGroups does not cover it`);
    }
    if (grantKept && revokesSeat) notes.push(`keeps a seat through an individual grant: not possible to take it back through ${product}'s API`);
  }
  return { steps, notes, freed, freedApplications };
}
