/**
 * What a test of redacted `instance check` captures asserts: that no identity of an emulated organisation survives in
 * any route or body, and that the redaction kept the structure (field names, array lengths, numbers, booleans).
 */

import type { CheckCapture, RedactedCapture, RedactionVocabulary } from '../../src/app/capture-redaction.ts';

/** One string of a capture: a whole value, or a decoded path segment or query key or value of a URL. */
interface Part {
  readonly text: string;
  readonly segment: boolean;
}

/** Every string of a value but the vocabulary's kept fields, URLs cut into their decoded path segments and query parts. */
function parts(value: unknown, kept: ReadonlySet<string>, out: Part[] = []): Part[] {
  if (typeof value === 'string') {
    const url = /^(?:https?:\/\/[^/?#]*)?(\/[^?#]*)(?:\?([^#]*))?/.exec(value);
    if (url === null) out.push({ text: value, segment: false });
    else {
      for (const segment of (url[1] ?? '').split('/')) out.push({ text: safeDecode(segment), segment: true });
      for (const [key, v] of new URLSearchParams(url[2] ?? '')) out.push({ text: key, segment: false }, { text: v, segment: false });
    }
  } else if (Array.isArray(value)) for (const item of value) parts(item, kept, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) if (!kept.has(key)) parts(item, kept, out);
  }
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Each identity (username, user key, display name, e-mail, group name) found in a redacted capture, with the file and
 * the string it is in. A name under three characters counts only as a whole string (it is replaced as a whole token
 * only); a name equal to one of the product's route words counts nowhere in a path segment (`/rest/api/admin/…`).
 * The instance's host counts anywhere.
 */
export function leakedIdentities(redacted: readonly RedactedCapture[], identities: Iterable<string>, vocabulary: RedactionVocabulary, host: string): string[] {
  const wanted = [...new Set([...identities].map((identity) => identity.toLowerCase()))].filter((identity) => identity !== '');
  // Distinct strings only: the same placeholders repeat across files.
  const seen = new Map<string, Part & { where: string }>();
  for (const capture of redacted) {
    for (const part of parts([capture.route, capture.body], vocabulary.keptFields)) {
      const key = `${part.segment ? 's' : 'v'}${part.text.toLowerCase()}`;
      if (!seen.has(key)) seen.set(key, { ...part, where: capture.file });
    }
  }
  const leaks: string[] = [];
  for (const capture of redacted) if (JSON.stringify(capture).includes(host)) leaks.push(`${capture.file} names the host ${host}`);
  for (const { text, segment, where } of seen.values()) {
    const lowered = text.toLowerCase();
    for (const identity of wanted) {
      if (segment && lowered === identity && vocabulary.routeWords.has(lowered)) continue;
      const leaked = identity.length < 3 ? lowered === identity : lowered.includes(identity);
      if (leaked) leaks.push(`${where}: ${JSON.stringify(identity)} survives in ${JSON.stringify(text)}`);
    }
  }
  return leaks;
}

/** A value with every string replaced by `<string>`: what the redaction must keep (keys, lengths, numbers, booleans, null). */
export function shapeOf(value: unknown): unknown {
  if (typeof value === 'string') return '<string>';
  if (Array.isArray(value)) return value.map(shapeOf);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shapeOf(item)]));
  return value;
}

/** The captures whose redacted body lost or changed structure, by file; statuses compared too. */
export function structureChanges(captures: readonly CheckCapture[], redacted: readonly RedactedCapture[]): string[] {
  const changes: string[] = [];
  if (captures.length !== redacted.length) changes.push(`${captures.length} captures, ${redacted.length} redacted`);
  for (const [index, capture] of captures.entries()) {
    const after = redacted[index];
    if (after === undefined) continue;
    if (after.status !== capture.status) changes.push(`${after.file}: status ${capture.status} became ${after.status}`);
    // A page's text is left out (or cut to its kept markup): a string either way.
    if (JSON.stringify(shapeOf(after.body)) !== JSON.stringify(shapeOf(capture.body))) changes.push(`${after.file}: the structure changed`);
  }
  return changes;
}
