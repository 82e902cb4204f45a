/**
 * The text side of capture redaction: the registry that numbers each name's placeholder, and the replacer that finds
 * registered names (and e-mail addresses) inside any text, as sent, percent-encoded or HTML-escaped. Pure.
 */

import type { IdentityKind } from './capture-redaction-vocabulary.ts';

const PLACEHOLDER: Readonly<Record<IdentityKind, (n: string) => string>> = {
  username: (n) => `user-${n}`,
  userKey: (n) => `key-${n}`,
  displayName: (n) => `User ${n}`,
  email: (n) => `user-${n}@example.invalid`,
  group: (n) => `group-${n}`,
};

/** Needles shorter than this are replaced inside other text only as a whole token (`jo` in `jo.png`, not in `joke`). */
const MIN_NEEDLE = 3;

/** What a token is made of: a short name touching one of these on a side where it has one is part of a longer word. */
const WORD_START = /^[\p{L}\p{N}\p{M}_]/u;
const WORD_END = /[\p{L}\p{N}\p{M}_]$/u;
/**
 * A short name of spaces and punctuation only (`.`, `-`) is replaced where it is the whole value: inside text it is
 * everywhere. Control, format (bidi) and line-separator characters are never text's own, so they are replaced anywhere.
 */
const TOKEN_LIKE = /[\p{L}\p{N}\p{M}\p{C}\p{Zl}\p{Zp}]/u;
/** Characters of an e-mail address's local part and domain, read one UTF-16 unit at a time (linear, no backtracking). */
const MAIL_LOCAL = /^[\p{L}\p{N}._%+'-]$/u;
const MAIL_DOMAIN = /^[\p{L}\p{N}.-]$/u;
const MAIL_EDGE = /^[\p{L}\p{N}]$/u;

/** The same real value (case-insensitively) always gets the same placeholder, per kind, numbered in reading order. */
export class IdentityRegistry {
  readonly #byKind = new Map<IdentityKind, Map<string, string>>();
  /** Every value (and host), lower-cased → its replacement, for text where the kind is not known: first registration wins. */
  readonly #any = new Map<string, string>();
  /** Every spelling seen → its replacement: lower-casing can change a text's length, so the replacer needs them as sent. */
  readonly #spellings = new Map<string, string>();

  /** Registers a name and returns its placeholder; a name of spaces or control characters only is a name too. */
  add(kind: IdentityKind, value: string): string {
    if (value === '') return value;
    const key = value.toLowerCase();
    let map = this.#byKind.get(kind);
    if (map === undefined) {
      map = new Map();
      this.#byKind.set(kind, map);
    }
    const placeholder = map.get(key) ?? PLACEHOLDER[kind](String(map.size + 1).padStart(4, '0'));
    map.set(key, placeholder);
    this.addText(value, placeholder);
    return placeholder;
  }

  /** A replacement for text that is not a name (the host): used for exact values and inside text. */
  addText(value: string, replacement: string): void {
    if (value === '') return;
    const key = value.toLowerCase();
    if (!this.#any.has(key)) this.#any.set(key, replacement);
    if (!this.#spellings.has(value)) this.#spellings.set(value, this.#any.get(key) ?? replacement);
  }

  placeholder(kind: IdentityKind, value: string): string {
    return this.#byKind.get(kind)?.get(value.toLowerCase()) ?? this.exact(value) ?? value;
  }

  exact(value: string): string | undefined {
    return this.#any.get(value.toLowerCase());
  }

  /** Every spelling seen with its replacement. */
  entries(): IterableIterator<[string, string]> {
    return this.#spellings.entries();
  }
}

interface Needle {
  readonly needle: string;
  readonly length: number;
  readonly replacement: string;
  /** A short name's edge that is a word character must not touch another one: `jo` is not replaced in `joke`. */
  readonly bounded: readonly [boolean, boolean];
}

/**
 * Finds every registered value inside a text, longest first at each position, case-insensitively; names under three
 * characters only as whole tokens. With `email`, any e-mail address is replaced too, by what `email` gives for it.
 */
export class SubstringReplacer {
  readonly #buckets = new Map<string, Needle[]>();
  readonly #email: ((address: string) => string) | null;

  constructor(entries: Iterable<[string, string]>, email: ((address: string) => string) | null = null) {
    this.#email = email;
    for (const [value, replacement] of entries) {
      const short = value.length < MIN_NEEDLE;
      if (short && !TOKEN_LIKE.test(value)) continue;
      // Encoded forms too: a name inside a link, a message quoting one, or HTML (a group picker's highlighted match).
      const forms = new Set([value, encode(value), new URLSearchParams({ v: value }).toString().slice(2), ...htmlForms(value)]);
      for (const form of forms) {
        // Cut, then lower-case, exactly as `replace` does with the text: some characters change length when lower-cased.
        const key = form.slice(0, MIN_NEEDLE).toLowerCase();
        const bounded: [boolean, boolean] = short ? [WORD_START.test(form), WORD_END.test(form)] : [false, false];
        const bucket = this.#buckets.get(key) ?? [];
        bucket.push({ needle: form.toLowerCase(), length: form.length, replacement: form === value || isHtmlForm(form, value) ? replacement : encode(replacement), bounded });
        this.#buckets.set(key, bucket);
      }
    }
  }

  replace(text: string): string {
    const mails = this.#email === null ? [] : emailSpans(text);
    let mail = 0;
    let out = '';
    let i = 0;
    while (i < text.length) {
      while ((mails[mail]?.end ?? Infinity) <= i) mail += 1;
      const span = mails[mail];
      const inMail = span !== undefined && span.start <= i;
      // A name that took the start of an address (`team x` in `team xbob@acme.test`) leaves the rest to the address.
      if (inMail && span.start < i) {
        out += this.#mailPlaceholder(text.slice(span.start, span.end));
        i = span.end;
        continue;
      }
      const hit = this.#hit(text, i);
      if (inMail && (hit === undefined || hit.length < span.end - i)) {
        out += this.#mailPlaceholder(text.slice(i, span.end));
        i = span.end;
      } else if (hit === undefined) {
        out += text[i] ?? '';
        i += 1;
      } else {
        out += hit.replacement;
        i += hit.length;
      }
    }
    return out;
  }

  /** The longest needle at `i`: keys are cut from 3, 2 and 1 characters, as names under three are keyed whole. */
  #hit(text: string, i: number): Needle | undefined {
    let best: Needle | undefined;
    for (let cut = MIN_NEEDLE; cut >= 1; cut -= 1) {
      for (const candidate of this.#buckets.get(text.slice(i, i + cut).toLowerCase()) ?? []) {
        if (best !== undefined && candidate.length <= best.length) continue;
        if (text.slice(i, i + candidate.length).toLowerCase() !== candidate.needle) continue;
        if (candidate.bounded[0] && WORD_END.test(text.slice(Math.max(0, i - 2), i))) continue;
        if (candidate.bounded[1] && WORD_START.test(text.slice(i + candidate.length, i + candidate.length + 2))) continue;
        best = candidate;
      }
    }
    return best;
  }

  #mailPlaceholder(address: string): string {
    return this.#email === null ? address : this.#email(address);
  }
}

/**
 * The e-mail addresses in a text, in order, found from each `@` outwards (a regular expression would backtrack on
 * long runs of letters): a local part and a domain of at least one character each, starting and ending on a letter
 * or digit, so `(bob@acme.test).` gives `bob@acme.test`.
 */
export function emailSpans(text: string): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && MAIL_LOCAL.test(text[start - 1] ?? '')) start -= 1;
    while (start < at && !MAIL_EDGE.test(text[start] ?? '')) start += 1;
    let end = at + 1;
    while (end < text.length && MAIL_DOMAIN.test(text[end] ?? '')) end += 1;
    while (end > at + 1 && !MAIL_EDGE.test(text[end - 1] ?? '')) end -= 1;
    const previous = spans[spans.length - 1];
    if (start === at || end === at + 1 || (previous !== undefined && start < previous.end)) continue;
    spans.push({ start, end });
    at = end - 1;
  }
  return spans;
}

/** encodeURIComponent, with lone surrogates (JSON can carry them, URLs cannot) sent as U+FFFD instead of throwing. */
export function encode(text: string): string {
  return encodeURIComponent(text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
}

/** A name as HTML escapes it: `&`, `<`, `>`, `"`, and `'` either kept or as `&#39;`; none when nothing needs escaping. */
function htmlForms(value: string): string[] {
  if (!/[&<>"']/.test(value)) return [];
  const escaped = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return [escaped, escaped.replace(/'/g, '&#39;')];
}

function isHtmlForm(form: string, value: string): boolean {
  return htmlForms(value).includes(form);
}
