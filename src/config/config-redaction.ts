/** Redaction of secrets by path, for every log line and every `config show`. */

// `pass` is nodemailer's name for the SMTP password (notices.smtp.auth.pass).
const SECRET_KEYS = new Set(['token', 'password', 'pass', 'clientSecret', 'privateKey', 'apiKey', 'secret']);
const URL_KEYS = new Set(['store', 'database', 'url']);

/** Replaces the password of a URL (`postgres://user:pass@host`) with `***`. */
export function redactUrl(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+):[^@\s]*@/i, '$1:***@');
}

/** A deep copy of the config with secrets replaced by `***`. */
export function redactConfig(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (SECRET_KEYS.has(key)) return '***';
    return URL_KEYS.has(key) ? redactUrl(value) : value;
  }
  if (Array.isArray(value)) return value.map((v) => redactConfig(v));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfig(v, k)]));
  }
  return value;
}
