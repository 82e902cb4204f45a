/**
 * SMTP through nodemailer: one pooled transport per configured server, and its errors turned into ConnectorErrors that
 * say whether the server as a whole is unusable (stop sending) or one message was refused (go on with the next).
 */

import nodemailer from 'nodemailer';
import { ConnectorError } from '../../app/connector-error.ts';
import type { SmtpConfig } from './smtp-config.ts';

/** A message as the client sends it. */
export interface SmtpMessage {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The thin client: send and close. */
export interface SmtpClient {
  readonly target: string;
  send(message: SmtpMessage): Promise<{ messageId: string }>;
  close(): void;
}

// nodemailer's error codes for a server that cannot be used at all: every further message would fail the same way.
const SERVER_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'EAUTH', 'ETLS', 'ENOAUTH', 'EPROXY']);

function field(error: unknown, key: 'code' | 'responseCode' | 'response'): unknown {
  return typeof error === 'object' && error !== null ? Reflect.get(error, key) : undefined;
}

/** A nodemailer failure as a ConnectorError naming the server and what to fix. */
export function smtpError(error: unknown, target: string, to: string): ConnectorError {
  const code = field(error, 'code');
  const responseCode = field(error, 'responseCode');
  const status = typeof responseCode === 'number' ? responseCode : null;
  const reason = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && SERVER_CODES.has(code)) {
    const hint = code === 'EAUTH' || code === 'ENOAUTH'
      ? 'the mail server refused the login: check notices.smtp.auth'
      : code === 'ETLS'
        ? 'TLS could not be set up (a server that does not offer STARTTLS is refused): use the server\'s TLS port with ' +
          'notices.smtp.secure: true (usually 465), or set notices.smtp.requireTLS: false to send in plain text'
        : 'the mail server cannot be reached: check notices.smtp.host and port';
    return new ConnectorError(`${hint} (${reason})`, { target, fixable: true, retryable: code !== 'EAUTH', status, cause: error });
  }
  // 4xx is the server's "not now"; 5xx and envelope errors are its "never" for this message.
  const retryable = status !== null && status >= 400 && status < 500;
  return new ConnectorError(`the mail server refused the notice to ${to}: ${reason}`, { target, retryable, status, cause: error });
}

/** Creates the pooled transport; nothing connects until the first message. */
export function createSmtpClient(config: SmtpConfig): SmtpClient {
  const target = `smtp${config.secure ? 's' : ''}://${config.host}:${config.port}`;
  const transport = nodemailer.createTransport({
    pool: true,
    // One connection: notices are few per run, and a second connection only risks a server's rate limit.
    maxConnections: 1,
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.requireTLS,
    ...(config.auth === undefined ? {} : { auth: { user: config.auth.user, pass: config.auth.pass } }),
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
  });
  return {
    target,
    async send(message) {
      try {
        const info = await transport.sendMail({ ...message, headers: { ...message.headers } });
        return { messageId: info.messageId };
      } catch (error) {
        throw smtpError(error, target, message.to);
      }
    },
    close() {
      transport.close();
    },
  };
}
