/** The configuration of the mail server notices go through, as it appears under `notices.smtp:` in seatkeeper.yaml. */

import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

const smtpFields = z.strictObject({
  host: z.string().min(1, 'host must not be empty'),
  port: z.number().int().min(1).max(65535),
  /** true: TLS from the first byte; default: true on port 465, else plain upgraded by STARTTLS. */
  secure: z.boolean().optional(),
  /**
   * With STARTTLS: refuse to send (and to log in) unless the server upgrades the connection. Default: required, except
   * to a loopback host (a relay on the same machine); `false` allows plain text to any host.
   */
  requireTLS: z.boolean().optional(),
  auth: z.strictObject({ user: z.string().min(1, 'user must not be empty'), pass: z.string().min(1, 'pass must not be empty') }).optional(),
  /** Connection, greeting and socket timeout. */
  timeoutMs: z.number().int().min(100).max(300_000).default(30_000),
});

/** Zod schema of `notices.smtp`; defaults filled in, `secure` and `requireTLS` decided by smtpTls. */
export const smtpConfigSchema = smtpFields.transform((config) => ({ ...config, ...smtpTls(config) }));

/** One validated mail server configuration (defaults applied). */
export type SmtpConfig = z.infer<typeof smtpConfigSchema>;

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** Whether a host name or address is this machine: `localhost`, 127.0.0.0/8 or ::1 (also IPv4-mapped). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
  if (bare === 'localhost') return true;
  const family = isIP(bare);
  return family !== 0 && LOOPBACK.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The TLS decision: notices carry a keep-access link that works once for its holder, so they travel encrypted unless
 * the mail server is on this machine or the config says `requireTLS: false` in so many words. `secure`: TLS from the
 * first byte (default on port 465); `requireTLS`: STARTTLS must succeed before anything is sent, so a server without
 * it is refused.
 */
export function smtpTls(config: { host: string; port: number; secure?: boolean; requireTLS?: boolean }): { secure: boolean; requireTLS: boolean } {
  const secure = config.secure ?? config.port === 465;
  if (secure) return { secure, requireTLS: config.requireTLS ?? false };
  return { secure, requireTLS: config.requireTLS ?? !isLoopbackHost(config.host) };
}
