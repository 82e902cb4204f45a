/**
 * The audit log's chain: each row's hash is sha256 over its own fields and the hash of the row before, so editing a
 * row breaks its hash, and deleting one leaves a gap in the numbers and a row whose `prev` names a hash no longer
 * there. Cutting rows off the end leaves a shorter valid chain: the head (seq and hash) that verify reports is what an
 * outside copy (the SIEM export) anchors.
 */

import { canonicalJson, hashText } from './plan-hash.ts';

/** The `prev` of the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields a row's hash covers. */
export interface ChainedFields {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly address: string | null;
  readonly outcome: string;
  readonly detail: unknown;
  readonly prevHash: string;
}

/** The hash of one row. */
export function auditRowHash(row: ChainedFields): string {
  const { seq, at, actor, action, target, address, outcome, detail, prevHash } = row;
  return hashText(canonicalJson({ v: 'seatkeeper.audit.v1', seq, at, actor, action, target, address, outcome, detail, prev: prevHash }));
}

/** One thing wrong with the chain. */
export interface ChainBreak {
  readonly seq: number;
  /** `edited`: the row's fields do not hash to its hash; `missing`: rows before it are gone; `relinked`: its prev is not the hash of the row before. */
  readonly kind: 'edited' | 'missing' | 'relinked';
  readonly message: string;
}

/** Where a check of the chain stands after some rows: carried from page to page. */
export interface ChainCursor {
  readonly seq: number;
  readonly hash: string;
}

/** The cursor before the first row. */
export const CHAIN_START: ChainCursor = { seq: 0, hash: GENESIS_HASH };

/** Checks rows that follow `from` in order; returns the breaks found and the cursor after them. */
export function checkChain(from: ChainCursor, rows: readonly (ChainedFields & { readonly hash: string })[]): { breaks: ChainBreak[]; cursor: ChainCursor } {
  const breaks: ChainBreak[] = [];
  let cursor = from;
  for (const row of rows) {
    if (row.seq !== cursor.seq + 1) {
      const gone = row.seq - cursor.seq - 1;
      breaks.push({ seq: row.seq, kind: 'missing', message: `row ${row.seq} follows row ${cursor.seq}: ${gone} ${gone === 1 ? 'row is' : 'rows are'} missing` });
    } else if (row.prevHash !== cursor.hash) {
      breaks.push({ seq: row.seq, kind: 'relinked', message: `row ${row.seq} is not chained to row ${cursor.seq} before it` });
    }
    if (auditRowHash(row) !== row.hash) breaks.push({ seq: row.seq, kind: 'edited', message: `row ${row.seq} was changed after it was written` });
    cursor = { seq: row.seq, hash: row.hash };
  }
  return { breaks, cursor };
}
