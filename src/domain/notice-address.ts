/**
 * The one address a notice may go to. The e-mail comes from Confluence or a directory and is not trusted: a mailer
 * reads `a@x, b@y` or `"Boss" <boss@x>` as a list or a display name and would send to every address in it, so only a
 * bare addr-spec (RFC 5321 dot-atom local part, `@`, a domain name) is accepted. Pure.
 */

// Dot-atom characters (RFC 5322 atext), plus letters and digits of any script (RFC 6531).
const LOCAL_ATOM = /^[\p{L}\p{N}\p{M}!#$%&'*+/=?^_`{|}~-]+$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}\p{M}](?:[\p{L}\p{N}\p{M}-]{0,61}[\p{L}\p{N}\p{M}])?$/u;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;

/** Why `email` is not one plain address a notice can go to, or null when it is. */
export function noticeAddressProblem(email: string): string | null {
  if (email.length === 0) return 'is empty';
  if (email.length > 254) return 'is longer than 254 characters';
  if (CONTROL.test(email)) return 'contains a line break or control character';
  if (/[,;]/.test(email)) return 'is a list of addresses (it contains "," or ";")';
  if (/[<>"()]/.test(email)) return 'has a display name, quotes, comments or angle brackets';
  if (/\s/.test(email)) return 'contains a space';
  const parts = email.split('@');
  if (parts.length !== 2) return parts.length === 1 ? 'has no "@"' : `has ${parts.length - 1} "@"`;
  const [local = '', domain = ''] = parts;
  if (local.length === 0 || local.length > 64 || !local.split('.').every((atom) => LOCAL_ATOM.test(atom))) {
    return 'has no plain local part before the "@"';
  }
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) return 'has no domain name after the "@"';
  return null;
}
