import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepAccessLink, renderNotice, templateProblems, type NoticeFields } from './notice-template.ts';

const FIELDS: NoticeFields = {
  displayName: 'Ada <script>alert(1)</script> & "Co"',
  username: 'ada',
  email: 'ada@example.com',
  instance: 'wiki',
  policy: 'inactive-users',
  dueDate: '2026-03-15',
  lastLogin: '2025-12-11',
  keepAccessUrl: 'https://seatkeeper.example.com/keep?token=abc&x=1',
};

test('renders every field; HTML is escaped in the HTML part only; unknown names stay as written', () => {
  const out = renderNotice(
    {
      subject: 'Licence goes {{ dueDate }}\r\nBcc: evil@example.net',
      text: 'Hello {{displayName}}, keep it: {{keepAccessUrl}} ({{policy}} on {{instance}}, last login {{lastLogin}}) {{nope}}',
      html: '<p>Hello {{displayName}}</p><a href="{{keepAccessUrl}}">keep</a>',
    },
    FIELDS,
  );
  assert.equal(out.subject, 'Licence goes 2026-03-15 Bcc: evil@example.net');
  assert.equal(
    out.text,
    'Hello Ada <script>alert(1)</script> & "Co", keep it: https://seatkeeper.example.com/keep?token=abc&x=1 (inactive-users on wiki, last login 2025-12-11) {{nope}}',
  );
  assert.equal(
    out.html,
    '<p>Hello Ada &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;</p><a href="https://seatkeeper.example.com/keep?token=abc&amp;x=1">keep</a>',
  );
});

test('template problems: unknown placeholders and a missing keep-access link are named', () => {
  assert.deepEqual(templateProblems('Hi {{displayName}} {{keepAccessUrl}}', 'notices.templates.text', { requireLink: true }), []);
  assert.deepEqual(templateProblems('Hi {{fullName}}', 'notices.templates.text', { requireLink: true }), [
    'notices.templates.text: unknown placeholder {{fullName}}; known: {{displayName}} {{username}} {{email}} {{instance}} {{policy}} {{dueDate}} {{lastLogin}} {{keepAccessUrl}}',
    "notices.templates.text: must contain {{keepAccessUrl}}, the link that keeps the user's access",
  ]);
  assert.deepEqual(templateProblems('Licence goes {{dueDate}}', 'notices.templates.subject', { requireLink: false }), []);
});

test('the keep-access link carries the token, URL-encoded', () => {
  assert.equal(keepAccessLink('https://sk.example.com/api/v1/keep-access/{token}', 'a+b/c'), 'https://sk.example.com/api/v1/keep-access/a%2Bb%2Fc');
});
