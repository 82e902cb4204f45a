/**
 * Redaction of secrets inside free text: error messages, log lines, config values. Driver and HTTP errors quote
 * connection strings and URLs as they were given, so the text is searched for URLs (whatever their scheme), DSN-style
 * `key=value` pairs, JSON `"key": "value"` pairs and Authorization credentials, and only the secret parts become `***`;
 * hosts, paths, user names and other parameters stay readable. Pure.
 */

const MASK = '***';

// Keys whose value is a secret whatever comes around them (compared without case, '-', '_' or '.').
const SECRET_NAMES = new Set(['pwd', 'pw', 'pass', 'key', 'auth', 'sig', 'authorization', 'session']);
// Parts of a key that make it a secret: `client_secret`, `refresh_token`, `X-Amz-Credential`, `oauth_signature`…
const SECRET_PARTS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'privatekey',
  'signingkey',
  'sessionkey',
  'sessionid',
  'credential',
  'signature',
];

/** Whether a parameter, field or header name looks like it holds a secret (`password`, `api_key`, `access_token`…). */
export function looksSecret(name: string): boolean {
  let decoded = name;
  try {
    decoded = decodeURIComponent(name);
  } catch {
    // A malformed escape: judge the name as written.
  }
  const normal = decoded.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SECRET_NAMES.has(normal) || SECRET_PARTS.some((part) => normal.includes(part));
}

/** `a=1&password=x` → `a=1&password=***` (separators `&` and `;` kept). */
function redactParameters(list: string): string {
  return list
    .split(/([&;])/)
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq <= 0 || eq === pair.length - 1) return pair;
      return looksSecret(pair.slice(0, eq)) ? `${pair.slice(0, eq)}=${MASK}` : pair;
    })
    .join('');
}

// A URL of any scheme, up to whitespace, quotes or angle brackets; punctuation that ends a sentence is cut off below.
const URL_IN_TEXT = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,30}:\/\/[^\s"'<>`]+/g;
const TRAILING = /[).,;:!?\]}]+$/;

/**
 * One URL with the password of its user info and the values of secret-looking query (and fragment) parameters
 * replaced: `postgres://:pw@h/db?sslpassword=x` → `postgres://:***@h/db?sslpassword=***`. Anything that is not a
 * URL comes back as it was.
 */
export function redactUrl(text: string): string {
  const start = text.indexOf('://');
  if (start < 0) return text;
  const tail = TRAILING.exec(text)?.[0] ?? '';
  const url = text.slice(0, text.length - tail.length);
  const authorityStart = start + 3;
  const rest = url.slice(authorityStart);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  let at = authority.lastIndexOf('@');
  // An unencoded '/', '?' or '#' in a password ends the authority early and breaks the URL: when it does not parse
  // and an '@' follows, everything up to the last '@' is taken as the user info, so the password cannot show.
  if (at < 0 && rest.includes('@') && !URL.canParse(url)) at = rest.lastIndexOf('@');
  let userinfo = at < 0 ? '' : rest.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon >= 0 && colon < userinfo.length - 1) userinfo = `${userinfo.slice(0, colon + 1)}${MASK}`;
  const after = at < 0 ? rest : rest.slice(at + 1);
  const hash = after.indexOf('#');
  const beforeHash = hash < 0 ? after : after.slice(0, hash);
  const fragment = hash < 0 ? '' : `#${redactParameters(after.slice(hash + 1))}`;
  const question = beforeHash.indexOf('?');
  const main = question < 0 ? beforeHash : `${beforeHash.slice(0, question)}?${redactParameters(beforeHash.slice(question + 1))}`;
  return `${url.slice(0, authorityStart)}${at < 0 ? '' : `${userinfo}@`}${main}${fragment}${tail}`;
}

// `password=x host=y` (libpq), `Password=x;Server=y` (ADO-style), `token: 'x'`-free forms only: key, '=', value.
const PAIR = /(^|[\s;,&?([{])([A-Za-z][\w.-]*)(\s*=\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s;&'"]+)/g;
const JSON_PAIR = /("([A-Za-z][\w.-]*)"\s*:\s*)"(?:[^"\\]|\\.)*"/g;
const AUTHORIZATION = /\b((?:proxy-)?authorization\s*[:=]\s*"?)((?:[A-Za-z][\w-]*\s+)?)[^\s"',;]+/gi;
const BEARER = /\b(bearer\s+)([A-Za-z0-9._~+/=-]{8,})/gi;
const BASIC = /\b(basic\s+)([A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])/gi;

/** A word after "Basic " is a credential when it is base64 of `user:password`; "Basic authentication" is not. */
function isBasicCredential(word: string): boolean {
  let decoded: string;
  try {
    decoded = atob(word);
  } catch {
    return false;
  }
  // eslint-disable-next-line no-control-regex
  return decoded.includes(':') && !/[\u0000-\u001f]/.test(decoded);
}

/**
 * Whether a `key=value` pair still shows a secret. Authorization pairs were handled with their scheme above, and a
 * value masked as part of a URL (`?token=***.` at the end of a sentence) is left with its punctuation.
 */
function pairIsSecret(key: string, value: string): boolean {
  if (/^(proxy-)?authorization$/i.test(key)) return false;
  return looksSecret(key) && !/^\*\*\*[).,;:!?\]}]*$/.test(value);
}

// Every pattern below needs one of these; most names and dates have none, and skip the rest cheaply.
const MAY_HOLD_SECRET = /[=:]|bearer|basic/i;

/** Free text with every secret this module recognises replaced by `***`. */
export function redactSecrets(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  return text
    .replace(URL_IN_TEXT, (url) => redactUrl(url))
    .replace(AUTHORIZATION, (_, head: string, scheme: string) => `${head}${scheme}${MASK}`)
    .replace(BEARER, (whole, head: string, credential: string) => (/\d/.test(credential) || credential.length >= 20 ? `${head}${MASK}` : whole))
    .replace(BASIC, (whole, head: string, credential: string) => (isBasicCredential(credential) ? `${head}${MASK}` : whole))
    .replace(PAIR, (whole, before: string, key: string, eq: string, value: string) => (pairIsSecret(key, value) ? `${before}${key}${eq}${MASK}` : whole))
    .replace(JSON_PAIR, (whole, head: string, key: string) => (looksSecret(key) ? `${head}"${MASK}"` : whole));
}
