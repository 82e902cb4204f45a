/**
 * `instance check`: the report of what a live instance showed for each assumption Seatkeeper makes, and the
 * escaping of what it quotes from the instance. Pure: no I/O, no clock. The responses it read are redacted in
 * capture-redaction.ts.
 */

import { escapeControl } from './text-escape.ts';

/** How one assumption held: `skip` when this version or this instance cannot tell. */
export type CheckVerdict = 'pass' | 'warn' | 'fail' | 'skip';

/** The assumptions, in the order they are reported. */
export const CHECK_IDS = [
  'version-route',
  'admin-rights',
  'status-values',
  'email-presence',
  'last-login',
  'total-count',
  'page-caps',
  'member-lists',
  'permission-subjects',
  'slash-groups',
  'licence-counts',
  'writes',
] as const;

export type CheckId = (typeof CHECK_IDS)[number];

/** What each row is about, as printed. */
export const CHECK_TITLES: Readonly<Record<CheckId, string>> = {
  'version-route': 'version route',
  'admin-rights': 'administrator rights',
  'status-values': 'status values (expand=status)',
  'email-presence': 'e-mail on the user lists',
  'last-login': 'lastLogin on the admin list (10.2+)',
  'total-count': 'totalCount on paged answers',
  'page-caps': 'page caps (asked limit=1000)',
  'member-lists': 'group member lists: direct or flattened',
  'permission-subjects': 'permission subjects (9.3+)',
  'slash-groups': 'group names with "/"',
  'licence-counts': 'licence counts',
  writes: 'writes (not tested: read-only check)',
};

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

/** A row with its title from CHECK_TITLES. */
export function checkRow(id: CheckId, verdict: CheckVerdict, saw: string): CheckRow {
  return { id, title: CHECK_TITLES[id], verdict, saw };
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
