/** A stable hash of a plan: canonical JSON (sorted keys) through sha256, so an approved plan is run exactly as read. */

import { createHash } from 'node:crypto';
import type { Plan } from './plan.ts';

/** JSON with object keys sorted at every level; arrays keep their order; undefined members are left out. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) out += (i > 0 ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  // Plain loops: this runs over every row of a 100k-user plan.
  const record: Record<string, unknown> = { ...value };
  let out = '{';
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
    first = false;
  }
  return `${out}}`;
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
