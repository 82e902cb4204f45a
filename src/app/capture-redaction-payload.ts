/**
 * The payload side of capture redaction: which fields of a response hold names, told by the product's vocabulary, the
 * object's `type` and the route that answered; and the rewriting of a body, its links and its text. Pure.
 */

import type { ChildKind, Holder, IdentityKind, RedactionVocabulary } from './capture-redaction-vocabulary.ts';
import { encode, SubstringReplacer, type IdentityRegistry } from './capture-redaction-text.ts';

/** A permission subject without a `type`: a user when it carries a user's field, else a group. */
type Inherited = Holder | 'subject';

/** What a route's objects are when they carry no `type` (a group listing's `{name, _links}`), and its permission subjects. */
export interface RouteKinds {
  readonly items: Holder;
  readonly subjects: Inherited;
}

/** One product's vocabulary, read as questions about a payload. */
export class PayloadKinds {
  readonly vocabulary: RedactionVocabulary;

  constructor(vocabulary: RedactionVocabulary) {
    this.vocabulary = vocabulary;
  }

  route(template: string): RouteKinds {
    const path = template.toLowerCase().replace(/\/+$/, '');
    const under = (route: string | undefined): boolean => route === undefined || path === route || path.startsWith(`${route}/`);
    const rule = this.vocabulary.routes.find((r) => under(r.under) && (r.endsWith === undefined || path.endsWith(r.endsWith)));
    return { items: rule?.items ?? null, subjects: rule?.subjects ?? null };
  }

  /** Which kind of name a string field holds, given the kind of object it is in. */
  fieldKind(key: string, holder: Holder): IdentityKind | null {
    const kinds = this.vocabulary.nameFields.get(key);
    if (kinds === undefined) return null;
    return (holder === 'group' ? kinds.group : holder === 'user' ? kinds.user : kinds.other) ?? null;
  }

  /** Which kind of name each string of a list field is. */
  listKind(key: string): IdentityKind | null {
    return this.vocabulary.nameLists.get(key) ?? null;
  }

  holder(value: Readonly<Record<string, unknown>>, inherited: Inherited): Holder {
    const type = typeof value['type'] === 'string' ? value['type'].toLowerCase() : null;
    const typed = type === null ? undefined : this.vocabulary.typeValues.get(type);
    if (typed !== undefined) return typed;
    if (inherited !== 'subject') return inherited;
    return this.vocabulary.subjectUserFields.some((field) => field in value) ? 'user' : 'group';
  }

  childHolder(key: string, own: Holder, route: RouteKinds): Inherited {
    const child: ChildKind | undefined = this.vocabulary.childFields.get(key);
    // A page's items are what the page is.
    if (child === 'same') return own;
    if (child === 'subjects') return route.subjects;
    return child ?? null;
  }
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Registers every name a body carries, with the kind its field says. */
export function collectNames(payloads: PayloadKinds, template: string, body: unknown, registry: IdentityRegistry): void {
  const route = payloads.route(template);
  const collect = (value: unknown, holder: Inherited): void => {
    if (Array.isArray(value)) {
      for (const item of value) collect(item, holder);
      return;
    }
    if (!isRecord(value)) return;
    const own = payloads.holder(value, holder);
    for (const [key, field] of Object.entries(value)) {
      if (payloads.vocabulary.keptFields.has(key)) continue;
      const kind = payloads.fieldKind(key, own);
      const listed = Array.isArray(field) ? payloads.listKind(key) : null;
      if (typeof field === 'string' && kind !== null) registry.add(kind, field);
      else if (Array.isArray(field) && listed !== null) {
        for (const item of field) if (typeof item === 'string') registry.add(listed, item);
        collect(field, payloads.childHolder(key, own, route));
      } else collect(field, payloads.childHolder(key, own, route));
    }
  };
  collect(body, route.items);
}

/** Rewrites one capture's body with the registry's placeholders. */
export class BodyRewriter {
  readonly #registry: IdentityRegistry;
  readonly #replacer: SubstringReplacer;
  /** Names with a '/', replaced in a raw path before it is split into segments. */
  readonly #slashReplacer: SubstringReplacer;
  readonly #origins: Map<string, string>;
  readonly #payloads: PayloadKinds;

  constructor(registry: IdentityRegistry, origins: Map<string, string>, payloads: PayloadKinds) {
    this.#registry = registry;
    this.#payloads = payloads;
    const entries = [...registry.entries()];
    // An address named nowhere else (in a message, a description) gets an e-mail placeholder of its own.
    this.#replacer = new SubstringReplacer(entries, (address) => registry.exact(address) ?? registry.add('email', address));
    this.#slashReplacer = new SubstringReplacer(entries.filter(([value]) => value.includes('/')));
    this.#origins = origins;
  }

  body(template: string, body: unknown): unknown {
    const vocabulary = this.#payloads.vocabulary;
    // A page is not JSON and may carry anything (site title, user names): only what the vocabulary keeps of it is kept.
    if (typeof body === 'string') {
      const tags = vocabulary.keptMarkup === null ? [] : (body.match(vocabulary.keptMarkup) ?? []);
      return tags.length === 0 ? '(HTML page left out)' : tags.map((tag) => this.text(tag)).join('\n');
    }
    const route = this.#payloads.route(template);
    const rewritten = this.value(body, route.items, route);
    if (!isRecord(rewritten)) return rewritten;
    // The application id and the site title identify the installation.
    const fixed = vocabulary.installationFields.filter((entry) => entry.template === template).flatMap((entry) => Object.entries(entry.fields));
    if (!fixed.some(([field]) => Object.hasOwn(rewritten, field))) return rewritten;
    const out: Record<string, unknown> = { ...rewritten };
    for (const [field, replacement] of fixed) if (Object.hasOwn(rewritten, field)) out[field] = replacement;
    return out;
  }

  value(value: unknown, holder: Inherited, route: RouteKinds): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((item) => this.value(item, holder, route));
    if (!isRecord(value)) return value;
    const payloads = this.#payloads;
    const own = payloads.holder(value, holder);
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      const kind = payloads.fieldKind(key, own);
      const listed = Array.isArray(field) ? payloads.listKind(key) : null;
      if (payloads.vocabulary.keptFields.has(key)) out[key] = field;
      else if (typeof field === 'string' && kind !== null) out[key] = this.#registry.placeholder(kind, field);
      else if (Array.isArray(field) && listed !== null) {
        const child = payloads.childHolder(key, own, route);
        out[key] = field.map((item: unknown) => (typeof item === 'string' ? this.#registry.placeholder(listed, item) : this.value(item, child, route)));
      } else out[key] = this.value(field, payloads.childHolder(key, own, route), route);
    }
    return out;
  }

  text(text: string): string {
    if (/^(https?:\/\/|\/)/i.test(text)) return this.url(text);
    return this.#registry.exact(text) ?? this.#replacer.replace(text);
  }

  url(text: string): string {
    const m = /^(https?:\/\/[^/?#]*)?([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(text);
    if (m === null) return this.#replacer.replace(text);
    const origin = m[1] === undefined ? '' : this.origin(m[1]);
    const path = this.#slashReplacer.replace(m[2] ?? '').split('/').map((segment) => this.component(segment, false)).join('/');
    const query = m[3] === undefined ? '' : `?${m[3].slice(1).split('&').map((part) => this.queryPart(part)).join('&')}`;
    const fragment = m[4] === undefined ? '' : `#${this.component(m[4].slice(1), false)}`;
    return `${origin}${path}${query}${fragment}`;
  }

  origin(origin: string): string {
    const key = origin.toLowerCase();
    let replacement = this.#origins.get(key);
    if (replacement === undefined) {
      replacement = `https://host-${String(this.#origins.size).padStart(4, '0')}.example.invalid`;
      this.#origins.set(key, replacement);
    }
    return replacement;
  }

  queryPart(part: string): string {
    const at = part.indexOf('=');
    if (at < 0) return this.component(part, true);
    return `${this.component(part.slice(0, at), true)}=${this.component(part.slice(at + 1), true)}`;
  }

  /** A path segment or query value: decoded, replaced whole or inside, and encoded again only when it changed. */
  component(raw: string, form: boolean): string {
    if (raw === '') return raw;
    let decoded = raw;
    try {
      decoded = decodeURIComponent(form ? raw.replace(/\+/g, ' ') : raw);
    } catch {
      // Not valid percent-encoding: read as it is.
    }
    if (!form && this.#payloads.vocabulary.routeWords.has(decoded.toLowerCase())) return raw;
    const exact = this.#registry.exact(decoded);
    if (exact !== undefined) return encode(exact);
    const replaced = this.#replacer.replace(decoded);
    return replaced === decoded ? this.#replacer.replace(raw) : encode(replaced);
  }
}
