/**
 * Confluence and Jira compare user, group and directory names without regard to case (Crowd keeps a lower-cased copy of
 * each and looks names up by it), so Seatkeeper does too: `Break-Glass` in the config protects the account
 * `break-glass`. Names are kept as the instance spells them for display and for requests; only comparisons fold case.
 */

/** The form two names are compared in. `toLowerCase` is locale-independent, like Crowd's `toLowerCase(Locale.ENGLISH)`. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** Whether two names denote the same user, group or directory. */
export function sameName(a: string, b: string): boolean {
  return nameKey(a) === nameKey(b);
}

/** A set of names that matches any spelling of a name it holds. */
export class NameSet {
  private readonly keys = new Set<string>();

  constructor(names: Iterable<string> = []) {
    for (const name of names) this.keys.add(nameKey(name));
  }

  has(name: string): boolean {
    return this.keys.has(nameKey(name));
  }

  add(name: string): this {
    this.keys.add(nameKey(name));
    return this;
  }

  get size(): number {
    return this.keys.size;
  }
}

/** Whether `names` holds `name` in any spelling. */
export function includesName(names: readonly string[], name: string): boolean {
  const key = nameKey(name);
  return names.some((n) => nameKey(n) === key);
}
