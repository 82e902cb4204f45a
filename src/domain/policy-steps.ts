/** The steps one policy takes for one user, and the notes that say what it could not do. Pure. */

import type { UserSnapshot } from './snapshot.ts';
import type { ActionStep } from './plan.ts';
import type { SeatView } from './licence-model.ts';
import type { InactiveUsersPolicy } from './policy.ts';
import type { InstanceCapabilities } from './instance-capabilities.ts';
import { includesName, NameSet } from './names.ts';

/**
 * The steps one policy takes for one user, in execution order: remove groups, revoke grant, add groups, deactivate.
 * Only steps the instance can take (`capabilities`) are planned; what it cannot do is said in a note.
 */
export function stepsFor(
  policy: InactiveUsersPolicy,
  user: UserSnapshot,
  seat: SeatView,
  writableDirectory: boolean,
  readOnlyGroups: NameSet,
  capabilities: InstanceCapabilities,
): { steps: ActionStep[]; notes: string[]; freed: boolean } {
  const product = capabilities.productName;
  const notes: string[] = [];
  const { removeGroups, addGroups, deactivate } = policy.actions;
  let remove: readonly string[];
  if (removeGroups === 'license') remove = seat.billableGroups;
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
  const revokes = seat.directGrant && revokesSeat && capabilities.directGrants;
  if (revokes) steps.push({ kind: 'revoke-use-grant' });
  for (const group of addGroups) {
    if (!includesName(seat.directGroups, group)) steps.push({ kind: 'add-group', group });
  }
  // An account already off needs no deactivation; the plan lists only what it will change.
  if (deactivate && canDeactivate && user.status !== 'disabled') steps.push({ kind: 'disable' });

  const removed = new NameSet(remove);
  const freed = deactivate && canDeactivate
    ? true
    : seat.billableGroups.every((g) => removed.has(g)) && (!seat.directGrant || revokes);
  if (!freed) {
    const kept = seat.billableGroups.filter((g) => !removed.has(g));
    const grantKept = seat.directGrant && !revokes;
    if (kept.length > 0 || (grantKept && !revokesSeat)) {
      const via = [...kept, ...(grantKept && !revokesSeat ? ['an individual grant'] : [])];
      notes.push(`keeps a seat through ${via.join(', ')}: removeGroups does not cover it`);
    }
    if (grantKept && revokesSeat) notes.push(`keeps a seat through an individual grant: not possible to take it back through ${product}'s API`);
  }
  return { steps, notes, freed };
}
