/** Last-login values as Confluence may render them: epoch milliseconds or ISO-8601 with an explicit offset. */

const ISO_WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * A last-login value as Confluence may render it: epoch milliseconds (number or numeric string) or
 * ISO-8601 with an explicit offset. Anything else, a local time without offset included, is `null`:
 * guessing a time zone would make "inactive for 90 days" off by up to a day.
 * Zero and negative epochs are treated as "never" (Java's default for an unset date).
 */
export function parseLoginInstant(raw: unknown): Date | null {
  if (typeof raw === 'number') return epochMillis(raw);
  if (typeof raw !== 'string') return null;
  const trimmed = raw.trim();
  if (/^-?\d+$/.test(trimmed)) return epochMillis(Number(trimmed));
  const m = ISO_WITH_OFFSET.exec(trimmed);
  if (m === null) return null;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const second = Number(m[6] ?? '0');
  const millis = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3));
  if (year === undefined || month === undefined || day === undefined || hour === undefined || minute === undefined) return null;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    return null;
  }
  const offsetMinutes = parseOffset(m[8] ?? 'Z');
  if (offsetMinutes === null) return null;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  return epochMillis(utc);
}

/** 0 or a negative epoch: Java's way of saying "no date", not a malformed one. */
export function isEpochSentinel(raw: unknown): boolean {
  const value = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  return typeof value === 'number' && value <= 0;
}

function epochMillis(value: number): Date | null {
  if (!Number.isSafeInteger(value) || value <= 0) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parseOffset(offset: string): number | null {
  if (offset.toUpperCase() === 'Z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 18 || minutes > 59) return null;
  return sign * (hours * 60 + minutes);
}
