/** Redaction of secrets for every log line and every `config show`: by key, and inside every string value. */

import { looksSecret, redactSecrets } from '../domain/secret-redaction.ts';

// `pass` is nodemailer's name for the SMTP password (notices.smtp.auth.pass); the rest of the config's secret keys
// (`token`, `password`, `clientSecret`, `privateKey`, `apiKey`, `secret`) are caught by looksSecret as well.
const SECRET_KEYS = new Set(['token', 'password', 'pass', 'clientSecret', 'privateKey', 'apiKey', 'secret']);

/**
 * Replaces the secrets of a URL (a password in the user info, even with an empty user name, and secret-looking query
 * parameters) with `***`.
 */
export { redactUrl } from '../domain/secret-redaction.ts';

/**
 * A deep copy of the config with secrets replaced by `***`: every value under a secret key, and inside every other
 * string the passwords of URLs, secret query parameters and `password=` pairs (a store or database URL, a directory
 * URL with `?access_token=`, an environment variable that filled a field unexpectedly).
 */
export function redactConfig(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return SECRET_KEYS.has(key) || looksSecret(key) ? '***' : redactSecrets(value);
  if (Array.isArray(value)) return value.map((v) => redactConfig(v));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfig(v, k)]));
  }
  return value;
}
