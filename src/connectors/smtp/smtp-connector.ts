/** The SMTP Notifier: notices as e-mails from the configured sender, marked as automatic so auto-replies stay away. */

import type { Notifier } from '../../app/notifier-port.ts';
import { ConnectorError } from '../../app/connector-error.ts';
import { noticeAddressProblem } from '../../domain/notice-address.ts';
import type { SmtpConfig } from './smtp-config.ts';
import { createSmtpClient, type SmtpClient } from './smtp-client.ts';

/** A Notifier over the configured mail server. `client` is a seam for tests of the connector itself. */
export function createSmtpNotifier(settings: { smtp: SmtpConfig; from: string }, client: SmtpClient = createSmtpClient(settings.smtp)): Notifier {
  return {
    target: client.target,
    async send(notice, signal) {
      signal?.throwIfAborted();
      // The mailer reads "a@x, b@y" or "Name <a@x>" as a list and would send to each: only one bare address goes out,
      // whatever the plan says (the planner already counts such users as unwarnable).
      const problem = noticeAddressProblem(notice.to);
      if (problem !== null) {
        throw new ConnectorError(`not sent: ${JSON.stringify(notice.to)} is not one e-mail address (it ${problem})`, { target: client.target });
      }
      // RFC 3834: an automatic message; well-behaved responders do not answer it.
      const headers = { 'Auto-Submitted': 'auto-generated', ...notice.headers };
      return client.send({ from: settings.from, to: notice.to, subject: notice.subject, text: notice.text, html: notice.html, headers });
    },
    async close() {
      client.close();
    },
  };
}
