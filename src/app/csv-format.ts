/**
 * RFC 4180 CSV lines, with spreadsheet formulas neutralised (a cell starting with = + - @, tab or CR). A list (e.g. a
 * user's groups) is one cell, its items joined by `;` with `;` and `\` inside an item escaped by `\`, so any
 * spreadsheet can split it on `;` and no item's own characters can fake a separator.
 */

import { once } from 'node:events';

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell: formula-looking text gets a leading apostrophe, then quoting where RFC 4180 needs it. */
export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A list as one cell's text: items joined by `;`, with `\` and `;` in an item written `\\` and `\;`. An item that
 * looks like a formula gets the apostrophe too, since splitting the cell into columns would make it a cell of its own;
 * so does a `;` inside an item that is followed by a formula character, because a spreadsheet splitting on `;` knows
 * nothing of the `\;` escape.
 */
export function csvList(items: readonly string[]): string {
  return items
    .map((item) => (FORMULA_START.test(item) ? `'${item}` : item).replace(/[\\;]/g, (c) => `\\${c}`).replace(/\\;(?=[=+\-@\t\r])/g, "\\;'"))
    .join(';');
}

/** One record, terminated by CRLF as RFC 4180 says. */
export function csvLine(cells: readonly (string | number | boolean | null)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/**
 * Rows as CSV text (header first), in chunks of 1,000 rows: what `writeCsv` writes to a file and the API streams, so
 * both give the same bytes and 100k rows never pile up in memory. Rows are read only as chunks are asked for.
 */
export function* csvChunks<Row>(rows: Iterable<Row>, columns: readonly (keyof Row & string)[]): Generator<string, void, undefined> {
  let count = 0;
  let chunk = csvLine(columns);
  for (const row of rows) {
    chunk += csvLine(columns.map((c) => cellValue(row[c])));
    count += 1;
    if (count % 1000 === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/**
 * Streams rows as CSV (see csvChunks) to a writable with back-pressure respected. Resolves with the number of rows once
 * everything is flushed.
 */
export async function writeCsv<Row>(
  rows: Iterable<Row>,
  columns: readonly (keyof Row & string)[],
  out: NodeJS.WritableStream,
): Promise<number> {
  let count = 0;
  function* counted(): Generator<Row, void, undefined> {
    for (const row of rows) {
      count += 1;
      yield row;
    }
  }
  for (const chunk of csvChunks(counted(), columns)) {
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return count;
}

function cellValue(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return csvList(value);
  return JSON.stringify(value);
}
