/**
 * Who is in which group and which group is nested in which, with the sorted member listings the REST
 * routes page through: direct members and the flattened list (members of descendant groups too). Listings
 * are built once per group and patched on each membership write, so a 100,000-user instance answers a
 * page without re-sorting its largest group after every change. Names are lower-case keys throughout.
 */

/** What the graph needs of a user: its lower-case name, the sort key of every listing. */
export interface Member {
  readonly lower: string;
}

/** The membership and nesting relations of one instance, with cached listings. */
export class MembershipGraph<U extends Member> {
  private readonly members = new Map<string, Set<string>>();
  private readonly memberOf = new Map<string, Set<string>>();
  private readonly children = new Map<string, Set<string>>();
  private readonly parents = new Map<string, Set<string>>();
  private readonly directCache = new Map<string, readonly U[]>();
  private readonly flattenedCache = new Map<string, readonly U[]>();

  constructor(private readonly userOf: (lower: string) => U | undefined) {}

  /** Adds a membership; false when it existed. */
  add(group: string, user: U): boolean {
    if (this.isMember(user, group)) return false;
    link(this.members, group, user.lower);
    link(this.memberOf, user.lower, group);
    this.patchListings(group, user);
    return true;
  }

  /** Removes a membership; false when there was none. */
  remove(group: string, user: U): boolean {
    if (!this.isMember(user, group)) return false;
    this.members.get(group)?.delete(user.lower);
    this.memberOf.get(user.lower)?.delete(group);
    this.patchListings(group, user);
    return true;
  }

  /** Nests `child` in `parent`. Only at start-up (there is no nesting write), so listings are simply dropped. */
  nest(parent: string, child: string): void {
    link(this.children, parent, child);
    link(this.parents, child, parent);
    this.directCache.clear();
    this.flattenedCache.clear();
  }

  isMember(user: Member, group: string): boolean {
    return this.memberOf.get(user.lower)?.has(group) === true;
  }

  /** The user's direct groups. */
  groupsOf(user: string): ReadonlySet<string> {
    return this.memberOf.get(user) ?? EMPTY;
  }

  childrenOf(group: string): ReadonlySet<string> {
    return this.children.get(group) ?? EMPTY;
  }

  parentsOf(group: string): ReadonlySet<string> {
    return this.parents.get(group) ?? EMPTY;
  }

  /** The given groups and every group nested below them, however deep; cycles end the walk. */
  descendants(...groups: string[]): Set<string> {
    return closure(this.children, groups);
  }

  /** Direct user members, sorted by lower-case name. */
  directMembers(group: string): readonly U[] {
    const cached = this.directCache.get(group);
    if (cached !== undefined) return cached;
    const list = this.sorted(this.members.get(group) ?? EMPTY);
    this.directCache.set(group, list);
    return list;
  }

  /** Members of the group or of any descendant group, each once, sorted by lower-case name. */
  flattenedMembers(group: string): readonly U[] {
    const cached = this.flattenedCache.get(group);
    if (cached !== undefined) return cached;
    const names = new Set<string>();
    for (const reached of this.descendants(group)) for (const name of this.members.get(reached) ?? EMPTY) names.add(name);
    const list = this.sorted(names);
    this.flattenedCache.set(group, list);
    return list;
  }

  private sorted(names: ReadonlySet<string>): U[] {
    return [...names].flatMap((name) => this.userOf(name) ?? []).sort((a, b) => compare(a.lower, b.lower));
  }

  /**
   * `user` joined or left `group` (already applied): the group's direct listing and the flattened listings
   * of it and every ancestor are patched. Cached arrays are replaced, never mutated, since callers may hold them.
   */
  private patchListings(group: string, user: U): void {
    if (this.directCache.size === 0 && this.flattenedCache.size === 0) return;
    const joined = this.isMember(user, group);
    const direct = this.directCache.get(group);
    if (direct !== undefined) this.directCache.set(group, joined ? withUser(direct, user) : withoutUser(direct, user));
    for (const ancestor of closure(this.parents, [group])) {
      const list = this.flattenedCache.get(ancestor);
      if (list === undefined) continue;
      if (joined) this.flattenedCache.set(ancestor, withUser(list, user));
      else if (!this.reaches(user, ancestor)) this.flattenedCache.set(ancestor, withoutUser(list, user));
    }
  }

  /** Whether the user is still a member of `group` or of one of its descendants. */
  private reaches(user: U, group: string): boolean {
    const below = this.descendants(group);
    for (const joined of this.groupsOf(user.lower)) if (below.has(joined)) return true;
    return false;
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/** Adds `value` to the set under `key`, creating it. */
export function link<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set === undefined) map.set(key, new Set([value]));
  else set.add(value);
}

/** Code-unit order, the order every listing uses. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function closure(edges: ReadonlyMap<string, ReadonlySet<string>>, start: readonly string[]): Set<string> {
  const reached = new Set<string>(start);
  for (const queue = [...start]; queue.length > 0; ) {
    for (const next of edges.get(queue.pop() ?? '') ?? EMPTY) {
      if (!reached.has(next)) {
        reached.add(next);
        queue.push(next);
      }
    }
  }
  return reached;
}

/** Index of the user in a sorted listing, or `-(insertion point + 1)`. */
function search(list: readonly Member[], user: Member): number {
  let low = 0;
  let high = list.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const order = compare(list[middle]?.lower ?? '', user.lower);
    if (order === 0) return middle;
    if (order < 0) low = middle + 1;
    else high = middle - 1;
  }
  return -(low + 1);
}

function withUser<U extends Member>(list: readonly U[], user: U): readonly U[] {
  const at = search(list, user);
  return at >= 0 ? list : list.toSpliced(-(at + 1), 0, user);
}

function withoutUser<U extends Member>(list: readonly U[], user: U): readonly U[] {
  const at = search(list, user);
  return at < 0 ? list : list.toSpliced(at, 1);
}
