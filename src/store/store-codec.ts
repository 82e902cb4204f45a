/** Conversions shared by the repositories: dates as ISO-8601 UTC text, short random ids, chunking for batch inserts. */

import { randomBytes } from 'node:crypto';
import { InvalidInput } from '../domain/errors.ts';

// Dates outside years 0000–9999 serialise as "+010000-…" and would break the text ordering that
// ISO strings otherwise give for free (latest scan, newest run, earliest first-seen).
const MIN_TIME = Date.parse('0000-01-01T00:00:00.000Z');
const MAX_TIME = Date.parse('9999-12-31T23:59:59.999Z');

/** A Date as stored: `YYYY-MM-DDTHH:mm:ss.sssZ`, which sorts as text in both dialects. */
export function toIso(date: Date): string {
  const time = date.getTime();
  if (!Number.isFinite(time) || time < MIN_TIME || time > MAX_TIME) {
    throw new InvalidInput(`Cannot store the date ${String(date)}: it must be a valid instant between the years 0 and 9999.`);
  }
  return date.toISOString();
}

/** A nullable Date as stored. */
export function toIsoOrNull(date: Date | null): string | null {
  return date === null ? null : toIso(date);
}

/** Normalises a date string from a domain object (e.g. `Plan.createdAt`) to the stored form. */
export function isoFromText(text: string, what: string): string {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new InvalidInput(`${what} is not a date: ${JSON.stringify(text)}.`);
  return toIso(date);
}

/** A stored date back as a Date. */
export function fromIso(text: string): Date {
  return new Date(text);
}

/** A nullable stored date back as a Date. */
export function fromIsoOrNull(text: string | null): Date | null {
  return text === null ? null : new Date(text);
}

// Crockford's base32 in lower case: no i, l, o, u, so ids read aloud and copy cleanly.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** A short readable id such as `plan_7k2m9x4q1c`: 10 base32 characters, 50 random bits. */
export function newId(prefix: 'scan' | 'plan' | 'run'): string {
  const bytes = randomBytes(10);
  let id = '';
  for (const byte of bytes) id += ALPHABET.charAt(byte & 31);
  return `${prefix}_${id}`;
}

/** Splits rows so that no statement binds more than `maxParameters` values. */
export function chunk<T>(rows: readonly T[], columnsPerRow: number, maxParameters: number): T[][] {
  const size = Math.max(1, Math.floor(maxParameters / columnsPerRow));
  const chunks: T[][] = [];
  for (let start = 0; start < rows.length; start += size) chunks.push(rows.slice(start, start + size));
  return chunks;
}
