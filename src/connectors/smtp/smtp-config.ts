/** The configuration of the mail server notices go through, as it appears under `notices.smtp:` in seatkeeper.yaml. */

import { z } from 'zod';

/** Zod schema of `notices.smtp`; defaults filled in. */
export const smtpConfigSchema = z.strictObject({
  host: z.string().min(1, 'host must not be empty'),
  port: z.number().int().min(1).max(65535),
  /** true: TLS from the first byte (usually port 465); false: plain, upgraded by STARTTLS when the server offers it. */
  secure: z.boolean().default(false),
  /** With secure: false, refuse to send (and to log in) unless the server upgrades the connection with STARTTLS. */
  requireTLS: z.boolean().default(false),
  auth: z.strictObject({ user: z.string().min(1, 'user must not be empty'), pass: z.string().min(1, 'pass must not be empty') }).optional(),
  /** Connection, greeting and socket timeout. */
  timeoutMs: z.number().int().min(100).max(300_000).default(30_000),
});

/** One validated mail server configuration (defaults applied). */
export type SmtpConfig = z.infer<typeof smtpConfigSchema>;
