/**
 * Reads a file of user change requests, CSV or JSON, into requests for planUserChanges; every problem of every line is
 * listed at once. The JSON shape (userChangeRequestSchema) is also what a REST body holds.
 */

import { z } from 'zod';
import type { UserChangeRequest } from '../domain/user-changes.ts';
import { InvalidInput } from '../domain/errors.ts';

const groupList = z.array(z.string().min(1));

/** One request as JSON: `removeGroups` is a list of group names or the word "all". */
export const userChangeRequestSchema: z.ZodType<UserChangeRequest> = z.strictObject({
  username: z.string().min(1),
  removeGroups: z.union([groupList, z.literal('all')]).optional(),
  addGroups: groupList.optional(),
  setGroups: z.array(z.string().min(1)).optional(),
  deactivate: z.boolean().optional(),
  reactivate: z.boolean().optional(),
  email: z.string().optional(),
  displayName: z.string().optional(),
  renameTo: z.string().optional(),
});

/** The CSV columns, in the order a template lists them; lists are one cell, items joined by `;` (`\;` for a `;`). */
export const CHANGE_CSV_COLUMNS = [
  'username', 'removeGroups', 'removeAllGroups', 'addGroups', 'setGroups', 'deactivate', 'reactivate', 'email', 'displayName', 'renameTo',
] as const;

/** Most lines a change file may hold: a bigger change is several plans, each within the limits anyway. */
const MAX_LINES = 100_000;

/** RFC 4180 records: quoted cells may hold commas, quotes ("") and line breaks. Throws on an unterminated quote. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      record.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
    } else cell += c;
  }
  if (quoted) throw new InvalidInput('the CSV file ends inside a quoted cell', ['close the quote, or write a quote inside a cell as ""']);
  if (cell !== '' || record.length > 0) {
    record.push(cell);
    records.push(record);
  }
  return records.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** A list cell: items split on `;`, `\;` and `\\` read as `;` and `\`, blanks dropped. */
function listCell(cell: string): string[] {
  const items: string[] = [];
  let item = '';
  for (let i = 0; i < cell.length; i += 1) {
    const c = cell[i];
    if (c === '\\' && i + 1 < cell.length) {
      item += cell[i + 1];
      i += 1;
    } else if (c === ';') {
      items.push(item.trim());
      item = '';
    } else item += c;
  }
  items.push(item.trim());
  return items.filter((g) => g !== '');
}

const TRUE = new Set(['true', 'yes', '1', 'x']);
const FALSE = new Set(['false', 'no', '0', '']);

/** The requests of a CSV text with a header line naming CHANGE_CSV_COLUMNS (username required, the rest optional). */
function csvRequests(text: string): UserChangeRequest[] {
  const [header, ...lines] = parseCsv(text);
  if (header === undefined) throw new InvalidInput('the CSV file is empty', [`its first line names the columns: ${CHANGE_CSV_COLUMNS.join(',')}`]);
  const known: readonly string[] = CHANGE_CSV_COLUMNS;
  const columns = header.map((h) => h.trim());
  const problems = columns.filter((c) => !known.includes(c)).map((c) => `unknown column "${c}"; the columns are ${CHANGE_CSV_COLUMNS.join(', ')}`);
  if (!columns.includes('username')) problems.push('the header has no username column');
  if (lines.length > MAX_LINES) problems.push(`the file has ${lines.length} lines; at most ${MAX_LINES} are read`);
  if (problems.length > 0) throw new InvalidInput('the CSV file cannot be read', problems);
  const requests: UserChangeRequest[] = [];
  lines.forEach((cells, n) => {
    const line = n + 2;
    const at = (column: string): string => (cells[columns.indexOf(column)] ?? '').trim();
    const flag = (column: string): boolean | undefined => {
      const value = at(column).toLowerCase();
      if (TRUE.has(value)) return true;
      if (!FALSE.has(value)) problems.push(`line ${line}: ${column} is "${at(column)}"; write true or false (or leave it empty)`);
      return undefined;
    };
    const username = at('username');
    if (username === '') problems.push(`line ${line}: no username`);
    const removeAll = flag('removeAllGroups');
    const removeGroups = listCell(at('removeGroups'));
    if (removeAll === true && removeGroups.length > 0) problems.push(`line ${line}: removeAllGroups and removeGroups together; give one`);
    const addGroups = listCell(at('addGroups'));
    const text = (column: string): string | undefined => (at(column) === '' ? undefined : at(column));
    const setGroups = columns.includes('setGroups') && at('setGroups') !== '' ? listCell(at('setGroups')) : undefined;
    const deactivate = flag('deactivate');
    const reactivate = flag('reactivate');
    const email = text('email');
    const displayName = text('displayName');
    const renameTo = text('renameTo');
    requests.push({
      username,
      ...(removeAll === true ? { removeGroups: 'all' } : removeGroups.length > 0 ? { removeGroups } : {}),
      ...(addGroups.length > 0 ? { addGroups } : {}),
      ...(setGroups === undefined ? {} : { setGroups }),
      ...(deactivate === true ? { deactivate } : {}),
      ...(reactivate === true ? { reactivate } : {}),
      ...(email === undefined ? {} : { email }),
      ...(displayName === undefined ? {} : { displayName }),
      ...(renameTo === undefined ? {} : { renameTo }),
    });
  });
  if (problems.length > 0) throw new InvalidInput('the CSV file has lines that cannot be read', problems);
  return requests;
}

/** The requests of a JSON text: a list of requests, or `{ "changes": [...] }`. */
function jsonRequests(text: string): UserChangeRequest[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidInput('the JSON file is not valid JSON', [error instanceof Error ? error.message : String(error)]);
  }
  const parsed = z.union([z.array(userChangeRequestSchema), z.strictObject({ changes: z.array(userChangeRequestSchema) })]).safeParse(value);
  if (!parsed.success) throw new InvalidInput('the JSON file does not hold change requests', [z.prettifyError(parsed.error)]);
  return Array.isArray(parsed.data) ? parsed.data : parsed.data.changes;
}

/** Reads a change file; `format` from the file name's ending where the caller has one. */
export function parseChangeFile(text: string, format: 'csv' | 'json'): UserChangeRequest[] {
  return format === 'csv' ? csvRequests(text) : jsonRequests(text);
}
