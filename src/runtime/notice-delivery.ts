/** The composition of notice sending: the SMTP notifier, the templates and the keep-access link, from the config. */

import type { SeatkeeperConfig } from '../config/config-schema.ts';
import type { NoticeDelivery } from '../app/lifecycle-run.ts';
import { loadNoticeTemplates } from '../config/notice-templates-loader.ts';
import { createSmtpNotifier } from '../connectors/smtp/smtp-connector.ts';

/** How notices go out, when the config has a `notices` section; the templates are read and checked here. */
export function noticeDeliveryFor(config: SeatkeeperConfig): NoticeDelivery | undefined {
  const notices = config.notices;
  if (notices === undefined) return undefined;
  return {
    templates: loadNoticeTemplates(notices.templates),
    // Nothing connects until the first notice: a run without notices never touches the mail server.
    notifier: createSmtpNotifier({ smtp: notices.smtp, from: notices.from }),
    keepAccessUrl: notices.keepAccessUrl,
  };
}
