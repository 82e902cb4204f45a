/**
 * A real SMTP server on 127.0.0.1 (the smtp-server package) that keeps every message it accepts, for tests of the
 * SMTP connector and the end-to-end lifecycle. Messages are decoded just enough to read their parts.
 */

import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** One accepted message. */
export interface ReceivedMail {
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly raw: string;
  readonly headers: ReadonlyMap<string, string>;
  /** Decoded text/plain part. */
  readonly text: string;
  /** Decoded text/html part. */
  readonly html: string;
}

/** A running sink. */
export interface SmtpSink {
  readonly port: number;
  readonly received: ReceivedMail[];
  close(): Promise<void>;
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  // Folded header lines continue with whitespace.
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function decodeBody(body: string, encoding: string): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

function split(raw: string): { headers: Map<string, string>; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  if (at < 0) return { headers: parseHeaders(raw), body: '' };
  const gap = raw.slice(at).startsWith('\r\n\r\n') ? 4 : 2;
  return { headers: parseHeaders(raw.slice(0, at)), body: raw.slice(at + gap) };
}

/** The decoded parts of a message by content type (single-part or one level of multipart/alternative or mixed). */
function parts(raw: string): { headers: Map<string, string>; byType: Map<string, string> } {
  const { headers, body } = split(raw);
  const byType = new Map<string, string>();
  const walk = (partHeaders: Map<string, string>, partBody: string) => {
    const type = partHeaders.get('content-type') ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (type.toLowerCase().startsWith('multipart/') && boundary !== undefined) {
      for (const chunk of partBody.split(`--${boundary}`).slice(1)) {
        if (chunk.startsWith('--')) break;
        const inner = split(chunk.replace(/^\r?\n/, ''));
        walk(inner.headers, inner.body);
      }
      return;
    }
    const mime = type.split(';')[0]?.trim().toLowerCase() ?? 'text/plain';
    byType.set(mime, decodeBody(partBody, (partHeaders.get('content-transfer-encoding') ?? '7bit').toLowerCase()));
  };
  walk(headers, body);
  return { headers, byType };
}

/** Starts the sink on an ephemeral loopback port. `options` adds or overrides smtp-server options (auth, refusals). */
export async function startSmtpSink(options: SMTPServerOptions = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    // Plain SMTP on loopback: without a certificate, offering STARTTLS would only make the client's upgrade fail.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const { headers, byType } = parts(raw);
        received.push({
          mailFrom: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          raw,
          headers,
          text: byType.get('text/plain') ?? '',
          html: byType.get('text/html') ?? '',
        });
        callback();
      });
    },
    ...options,
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.on('error', reject);
    const listening = server.listen(0, '127.0.0.1', () => {
      const address = listening.address();
      if (address === null || typeof address === 'string') reject(new Error('the SMTP sink got no port'));
      else resolve(address.port);
    });
  });
  return {
    port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
