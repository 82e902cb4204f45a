/** The steps one policy takes for one user, and the notes that say what it could not do. Pure. */

import type { UserSnapshot } from './snapshot.ts';
import type { ActionStep } from './plan.ts';
import type { SeatView } from './licence-model.ts';
import type { InactiveUsersPolicy } from './policy.ts';
import { includesName, NameSet } from './names.ts';

/** The steps one policy takes for one user, in execution order: remove groups, revoke grant, add groups, deactivate. */
export function stepsFor(
  policy: InactiveUsersPolicy,
  user: UserSnapshot,
  seat: SeatView,
  writableDirectory: boolean,
  readOnlyGroups: NameSet = new NameSet(),
): { steps: ActionStep[]; notes: string[]; freed: boolean } {
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

  const readOnlyDeactivation = deactivate && !writableDirectory;
  // A read-only directory cannot deactivate: the seat is freed through the groups instead, and the plan says so.
  if (readOnlyDeactivation) {
    remove = [...new Set([...remove, ...seat.billableGroups.filter(notAdded)])].sort();
    notes.push(`directory "${user.directory ?? 'unknown'}" is read-only: deactivation replaced by removal of licence groups`);
  }
  // Memberships the directory owns cannot be changed through Confluence: said on the row, never attempted.
  const fixed = remove.filter((g) => readOnlyGroups.has(g));
  if (fixed.length > 0) {
    // Read-only: a directory's group (database source), a group Confluence refused to change before, or one whose
    // name cannot be addressed over REST.
    notes.push(`${fixed.join(', ')} cannot be changed through Confluence (read-only): change ${fixed.length === 1 ? 'it' : 'them'} in ${fixed.length === 1 ? 'its' : 'their'} directory`);
    remove = remove.filter((g) => !readOnlyGroups.has(g));
  }
  const steps: ActionStep[] = remove.map((group) => ({ kind: 'remove-group', group }));
  const revokesSeat = removeGroups === 'license' || removeGroups === 'all' || readOnlyDeactivation;
  if (seat.directGrant && revokesSeat) steps.push({ kind: 'revoke-use-grant' });
  for (const group of addGroups) {
    if (!includesName(seat.directGroups, group)) steps.push({ kind: 'add-group', group });
  }
  // An account already off needs no deactivation; the plan lists only what it will change.
  if (deactivate && writableDirectory && user.status !== 'disabled') steps.push({ kind: 'disable' });

  const removed = new NameSet(remove);
  const freed = deactivate && writableDirectory
    ? true
    : seat.billableGroups.every((g) => removed.has(g)) && (!seat.directGrant || revokesSeat);
  if (!freed) {
    const kept = seat.billableGroups.filter((g) => !removed.has(g));
    const via = [...kept, ...(seat.directGrant && !revokesSeat ? ['an individual "can use" grant'] : [])];
    notes.push(`keeps a seat through ${via.join(', ')}: removeGroups does not cover it`);
  }
  return { steps, notes, freed };
}
