/** Rows of the login query and how one username's rows (one per directory it exists in) fold into a LoginFact. */

import { z } from 'zod';
import type { LoginFact } from '../../app/instance-port.ts';
import { readFlag } from './confluence-dc-directories.ts';

const instant = z.union([z.date(), z.string(), z.null()]);
export const position = z.union([z.number(), z.string(), z.null()]).transform((value) => {
  if (value === null) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
});
export const loginRow = z.object({
  lower_username: z.string(),
  username: z.string().nullable(),
  // user_mapping's primary key: the account id.
  user_key: z.string().nullable(),
  success_date: instant,
  last_authenticated: z.union([z.string(), z.number(), z.null()]),
  created_date: instant,
  email_address: z.string().nullish(),
  directory_name: z.string().nullable(),
  directory_active: z.unknown(),
  list_index: position,
});

export type LoginRow = z.infer<typeof loginRow>;

/**
 * One fact per username from its joined rows (one per directory the name exists in). lastLogin is the
 * latest of SUCCESSDATE and lastAuthenticated over all rows; createdAt is the latest creation date,
 * the conservative choice: a newer account is less likely to pass a "never logged in for N days" rule.
 * The directory is the one Confluence resolves the name to: the first active directory in its order.
 */
export function foldRows(rows: readonly LoginRow[]): LoginFact[] {
  const facts: LoginFact[] = [];
  type Current = { key: string; accountId: string | null; username: string; lastLogin: Date | null; createdAt: Date | null; directory: DirectoryRank | null };
  // The e-mail of the row Confluence resolves the name to (the chosen directory's account).
  let current: Current | null = null;
  const fact = (c: Current): LoginFact => ({
    accountId: c.accountId,
    username: c.username,
    lastLogin: c.lastLogin,
    createdAt: c.createdAt,
    directory: c.directory?.name ?? null,
    email: c.directory?.email ?? null,
  });
  for (const row of rows) {
    if (current === null || current.key !== row.lower_username) {
      if (current !== null) facts.push(fact(current));
      current = { key: row.lower_username, accountId: row.user_key, username: row.username ?? row.lower_username, lastLogin: null, createdAt: null, directory: null };
    }
    current.lastLogin = later(current.lastLogin, later(toDate(row.success_date), fromEpochText(row.last_authenticated)));
    current.createdAt = later(current.createdAt, toDate(row.created_date));
    current.directory = first(current.directory, rankOf(row));
  }
  if (current !== null) facts.push(fact(current));
  return facts;
}

/** A row's directory and its place in Confluence's resolution: active directories first, then by list_index. */
interface DirectoryRank {
  readonly name: string;
  /** cwd_user.email_address of the account in this directory; blank is none. */
  readonly email: string | null;
  readonly inactive: boolean;
  readonly index: number;
}

function rankOf(row: LoginRow): DirectoryRank | null {
  if (row.directory_name === null) return null;
  const email = row.email_address === null || row.email_address === undefined || row.email_address.trim() === '' ? null : row.email_address.trim();
  return { name: row.directory_name, email, inactive: readFlag(row.directory_active) !== true, index: row.list_index ?? Infinity };
}

function first(a: DirectoryRank | null, b: DirectoryRank | null): DirectoryRank | null {
  if (a === null) return b;
  if (b === null) return a;
  const order = Number(a.inactive) - Number(b.inactive) || a.index - b.index || (a.name <= b.name ? -1 : 1);
  return order <= 0 ? a : b;
}

function toDate(value: Date | string | null): Date | null {
  if (value === null) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** cwd_user_attribute stores lastAuthenticated as epoch milliseconds in a text column. */
function fromEpochText(value: string | number | null): Date | null {
  if (value === null) return null;
  const text = String(value).trim();
  if (!/^\d+$/.test(text)) return null;
  const millis = Number(text);
  return Number.isSafeInteger(millis) && millis > 0 ? new Date(millis) : null;
}

function later(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() >= b.getTime() ? a : b;
}

/** Runs a derivation; a RangeError (a value it cannot read) becomes a ConnectorError naming the database. */
