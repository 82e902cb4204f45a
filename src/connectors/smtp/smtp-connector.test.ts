// The SMTP notifier against a real SMTP server on 127.0.0.1 (smtp-server): what arrives, and how refusals surface.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSmtpNotifier } from './smtp-connector.ts';
import { smtpConfigSchema } from './smtp-config.ts';
import { ConnectorError } from '../../app/connector-error.ts';
import { startSmtpSink } from '../../../test/support/smtp-sink.ts';
import { unusedPort } from '../../../test/e2e/cli-harness.ts';

const NOTICE = {
  to: 'ada@example.com',
  subject: 'Your Confluence licence goes on 2026-03-15 unless you keep it',
  text: 'Hello Ada Lovelace ☃, keep it: https://seatkeeper.example.com/keep?token=abc_DEF-123&utm=mail',
  html: '<p>Hello Ada Lovelace ☃</p><a href="https://seatkeeper.example.com/keep?token=abc_DEF-123&amp;utm=mail">keep</a>',
  headers: { 'X-Seatkeeper-Notice': 'inactive-users/unlicense' },
};

function notifier(port: number, extra: Record<string, unknown> = {}) {
  const smtp = smtpConfigSchema.parse({ host: '127.0.0.1', port, timeoutMs: 5000, ...extra });
  return createSmtpNotifier({ smtp, from: 'Seatkeeper <seatkeeper@example.com>' });
}

test('a notice arrives with its sender, recipient, subject, both parts, and the automatic-message headers', async () => {
  const sink = await startSmtpSink();
  const mail = notifier(sink.port);
  try {
    assert.equal(mail.target, `smtp://127.0.0.1:${sink.port}`);
    const receipt = await mail.send(NOTICE);
    assert.equal(sink.received.length, 1);
    const got = sink.received[0];
    assert.ok(got);
    assert.equal(got.mailFrom, 'seatkeeper@example.com');
    assert.deepEqual(got.rcptTo, ['ada@example.com']);
    assert.equal(got.headers.get('message-id'), receipt.messageId);
    assert.equal(got.headers.get('auto-submitted'), 'auto-generated');
    assert.equal(got.headers.get('x-seatkeeper-notice'), 'inactive-users/unlicense');
    assert.equal(got.text.trim(), NOTICE.text);
    assert.equal(got.html.trim(), NOTICE.html);
  } finally {
    await mail.close();
    await sink.close();
  }
});

test('SMTP login: the right credentials are used; wrong ones are a fixable error that names notices.smtp.auth', async () => {
  const logins: string[] = [];
  const sink = await startSmtpSink({
    authOptional: false,
    onAuth(auth, _session, callback) {
      logins.push(`${auth.username ?? ''}:${auth.password ?? ''}`);
      if (auth.username === 'seatkeeper' && auth.password === 's3cret') callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
  });
  const good = notifier(sink.port, { auth: { user: 'seatkeeper', pass: 's3cret' } });
  const bad = notifier(sink.port, { auth: { user: 'seatkeeper', pass: 'wrong' } });
  try {
    await good.send(NOTICE);
    assert.equal(sink.received.length, 1);
    await assert.rejects(bad.send(NOTICE), (error: unknown) => {
      assert.ok(error instanceof ConnectorError);
      assert.equal(error.fixable, true);
      assert.match(error.message, /the mail server refused the login: check notices\.smtp\.auth/);
      return true;
    });
    assert.deepEqual(logins, ['seatkeeper:s3cret', 'seatkeeper:wrong']);
    assert.equal(sink.received.length, 1);
  } finally {
    await good.close();
    await bad.close();
    await sink.close();
  }
});

test('a refused recipient fails that notice only (not fixable), with the server status', async () => {
  const sink = await startSmtpSink({
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('gone@')) {
        const error = Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 });
        callback(error);
      } else callback();
    },
  });
  const mail = notifier(sink.port);
  try {
    await assert.rejects(mail.send({ ...NOTICE, to: 'gone@example.com' }), (error: unknown) => {
      assert.ok(error instanceof ConnectorError);
      assert.equal(error.fixable, false);
      assert.equal(error.retryable, false);
      assert.equal(error.status, 550);
      assert.match(error.message, /refused the notice to gone@example\.com/);
      return true;
    });
    await mail.send(NOTICE);
    assert.deepEqual(sink.received.map((m) => m.rcptTo[0]), ['ada@example.com']);
  } finally {
    await mail.close();
    await sink.close();
  }
});

test('an unreachable mail server is a fixable error naming host and port', async () => {
  const port = await unusedPort();
  const mail = notifier(port, { timeoutMs: 2000 });
  try {
    await assert.rejects(mail.send(NOTICE), (error: unknown) => {
      assert.ok(error instanceof ConnectorError);
      assert.equal(error.fixable, true);
      assert.equal(error.target, `smtp://127.0.0.1:${port}`);
      assert.match(error.message, /cannot be reached: check notices\.smtp\.host and port/);
      return true;
    });
  } finally {
    await mail.close();
  }
});

test('TLS decision: required to any host but this machine, implicit on 465, plain only when the config says so', () => {
  const table: [Record<string, unknown>, { secure: boolean; requireTLS: boolean }][] = [
    [{ host: 'mail.example.com', port: 587 }, { secure: false, requireTLS: true }],
    [{ host: 'mail.example.com', port: 25 }, { secure: false, requireTLS: true }],
    [{ host: '10.0.0.25', port: 25 }, { secure: false, requireTLS: true }],
    [{ host: 'mail.example.com', port: 465 }, { secure: true, requireTLS: false }],
    [{ host: 'mail.example.com', port: 2465, secure: true }, { secure: true, requireTLS: false }],
    [{ host: 'mail.example.com', port: 587, requireTLS: false }, { secure: false, requireTLS: false }],
    [{ host: '127.0.0.1', port: 25 }, { secure: false, requireTLS: false }],
    [{ host: '127.8.9.10', port: 25 }, { secure: false, requireTLS: false }],
    [{ host: 'localhost', port: 25 }, { secure: false, requireTLS: false }],
    [{ host: 'LOCALHOST.', port: 25 }, { secure: false, requireTLS: false }],
    [{ host: '::1', port: 25 }, { secure: false, requireTLS: false }],
    [{ host: '[::1]', port: 25 }, { secure: false, requireTLS: false }],
    [{ host: '::ffff:127.0.0.1', port: 25 }, { secure: false, requireTLS: false }],
    [{ host: '127.0.0.1', port: 25, requireTLS: true }, { secure: false, requireTLS: true }],
    // Names that only look local are not: they resolve wherever DNS says.
    [{ host: 'localhost.example.com', port: 25 }, { secure: false, requireTLS: true }],
    [{ host: '127.0.0.1.nip.io', port: 25 }, { secure: false, requireTLS: true }],
    [{ host: '::2', port: 25 }, { secure: false, requireTLS: true }],
  ];
  for (const [input, expected] of table) {
    const parsed = smtpConfigSchema.parse(input);
    assert.deepEqual({ secure: parsed.secure, requireTLS: parsed.requireTLS }, expected, JSON.stringify(input));
  }
});

test('a server that offers no STARTTLS is refused when TLS is required: a fixable error that says what to set, nothing sent', async () => {
  // The sink offers no STARTTLS, like a plain relay; requireTLS: true stands in for a remote host's default.
  const sink = await startSmtpSink();
  const mail = notifier(sink.port, { requireTLS: true });
  try {
    await assert.rejects(mail.send(NOTICE), (error: unknown) => {
      assert.ok(error instanceof ConnectorError);
      assert.equal(error.fixable, true);
      assert.match(error.message, /TLS could not be set up .*notices\.smtp\.secure: true .*notices\.smtp\.requireTLS: false/);
      return true;
    });
    assert.equal(sink.received.length, 0);
  } finally {
    await mail.close();
    await sink.close();
  }
});

test('a notice goes to exactly one address: a list, a display name or a header injection reaches nobody', async () => {
  const sink = await startSmtpSink();
  const mail = notifier(sink.port);
  try {
    for (const to of ['a@x.example, b@y.example', 'Boss <boss@x.example>', 'ada@example.com\r\nBcc: eve@evil.example', 'a@x.example;b@y.example']) {
      await assert.rejects(mail.send({ ...NOTICE, to }), (error: unknown) => {
        assert.ok(error instanceof ConnectorError);
        assert.equal(error.fixable, false);
        assert.match(error.message, /is not one e-mail address/);
        return true;
      });
    }
    assert.deepEqual(sink.received.flatMap((m) => m.rcptTo), []);
    await mail.send(NOTICE);
    assert.deepEqual(sink.received.flatMap((m) => m.rcptTo), ['ada@example.com']);
  } finally {
    await mail.close();
    await sink.close();
  }
});
