/** The SMTP Notifier: notices as e-mails from the configured sender, marked as automatic so auto-replies stay away. */

import type { Notifier } from '../../app/notifier-port.ts';
import type { SmtpConfig } from './smtp-config.ts';
import { createSmtpClient, type SmtpClient } from './smtp-client.ts';

/** A Notifier over the configured mail server. `client` is a seam for tests of the connector itself. */
export function createSmtpNotifier(settings: { smtp: SmtpConfig; from: string }, client: SmtpClient = createSmtpClient(settings.smtp)): Notifier {
  return {
    target: client.target,
    async send(notice, signal) {
      signal?.throwIfAborted();
      // RFC 3834: an automatic message; well-behaved responders do not answer it.
      const headers = { 'Auto-Submitted': 'auto-generated', ...notice.headers };
      return client.send({ from: settings.from, to: notice.to, subject: notice.subject, text: notice.text, html: notice.html, headers });
    },
    async close() {
      client.close();
    },
  };
}
