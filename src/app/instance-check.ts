/**
 * `instance check`: the report of what a live instance showed for each assumption Seatkeeper makes, and the
 * escaping of what it quotes from the instance. Pure: no I/O, no clock. Which rows there are is each product's check's
 * own (its CheckCatalogue); the responses it read are redacted in capture-redaction.ts.
 */

import { escapeControl } from './text-escape.ts';

/** How one assumption held: `skip` when this version or this instance cannot tell. */
export type CheckVerdict = 'pass' | 'warn' | 'fail' | 'skip';

/** A row's id as its product's check names it (`version-route`, `user-listing`): stable, for scripts reading `--json`. */
export type CheckId = string;

/** One product's rows: their ids in report order, each with its title as printed. */
export interface CheckCatalogue<Id extends CheckId> {
  readonly ids: readonly Id[];
  readonly titles: ReadonlyMap<Id, string>;
  /** A row with its title from the catalogue. */
  row(id: Id, verdict: CheckVerdict, saw: string): CheckRow;
}

/** The catalogue of one product's check, from `[id, title]` pairs in report order. */
export function checkCatalogue<const Id extends CheckId>(rows: readonly (readonly [Id, string])[]): CheckCatalogue<Id> {
  const titles = new Map<Id, string>(rows);
  return { ids: rows.map(([id]) => id), titles, row: (id, verdict, saw) => ({ id, title: titles.get(id) ?? id, verdict, saw }) };
}

/** One assumption as the instance showed it; `saw` quotes the instance briefly, control characters escaped. */
export interface CheckRow {
  readonly id: CheckId;
  readonly title: string;
  readonly verdict: CheckVerdict;
  readonly saw: string;
}

/** The rows for one instance, or why it could not be checked at all. */
export interface InstanceCheckReport {
  readonly instance: string;
  /** The version as read; null when none could be. */
  readonly version: string | null;
  /** The worst verdict of the rows (`skip` counts as nothing); `fail` when `error` is set. */
  readonly verdict: 'pass' | 'warn' | 'fail';
  readonly rows: readonly CheckRow[];
  /** Why nothing could be checked (unreachable, credentials refused); null otherwise. */
  readonly error: string | null;
}

/** The report of one instance from its rows. */
export function instanceReport(instance: string, version: string | null, rows: readonly CheckRow[]): InstanceCheckReport {
  return { instance, version, verdict: worstVerdict(rows), rows, error: null };
}

/** The report of an instance that could not be checked. */
export function unreachableReport(instance: string, error: string): InstanceCheckReport {
  return { instance, version: null, verdict: 'fail', rows: [], error: escapeControl(error) };
}

/** `fail` over `warn` over `pass`; skipped rows say nothing either way. */
export function worstVerdict(rows: readonly { readonly verdict: CheckVerdict }[]): 'pass' | 'warn' | 'fail' {
  if (rows.some((row) => row.verdict === 'fail')) return 'fail';
  return rows.some((row) => row.verdict === 'warn') ? 'warn' : 'pass';
}

// The escaping lives with the rest of the terminal escaping; it is re-exported for the modules that quote the instance.
export { escapeControl };

/** A value from the instance, escaped, in double quotes, cut at `max` characters. */
export function quote(text: string, max = 80): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return `"${escapeControl(cut)}"`;
}

/** Up to `max` quoted names, then "and N more". */
export function quoteList(names: readonly string[], max = 10): string {
  const shown = names.slice(0, max).map((name) => quote(name, 60)).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}
