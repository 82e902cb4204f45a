import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from './config-loader.ts';
import { redactConfig } from './config-redaction.ts';
import { toLifecycleSettings } from './lifecycle-config.ts';
import { loadNoticeTemplates } from './notice-templates-loader.ts';
import { InvalidInput } from '../domain/errors.ts';

const INSTANCE = { product: 'confluence-dc', url: 'https://wiki.example.com', auth: { token: 't' } };
const NOTICES = {
  smtp: { host: 'smtp.example.com', port: 587, auth: { user: 'seatkeeper', pass: 's3cret' } },
  from: 'Seatkeeper <seatkeeper@example.com>',
  keepAccessUrl: 'https://seatkeeper.example.com/api/v1/keep-access/{token}',
};

function staged(lifecycle: unknown, extra: Record<string, unknown> = {}) {
  return { instance: 'wiki', select: { inactiveDays: 90 }, lifecycle, ...extra };
}

function problemsOf(document: unknown): readonly string[] {
  try {
    parseConfig(document, {}, 'seatkeeper.yaml');
    return [];
  } catch (error) {
    assert.ok(error instanceof InvalidInput);
    return error.problems;
  }
}

test('a policy with a full lifecycle and the notices section loads, with defaults filled in', () => {
  const config = parseConfig(
    {
      instances: { wiki: INSTANCE },
      policies: { staged: staged({ notice: { daysBefore: 14 }, deactivateAfterDays: 30, rename: { displayNameSuffix: ' (inactive)' } }) },
      notices: NOTICES,
    },
    {},
    'seatkeeper.yaml',
  );
  assert.deepEqual(config.notices, {
    ...NOTICES,
    // smtp.example.com is not this machine: STARTTLS is required unless the config says otherwise.
    smtp: { ...NOTICES.smtp, secure: false, requireTLS: true, timeoutMs: 30_000 },
    templates: {},
  });
  assert.deepEqual(toLifecycleSettings(config.policies.staged?.lifecycle), {
    notice: { daysBefore: 14, required: true },
    deactivateAfterDays: 30,
    rename: { displayNameSuffix: ' (inactive)' },
  });
  assert.equal(toLifecycleSettings(undefined), null);
  // The SMTP password is redacted by key, like every other secret.
  const shown = JSON.stringify(redactConfig(config));
  assert.equal(shown.includes('s3cret'), false);
  assert.match(shown, /"pass":"\*\*\*"/);
});

test('the lifecycle rules across keys are listed at once, with clear messages', () => {
  const problems = problemsOf({
    instances: { wiki: INSTANCE },
    policies: {
      mailer: staged({ notice: { daysBefore: 90 } }),
      nothing: staged({ deactivateAfterDays: 10 }, { actions: { removeGroups: 'none', deactivate: true } }),
      leavers: { instance: 'wiki', select: { orgStatus: ['disabled'], via: 'ad' }, lifecycle: { rename: { displayNameSuffix: ' (left)' } } },
    },
    directories: { ad: { kind: 'ldap' } },
  });
  assert.deepEqual([...problems].sort(), [
    'notices: policies.mailer.lifecycle.notice sends e-mail: add notices: { smtp: { host, port }, from, keepAccessUrl }',
    'policies.leavers.lifecycle: a lifecycle counts from the last login: use it with inactiveDays or neverLoggedInDays, not orgStatus',
    'policies.mailer.lifecycle.notice.daysBefore: must be smaller than select.inactiveDays (90)',
    'policies.nothing.actions.deactivate: lifecycle.deactivateAfterDays deactivates later: set actions.deactivate: false',
    'policies.nothing.actions.removeGroups: the lifecycle unlicenses through removeGroups: use license, all or a list of groups, not none',
  ]);
});

test('the notices section is checked: link with {token}, sender, subject placeholders, no unknown keys', () => {
  const problems = problemsOf({
    instances: { wiki: INSTANCE },
    notices: {
      smtp: { host: '', port: 70000, tls: true },
      from: 'nobody',
      keepAccessUrl: 'https://seatkeeper.example.com/keep',
      templates: { subject: 'Bye {{fullName}}' },
    },
  });
  assert.deepEqual([...problems].sort(), [
    'notices.from: from must be an e-mail address, e.g. "Seatkeeper <seatkeeper@example.com>"',
    'notices.keepAccessUrl: keepAccessUrl must contain {token}, where each notice puts its own token',
    'notices.smtp.host: host must not be empty',
    'notices.smtp.port: Too big: expected number to be <=65535',
    'notices.smtp: Unrecognized key: "tls"',
    'notices.templates.subject: subject: unknown placeholder {{fullName}}; known: {{displayName}} {{username}} {{email}} {{instance}} {{policy}} {{dueDate}} {{lastLogin}} {{keepAccessUrl}}',
  ]);
});

test('the shipped templates load; an admin template with a wrong placeholder or no link is refused before sending', () => {
  const defaults = loadNoticeTemplates({});
  assert.match(defaults.text, /\{\{keepAccessUrl\}\}/);
  assert.match(defaults.html, /href="\{\{keepAccessUrl\}\}"/);
  assert.equal(defaults.subject, 'Your Confluence licence goes on {{dueDate}} unless you keep it');

  const dir = mkdtempSync(join(tmpdir(), 'sk-templates-'));
  const text = join(dir, 'mine.txt');
  writeFileSync(text, 'Dear {{name}}, bye.');
  const own = join(dir, 'mine.html');
  writeFileSync(own, '<p>{{displayName}}: <a href="{{keepAccessUrl}}">keep</a></p>');
  assert.equal(loadNoticeTemplates({ html: own, subject: 'Hi' }).html, '<p>{{displayName}}: <a href="{{keepAccessUrl}}">keep</a></p>');
  assert.throws(
    () => loadNoticeTemplates({ text, html: join(dir, 'missing.html') }),
    (error: unknown) =>
      error instanceof InvalidInput &&
      error.problems.length === 3 &&
      error.problems[0]?.startsWith(`notices.templates.text (${text}): unknown placeholder {{name}}`) === true &&
      error.problems[1] === `notices.templates.text (${text}): must contain {{keepAccessUrl}}, the link that keeps the user's access` &&
      error.problems[2]?.startsWith(`notices.templates.html: cannot read ${join(dir, 'missing.html')}`) === true,
  );
});
