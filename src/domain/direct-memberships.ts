/**
 * Direct memberships from member lists that may be flattened. Whether Confluence's `/group/{g}/member` lists a child
 * group's members too is undocumented (evidence says it does), so a user listed in a group and in one of its
 * descendants is taken to be a direct member of the descendant only. A user who really is in both is then missed as a
 * member of the parent: the run's re-read after the write finds and reports any seat that stayed.
 */

import type { GroupNesting, Membership } from './snapshot.ts';

/** The memberships with every (parent, user) pair dropped whose user the parent's descendants also list. */
export function deriveDirectMemberships(memberships: readonly Membership[], nesting: readonly GroupNesting[]): Membership[] {
  if (nesting.length === 0) return [...memberships];
  const childrenOf = new Map<string, string[]>();
  for (const { parent, child } of nesting) childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), child]);
  const membersOf = new Map<string, Set<string>>();
  for (const { group, username } of memberships) {
    const set = membersOf.get(group);
    if (set === undefined) membersOf.set(group, new Set([username]));
    else set.add(username);
  }
  // Descendants per group, cycles tolerated (Confluence allows them).
  const descendants = new Map<string, readonly string[]>();
  const descendantsOf = (group: string): readonly string[] => {
    const cached = descendants.get(group);
    if (cached !== undefined) return cached;
    const seen = new Set<string>([group]);
    const stack = [...(childrenOf.get(group) ?? [])];
    const out: string[] = [];
    while (stack.length > 0) {
      const current = stack.pop() ?? group;
      if (seen.has(current)) continue;
      seen.add(current);
      out.push(current);
      stack.push(...(childrenOf.get(current) ?? []));
    }
    descendants.set(group, out);
    return out;
  };
  // A descendant that is also an ancestor (a cycle) lists the same flattened set: it proves nothing, so such a pair stays.
  const strictlyBelow = (group: string, d: string): boolean => !descendantsOf(d).includes(group);
  return memberships.filter(
    ({ group, username }) => !descendantsOf(group).some((d) => membersOf.get(d)?.has(username) === true && strictlyBelow(group, d)),
  );
}
