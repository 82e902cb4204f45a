/** The port notices go out through: one e-mail at a time, handed to a mail server. Implemented by connectors/smtp. */

/** One rendered notice. */
export interface OutgoingNotice {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** Extra headers, e.g. `Auto-Submitted` so out-of-office replies stay away. */
  readonly headers: Readonly<Record<string, string>>;
}

/** What the mail server said when it accepted a notice. */
export interface NoticeReceipt {
  /** The Message-ID header, as journaled: the way to find the e-mail in the mail server's logs. */
  readonly messageId: string;
}

/**
 * Sends notices. `send` resolves once the mail server accepted the message and throws ConnectorError otherwise:
 * `fixable` when the server itself cannot be used (unreachable, login refused, TLS required but not offered), so the
 * caller stops instead of failing every notice in turn; otherwise the one message was refused.
 */
export interface Notifier {
  /** Where notices go, for messages: e.g. `smtp://mail.example.com:587`. */
  readonly target: string;
  send(notice: OutgoingNotice, signal?: AbortSignal): Promise<NoticeReceipt>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}
