/**
 * A scan as Seatkeeper's own journal says it is now: the steps runs made since the scan, laid over its snapshot, so a
 * search right after an apply shows the apply instead of the state before it.
 */

import type { InstanceSnapshot, Membership, UserSnapshot } from './snapshot.ts';
import type { JournalEntry } from './journal.ts';
import { currentStep, describeStep } from './action-step.ts';

/** The snapshot with the journal's steps applied, and per username (as the snapshot spells it) what they changed. */
export interface JournalOverlay {
  readonly snapshot: InstanceSnapshot;
  readonly changed: ReadonlyMap<string, readonly string[]>;
}

interface Account {
  readonly username: string;
  status: UserSnapshot['status'];
  displayName: string;
  email: string | null;
  /** Lower-cased name → the spelling to show. */
  groups: Map<string, string>;
  /** Applications held individually. */
  direct: Set<string>;
}

/**
 * Applies the `done` and `already-done` steps of `entries`, in journal order, to the users of `snapshot`. Each step
 * sets a value (a membership, the grant, the flag, the name), so a step the scan already saw changes nothing. Users
 * and groups are matched case-insensitively, as Confluence does; entries for users the scan does not know are left out.
 */
export function overlayJournal(snapshot: InstanceSnapshot, entries: readonly JournalEntry[]): JournalOverlay {
  // No run since the scan (the usual case): no index of 100k users to build.
  if (entries.length === 0) return { snapshot, changed: new Map() };
  const usersByLower = new Map(snapshot.users.map((u) => [u.username.toLowerCase(), u]));
  const applied = [...entries]
    .filter((e) => (e.outcome === 'done' || e.outcome === 'already-done') && e.step.kind !== 'confirm-seat-freed')
    .filter((e) => usersByLower.has(e.username.toLowerCase()))
    .sort((a, b) => a.id - b.id);
  if (applied.length === 0) return { snapshot, changed: new Map() };

  const spelling = new Map<string, string>();
  for (const group of [...snapshot.groups, ...snapshot.memberships.map((m) => m.group)]) {
    if (!spelling.has(group.toLowerCase())) spelling.set(group.toLowerCase(), group);
  }
  const directOf = (key: string): Set<string> =>
    new Set(snapshot.applications.filter((a) => a.users.some((u) => u.toLowerCase() === key)).map((a) => a.key));
  // Keyed by lower-cased username, like every lookup below.
  const accounts = new Map<string, Account>();
  for (const entry of applied) {
    const key = entry.username.toLowerCase();
    const user = usersByLower.get(key);
    if (user === undefined || accounts.has(key)) continue;
    accounts.set(key, { username: user.username, status: user.status, displayName: user.displayName, email: user.email, groups: new Map(), direct: directOf(key) });
  }
  for (const { group, username } of snapshot.memberships) accounts.get(username.toLowerCase())?.groups.set(group.toLowerCase(), group);

  const changed = new Map<string, string[]>();
  for (const entry of applied) {
    const account = accounts.get(entry.username.toLowerCase());
    if (account === undefined) continue;
    const step = currentStep(entry.step);
    switch (step.kind) {
      case 'remove-group':
        account.groups.delete(step.group.toLowerCase());
        break;
      case 'add-group':
        account.groups.set(step.group.toLowerCase(), spelling.get(step.group.toLowerCase()) ?? step.group);
        break;
      case 'revoke-application':
        account.direct.delete(step.application);
        break;
      case 'grant-application':
        account.direct.add(step.application);
        break;
      case 'rename':
        // Shown in what changed; the overlay keeps matching the account by the name the scan knows it by.
        break;
      case 'disable':
        account.status = 'disabled';
        break;
      case 'enable':
        account.status = 'active';
        break;
      case 'set-display-name':
        account.displayName = step.displayName;
        break;
      case 'set-email':
        account.email = step.email;
        break;
      case 'confirm-seat-freed':
        continue;
    }
    changed.set(account.username, [...(changed.get(account.username) ?? []), describeStep(entry.step)]);
  }

  const memberships: Membership[] = snapshot.memberships.filter((m) => !accounts.has(m.username.toLowerCase()));
  for (const account of accounts.values()) for (const group of account.groups.values()) memberships.push({ group, username: account.username });
  const applications = snapshot.applications.map((a) => ({
    ...a,
    users: [
      ...a.users.filter((u) => !accounts.has(u.toLowerCase())),
      ...[...accounts.values()].filter((account) => account.direct.has(a.key)).map((account) => account.username),
    ],
  }));
  const grantedUse = [...new Set(applications.flatMap((a) => a.users))];
  const users = snapshot.users.map((u) => {
    const account = accounts.get(u.username.toLowerCase());
    return account === undefined ? u : { ...u, status: account.status, displayName: account.displayName, email: account.email };
  });
  return {
    snapshot: { ...snapshot, users, memberships, applications, grants: { ...snapshot.grants, useUsers: grantedUse } },
    changed,
  };
}
