/**
 * Whom `undo --user NAME` is about. Identity is the account, not the name: NAME is resolved to the account that holds
 * it, and that account's journal entries are selected by its key under whatever name each was made, with old entries
 * that recorded no key matched by NAME as before.
 *
 * NAME is resolved by, in order: the newest complete scan of the instance (who holds the name now), Seatkeeper's user
 * memory (which follows renames a scan saw), then the journal itself (entries made under NAME, or renames Seatkeeper
 * did to it). So after `alice` was renamed `alice_inactive_20261204`, both names reach her entries — the new one by the
 * scan or by the journal's rename, the old one by the scan if it predates the rename, else by the journal — and once
 * another account holds `alice` and a scan lists it, `alice` means that account only: the renamed one is reached by its
 * current name, never mixed in.
 */

import type { JournalAccount, SignedJournalEntry } from './store/journal-repository-port.ts';
import type { Store } from './store-port.ts';
import { InvalidInput, NotFound } from '../domain/errors.ts';
import { escapeControl } from './instance-check.ts';
import { UntrustedRecord } from './record-signing.ts';

/** Where the account's key came from; `none`: nothing knows the name, entries are matched by it alone. */
export type UndoAccountSource = 'scan' | 'memory' | 'journal' | 'none';

/** The account an undo of one user is about. */
export interface UndoAccount extends JournalAccount {
  /** The name asked for, spelled as the newest scan lists it when it does (names compare case-insensitively). */
  readonly username: string;
  readonly foundBy: UndoAccountSource;
}

type AccountStores = Pick<Store, 'scans' | 'memory' | 'journal'>;

/** Resolves a username to the account that holds it (see the file's comment); refuses a name the journal gave to two accounts when nothing says which holds it now. */
export async function resolveUndoAccount(store: AccountStores, instance: string, username: string): Promise<UndoAccount> {
  const scan = await store.scans.latest(instance, { status: 'complete' });
  const listed = scan === null ? null : await store.scans.accountNamed(scan.id, username);
  // Spelled as the scan lists it: keyless entries, matched by name, carry the spelling of the plans made from scans.
  if (listed !== null) return { username: listed.username, userKey: listed.userKey, foundBy: 'scan' };
  const remembered = (await store.memory.recall(instance, [username])).get(username)?.userKey ?? null;
  if (remembered !== null && remembered !== '') return { username, userKey: remembered, foundBy: 'memory' };
  const holders = await store.journal.holdersOfName(instance, username);
  const [only, ...others] = holders;
  if (only === undefined) return { username, userKey: null, foundBy: 'none' };
  if (others.length > 0) {
    throw new InvalidInput(
      `the journal holds changes to ${holders.length} accounts that had the name ${escapeControl(username)} at different times (user keys ${holders.map((h) => escapeControl(h.userKey)).join(', ')}), and no scan or memory says which holds it now`,
      ['undo each account by the username it has now (a scan lists it)', 'or undo each of their runs on its own'],
    );
  }
  return { username, userKey: only.userKey, foundBy: 'journal' };
}

/** The account's entries, oldest first; NotFound, saying who holds the name, when Seatkeeper never changed it. */
export async function accountEntries(store: AccountStores, instance: string, account: UndoAccount): Promise<SignedJournalEntry[]> {
  const entries = await store.journal.entriesForAccount(instance, account);
  if (entries.length > 0) return entries;
  const name = escapeControl(account.username);
  if (account.userKey === null) throw new NotFound(`Seatkeeper never changed ${name} on instance ${instance}: its journal has no step for that username`);
  const earlier = (await store.journal.holdersOfName(instance, account.username)).filter((h) => h.userKey !== account.userKey);
  const before = earlier.length === 0
    ? ''
    : `; its changes under that name were to ${earlier.length === 1 ? 'another account' : 'other accounts'} (user key ${earlier.map((h) => escapeControl(h.userKey)).join(', ')}) that had the name before: undo ${earlier.length === 1 ? 'it' : 'them'} by the name ${earlier.length === 1 ? 'it has' : 'they have'} now, or by run`;
  throw new NotFound(`Seatkeeper never changed ${name} on instance ${instance}: its journal has no step for the account that holds the name (user key ${escapeControl(account.userKey)})${before}`);
}

/**
 * Refuses entries selected by the account's key whose signed prior state read another account: the key column is not
 * signed, so it is believed only as far as what was signed agrees. Only `done` entries count (a skipped one may have
 * read a stranger behind the name, which is why it was skipped).
 */
export function checkAccountEntries(entries: readonly SignedJournalEntry[], account: UndoAccount): void {
  if (account.userKey === null) return;
  for (const entry of entries) {
    const read = entry.prior?.userKey;
    if (entry.outcome !== 'done' || read === undefined || read === '' || read === account.userKey) continue;
    throw new UntrustedRecord(
      `journal entry ${entry.id} of run ${escapeControl(entry.runId)} is recorded for account ${escapeControl(account.userKey)} but its signed prior state is of account ${escapeControl(read)}: ` +
        'its account was altered in the database; nothing is undone on the journal\'s word: review the run and restore by hand what needs it',
      'journal entry',
      `${entry.id} of run ${entry.runId}`,
      false,
    );
  }
}

/**
 * One account's entries under one username, the one asked for (it leads to this account), so the undo has one row for
 * the account however often it was renamed in between, and never shows it under a name another account holds now.
 * The entries' signatures must be checked before: this rewrites what they say.
 */
export function underOneName(entries: readonly SignedJournalEntry[], username: string): SignedJournalEntry[] {
  return entries.map((entry) => (entry.username === username ? entry : { ...entry, username }));
}
