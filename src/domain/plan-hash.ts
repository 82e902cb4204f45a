/** A stable hash of a plan: canonical JSON (sorted keys) through sha256, so an approved plan is run exactly as read. */

import { createHash } from 'node:crypto';
import type { Plan } from './plan.ts';

/** JSON with object keys sorted at every level; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** sha256 over every field of the plan but the hash itself. */
export function hashPlan(plan: Omit<Plan, 'hash'>): string {
  return createHash('sha256').update(canonicalJson(plan)).digest('hex');
}

/** True when the plan's content still matches its hash. */
export function verifyPlanHash(plan: Plan): boolean {
  const { hash, ...rest } = plan;
  return hashPlan(rest) === hash;
}
