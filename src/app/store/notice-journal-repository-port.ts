/** The store's port for the notice journal. */

import type { PlannedNotice } from '../../domain/lifecycle.ts';

/** One notice e-mail as journaled: claimed before it goes to the mail server, settled with the server's answer. */
export interface NoticeEntry {
  readonly id: number;
  readonly instance: string;
  readonly policy: string;
  readonly username: string;
  /** The account the notice went to; null for a notice from before that was kept that no scan has matched yet. */
  readonly userKey: string | null;
  /** The stage the notice announces. */
  readonly stage: PlannedNotice['stage'];
  /** The period of inactivity it warns about (ISO-8601): a user who came back and left again is warned again. */
  readonly inactiveSince: string;
  readonly recipient: string;
  readonly runId: string;
  readonly claimedAt: string;
  readonly sentAt: string | null;
  readonly messageId: string | null;
  readonly error: string | null;
}

/** How a claim went: this caller sends it; it was sent already; or an earlier attempt stopped mid-send (never resent). */
export type NoticeClaim =
  | { readonly status: 'claimed'; readonly id: number }
  | { readonly status: 'sent'; readonly entry: NoticeEntry }
  | { readonly status: 'in-flight'; readonly entry: NoticeEntry };

/** The notice journal: each notice e-mail claimed before it is sent and settled after. */
export interface NoticeJournalRepository {
  /**
   * Claims a notice before it is sent; unique per instance, policy, user, stage and period of inactivity. A sent notice,
   * or one whose sending was interrupted, is never claimed again; a failed one is, with the new token.
   */
  claim(input: {
    instance: string;
    policy: string;
    username: string;
    /** The account id, when the caller knows it; a scan fills it in otherwise. */
    userKey?: string | null;
    stage: PlannedNotice['stage'];
    inactiveSince: Date;
    recipient: string;
    /** sha256 of the keep-access token, hex: the token itself is only in the e-mail. */
    tokenHash: string;
    runId: string;
    at: Date;
  }): Promise<NoticeClaim>;
  /** Records the mail server's answer for a claimed notice. */
  settle(id: number, outcome: { sentAt: Date; messageId: string } | { error: string }): Promise<void>;
  /** Notices of an instance, oldest first; optionally of one user or one run. */
  list(instance: string, filter?: { username?: string; runId?: string }): Promise<NoticeEntry[]>;
  /** The notice a keep-access link belongs to, by the sha256 of its token; null when none. */
  findByTokenHash(tokenHash: string): Promise<NoticeEntry | null>;
}
