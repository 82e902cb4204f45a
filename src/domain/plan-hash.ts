/** A stable hash of a plan: canonical JSON (sorted keys) through sha256, so an approved plan is run exactly as read. */

import { createHash } from 'node:crypto';
import type { Plan } from './plan.ts';

const quotedKeys = new Map<string, string>();

function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    // Plan keys are a small fixed vocabulary; the bound only guards against odd input.
    if (quotedKeys.size < 10_000) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/** JSON with object keys sorted at every level; arrays keep their order; undefined members are left out. */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return 'null';
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) out += (i > 0 ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  // Plain loops: this runs over every row of a 100k-user plan.
  const keys = Object.keys(value).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member: unknown = Reflect.get(value, key);
    if (member === undefined) continue;
    out += `${first ? '' : ','}${quoteKey(key)}:${canonicalJson(member)}`;
    first = false;
  }
  return `${out}}`;
}

/** sha256 of a canonical text, hex. */
export function hashText(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex');
}

/** sha256 over every field of the plan but the hash itself. */
export function hashPlan(plan: Omit<Plan, 'hash'>): string {
  return hashText(canonicalJson(plan));
}

/** True when the plan's content still matches its hash. */
export function verifyPlanHash(plan: Plan): boolean {
  const { hash, ...rest } = plan;
  return hashPlan(rest) === hash;
}
