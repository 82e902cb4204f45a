/**
 * Notice e-mails from admin-editable templates: `{{name}}` placeholders filled from a fixed list of fields, escaped
 * for HTML in the HTML part. Deliberately tiny (no loops, no logic): a template an admin edits cannot run code.
 */

/** The subject, plain-text and HTML templates of a notice. */
export interface NoticeTemplates {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** The values a notice template can use. */
export interface NoticeFields {
  readonly displayName: string;
  readonly username: string;
  readonly email: string;
  readonly instance: string;
  readonly policy: string;
  /** The UTC day the licence goes, yyyy-mm-dd. */
  readonly dueDate: string;
  /** yyyy-mm-dd, or "never". */
  readonly lastLogin: string;
  /** The link that keeps the user's access. */
  readonly keepAccessUrl: string;
}

/** Every field name a template may use, in the order the docs list them. */
export const NOTICE_FIELDS: readonly (keyof NoticeFields)[] = [
  'displayName',
  'username',
  'email',
  'instance',
  'policy',
  'dueDate',
  'lastLogin',
  'keepAccessUrl',
];

/** The subject used when the config names none. */
export const DEFAULT_NOTICE_SUBJECT = 'Your Confluence licence goes on {{dueDate}} unless you keep it';

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

function isField(name: string): name is keyof NoticeFields {
  return NOTICE_FIELDS.some((field) => field === name);
}

/** Problems with one template (unknown placeholders, a missing keep-access link), named after `what`. */
export function templateProblems(template: string, what: string, options: { requireLink: boolean }): string[] {
  const problems: string[] = [];
  const used = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    used.add(name);
    if (!isField(name)) problems.push(`${what}: unknown placeholder {{${name}}}; known: ${NOTICE_FIELDS.map((f) => `{{${f}}}`).join(' ')}`);
  }
  // The notice exists to offer the way back: a template without the link would warn without helping.
  if (options.requireLink && !used.has('keepAccessUrl')) problems.push(`${what}: must contain {{keepAccessUrl}}, the link that keeps the user's access`);
  return problems;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

function fill(template: string, fields: NoticeFields, encode: (value: string) => string): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (isField(name) ? encode(fields[name]) : whole));
}

/** The notice's subject, text and HTML for one user. */
export function renderNotice(templates: NoticeTemplates, fields: NoticeFields): NoticeTemplates {
  return {
    // A line break in a header would start a new header: a display name must not be able to add one.
    subject: fill(templates.subject, fields, (v) => v).replace(/[\r\n]+/g, ' ').trim(),
    text: fill(templates.text, fields, (v) => v),
    html: fill(templates.html, fields, escapeHtml),
  };
}

/** The keep-access link for one token: the config's URL template with `{token}` filled in. */
export function keepAccessLink(urlTemplate: string, token: string): string {
  return urlTemplate.replaceAll('{token}', encodeURIComponent(token));
}
