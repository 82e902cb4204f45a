/**
 * Reads the notice templates: the files named under `notices.templates` (relative to the working directory, like the
 * SQLite store path), or the defaults shipped in templates/. Every problem is listed at once, before anything is sent.
 */

import { readFileSync } from 'node:fs';
import { packageFilePath } from './package-files.ts';
import { InvalidInput } from '../domain/errors.ts';
import { DEFAULT_NOTICE_SUBJECT, templateProblems, type NoticeTemplates } from '../domain/notice-template.ts';
import type { NoticesConfig } from './lifecycle-config.ts';

/** The shipped default templates, which admins copy to start their own. */
export const DEFAULT_TEMPLATE_FILES: Readonly<Record<'text' | 'html', string>> = {
  text: packageFilePath('templates/notice.txt'),
  html: packageFilePath('templates/notice.html'),
};

/** Loads and checks the subject, text and HTML templates; throws InvalidInput listing every problem. */
export function loadNoticeTemplates(templates: NoticesConfig['templates']): NoticeTemplates {
  const problems: string[] = [];
  const read = (part: 'text' | 'html'): string => {
    const configured = templates[part];
    const file = configured ?? DEFAULT_TEMPLATE_FILES[part];
    try {
      const content = readFileSync(file, 'utf8');
      problems.push(...templateProblems(content, `notices.templates.${part} (${file})`, { requireLink: true }));
      return content;
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      problems.push(`notices.templates.${part}: cannot read ${file}: ${reason}`);
      return '';
    }
  };
  const loaded = { subject: templates.subject ?? DEFAULT_NOTICE_SUBJECT, text: read('text'), html: read('html') };
  if (problems.length > 0) throw new InvalidInput('the notice templates cannot be used', problems);
  return loaded;
}
