/** Use cases: the audit log — recording a write with its outcome, verifying the chain, exporting it for a SIEM. */

import type { Store } from './store-port.ts';
import type { Clock } from './clock.ts';
import type { AuditEvent, AuditRecord } from './store/audit-log-repository-port.ts';
import { CHAIN_START, checkChain, type ChainBreak, type ChainCursor } from '../domain/audit-chain.ts';
import { Conflict, GuardTripped, InvalidInput, NotAllowed, NotAuthenticated, NotFound } from '../domain/errors.ts';

const PAGE = 1000;

/** Who did it, from where; the rest of the event is the write's. */
export interface AuditActor {
  readonly actor: string;
  readonly address: string | null;
}

/** `refused` for errors that mean the write was not allowed or not possible as asked, `failed` for the rest. */
export function outcomeOf(error: unknown): 'refused' | 'failed' {
  return error instanceof InvalidInput || error instanceof NotFound || error instanceof Conflict || error instanceof NotAllowed || error instanceof NotAuthenticated || error instanceof GuardTripped
    ? 'refused'
    : 'failed';
}

/** Appends one event now. */
export function recordAudit(deps: { store: Pick<Store, 'audit'>; clock: Clock }, event: AuditEvent) {
  return deps.store.audit.append(event, deps.clock.now());
}

/**
 * Runs a write and records it with its outcome, whatever it is: `ok` with `detail(result)`, else `refused` or
 * `failed` with the error's message. The write's error is rethrown; the log is written either way.
 */
export async function audited<T>(
  deps: { store: Pick<Store, 'audit'>; clock: Clock },
  who: AuditActor,
  what: { action: string; target: string | null; detail?: Readonly<Record<string, unknown>> },
  write: () => Promise<T>,
  detail: (result: T) => Readonly<Record<string, unknown>> = () => ({}),
): Promise<T> {
  let result: T;
  try {
    result = await write();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await recordAudit(deps, { ...who, action: what.action, target: what.target, outcome: outcomeOf(error), detail: { ...what.detail, error: message.slice(0, 500) } });
    throw error;
  }
  await recordAudit(deps, { ...who, action: what.action, target: what.target, outcome: 'ok', detail: { ...what.detail, ...detail(result) } });
  return result;
}

/** What verify found: rows read, the breaks, and the head to compare with an outside copy. */
export interface AuditVerification {
  readonly ok: boolean;
  readonly rows: number;
  readonly breaks: readonly ChainBreak[];
  readonly head: ChainCursor;
}

/** Reads the whole log in order and checks its chain. */
export async function verifyAudit(store: Pick<Store, 'audit'>): Promise<AuditVerification> {
  let cursor = CHAIN_START;
  let rows = 0;
  const breaks: ChainBreak[] = [];
  for (;;) {
    const page = await store.audit.read({ afterSeq: cursor.seq, limit: PAGE });
    if (page.length === 0) break;
    const checked = checkChain(cursor, page);
    breaks.push(...checked.breaks);
    cursor = checked.cursor;
    rows += page.length;
  }
  return { ok: breaks.length === 0, rows, breaks, head: cursor };
}

/** The log's rows in order, from `since` on, a page at a time. */
export async function* exportAudit(store: Pick<Store, 'audit'>, input: { since?: Date } = {}): AsyncIterable<AuditRecord> {
  let after = 0;
  for (;;) {
    const page = await store.audit.read({ afterSeq: after, limit: PAGE, ...(input.since === undefined ? {} : { since: input.since }) });
    if (page.length === 0) return;
    yield* page;
    const last = page[page.length - 1];
    if (last === undefined) return;
    after = last.seq;
  }
}
