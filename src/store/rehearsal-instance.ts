/**
 * How a rehearsal keeps apart in the tables both modes share: user memory, lifecycle stages, the notice journal,
 * schedules and alerts. Each of them is keyed by instance first — a primary key (user memory, lifecycle stages,
 * schedules) or a unique key (the notice journal's once-per-period key, the alerts' open key) — so a `rehearsal` column
 * alone would leave a rehearsal row and a real row fighting over one key, and adding the column to those keys would
 * mean rebuilding the tables on SQLite. Instead a rehearsal store keeps its rows under `<instance>@rehearsal`: every
 * key, conflict target and lookup stays as it is, and rows written before this existed are real, as they were.
 * Instance ids cannot hold "@" (config-schema.ts), so a mapped id never meets a real one.
 */

import type { StoreContext } from './store-context.ts';

const SUFFIX = '@rehearsal';
// Neither "%" nor "_" appears in the suffix, so the pattern matches it literally on both dialects.
const PATTERN = `%${SUFFIX}`;

/** The instance id as stored for this store's mode: `wiki` in a real store, `wiki@rehearsal` in a rehearsal. */
export function modeInstance(context: Pick<StoreContext, 'rehearsal'>, instance: string): string {
  return context.rehearsal === 1 ? `${instance}${SUFFIX}` : instance;
}

/** The plain instance id of a stored row, so callers of either mode always see `wiki`. */
export function plainInstance(stored: string): string {
  return stored.endsWith(SUFFIX) ? stored.slice(0, -SUFFIX.length) : stored;
}

/**
 * The `where` that keeps a query over every instance (or found by id or token) to this store's mode, as an operator
 * and a pattern for the instance column.
 */
export function modeMatch(context: Pick<StoreContext, 'rehearsal'>): { readonly op: 'like' | 'not like'; readonly pattern: string } {
  return { op: context.rehearsal === 1 ? 'like' : 'not like', pattern: PATTERN };
}
