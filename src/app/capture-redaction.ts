/** The responses `instance check` read, and their redaction so they can be shared (attached to an issue, replayed into an emulator option) without naming a person, a group or the host; pure. */

/** What a name in a request is. */
export type IdentityKind = 'username' | 'userKey' | 'displayName' | 'email' | 'group';

/** A name the check put into a request: into the template's `{param}`, or into the query when the template has none. */
export interface CaptureName {
  readonly param: string;
  readonly kind: IdentityKind;
  readonly value: string;
}

/** One response the check read, as it arrived. */
export interface CheckCapture {
  /** The path below the base URL, with `{param}` where a name went: `/rest/api/group/{group}/member`. */
  readonly template: string;
  readonly names: readonly CaptureName[];
  /** The rest of the query (paging, expansions): nothing identifying. */
  readonly query: Readonly<Record<string, string | number>>;
  readonly status: number;
  /** Parsed JSON, or the page's text for HTML routes. */
  readonly body: unknown;
}

/** A response with every name, key, e-mail and host replaced; `file` is a safe, unique file name. */
export interface RedactedCapture {
  readonly file: string;
  readonly route: string;
  readonly status: number;
  readonly body: unknown;
}

/** Where the instance's own links point after redaction. */
export const REDACTED_ORIGIN = 'https://confluence.example.invalid';

const PLACEHOLDER: Readonly<Record<IdentityKind, (n: string) => string>> = {
  username: (n) => `user-${n}`,
  userKey: (n) => `key-${n}`,
  displayName: (n) => `User ${n}`,
  email: (n) => `user-${n}@example.invalid`,
  group: (n) => `group-${n}`,
};

/** Values that are vocabulary, never names: kept as sent (status words, operation keys, login times, versions). */
const KEPT_KEYS = new Set([
  'type',
  'status',
  'operation',
  'targetType',
  'operationKey',
  'lastLogin',
  'version',
  'buildNumber',
  'buildDate',
  'marketplaceBuildNumber',
  'applinksVersion',
  'typeId',
  'statusCode',
]);

/**
 * Literal path segments of the REST routes. A name equal to one of them (a user called `admin`) cannot be told from
 * the route in a link (`/rest/api/admin/users/list/active`), so such a segment is left as it is; the name is replaced
 * everywhere else.
 */
export const ROUTE_WORDS: ReadonlySet<string> = new Set([
  'rest', 'api', 'user', 'users', 'group', 'groupmember', 'groupparent', 'member', 'memberof', 'list', 'active', 'admin',
  'current', 'permissions', 'license', '1.0', 'applinks', 'manifest', 'server-information', 'usercount', 'maxusers',
  'remainingseats', 'login.action', 'grant', 'revoke', 'disable', 'enable',
]);

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
class IdentityRegistry {
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
class SubstringReplacer {
  readonly #buckets = new Map<string, Needle[]>();
  readonly #email: ((address: string) => string) | null;

  constructor(entries: Iterable<[string, string]>, email: ((address: string) => string) | null = null) {
    this.#email = email;
    for (const [value, replacement] of entries) {
      const short = value.length < MIN_NEEDLE;
      if (short && !TOKEN_LIKE.test(value)) continue;
      // Encoded forms too: a name inside a link or a message quoting one.
      const forms = new Set([value, encode(value), new URLSearchParams({ v: value }).toString().slice(2)]);
      for (const form of forms) {
        // Cut, then lower-case, exactly as `replace` does with the text: some characters change length when lower-cased.
        const key = form.slice(0, MIN_NEEDLE).toLowerCase();
        const bounded: [boolean, boolean] = short ? [WORD_START.test(form), WORD_END.test(form)] : [false, false];
        const bucket = this.#buckets.get(key) ?? [];
        bucket.push({ needle: form.toLowerCase(), length: form.length, replacement: form === value ? replacement : encode(replacement), bounded });
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
function emailSpans(text: string): { start: number; end: number }[] {
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
function encode(text: string): string {
  return encodeURIComponent(text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
}

/** What kind of object a name field is in: told by its `type`, else by where it sits and the route that answered. */
type Holder = 'user' | 'group' | null;
/** A permission subject without a `type`: a user when it carries a user's field, else a group. */
type Inherited = Holder | 'subject';

/** What a route's objects are when they carry no `type` (a group listing's `{name, _links}`), and its permission subjects. */
interface RouteKinds {
  readonly items: Holder;
  readonly subjects: Inherited;
}

const USER_FIELDS = ['username', 'userName', 'userKey', 'user'];

function routeKinds(template: string): RouteKinds {
  const path = template.toLowerCase().replace(/\/+$/, '');
  const under = (route: string): boolean => path === route || path.startsWith(`${route}/`);
  if (under('/rest/api/permissions')) {
    return { items: null, subjects: under('/rest/api/permissions/group') ? 'group' : under('/rest/api/permissions/user') ? 'user' : 'subject' };
  }
  // `/group/{group}/member` lists users; every other group route (list, one group, child and parent groups) groups.
  if (under('/rest/api/group')) return { items: path.endsWith('/member') ? 'user' : 'group', subjects: null };
  if (path.endsWith('/memberof')) return { items: 'group', subjects: null };
  if (under('/rest/api/user') || under('/rest/api/admin/users')) return { items: 'user', subjects: null };
  return { items: null, subjects: null };
}

/** Which kind of name a string field holds, given the kind of object it is in. */
function fieldKind(key: string, holder: Holder): IdentityKind | null {
  switch (key) {
    case 'username':
    case 'userName':
      return 'username';
    case 'userKey':
      return 'userKey';
    case 'email':
    case 'emailAddress':
      return 'email';
    case 'groupName':
      return 'group';
    case 'displayName':
    case 'fullName':
      return holder === 'group' ? 'group' : 'displayName';
    case 'name':
      return holder === 'group' ? 'group' : holder === 'user' ? 'username' : null;
    default:
      return null;
  }
}

function holderOf(value: Readonly<Record<string, unknown>>, inherited: Inherited): Holder {
  const type = typeof value['type'] === 'string' ? value['type'].toLowerCase() : null;
  if (type === 'group') return 'group';
  if (type === 'known' || type === 'user' || type === 'anonymous') return 'user';
  if (inherited !== 'subject') return inherited;
  return USER_FIELDS.some((field) => field in value) ? 'user' : 'group';
}

function childHolder(key: string, own: Holder, route: RouteKinds): Inherited {
  if (key === 'group') return 'group';
  if (key === 'user') return 'user';
  // A page's items are what the page is.
  if (key === 'results') return own;
  return key === 'subject' ? route.subjects : null;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function collect(value: unknown, holder: Inherited, route: RouteKinds, registry: IdentityRegistry): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, holder, route, registry);
    return;
  }
  if (!isRecord(value)) return;
  const own = holderOf(value, holder);
  for (const [key, field] of Object.entries(value)) {
    if (KEPT_KEYS.has(key)) continue;
    const kind = fieldKind(key, own);
    if (typeof field === 'string' && kind !== null) registry.add(kind, field);
    else collect(field, childHolder(key, own, route), route, registry);
  }
}

const MANIFEST = '/rest/applinks/1.0/manifest';
const META_TAG = /<meta\s[^>]*name\s*=\s*["']ajs-(?:version|build)-number["'][^>]*>/gi;

/** Rewrites one capture's body with the registry's placeholders. */
class BodyRewriter {
  readonly #registry: IdentityRegistry;
  readonly #replacer: SubstringReplacer;
  /** Names with a '/', replaced in a raw path before it is split into segments. */
  readonly #slashReplacer: SubstringReplacer;
  readonly #origins: Map<string, string>;

  constructor(registry: IdentityRegistry, origins: Map<string, string>) {
    this.#registry = registry;
    const entries = [...registry.entries()];
    // An address named nowhere else (in a message, a description) gets an e-mail placeholder of its own.
    this.#replacer = new SubstringReplacer(entries, (address) => registry.exact(address) ?? registry.add('email', address));
    this.#slashReplacer = new SubstringReplacer(entries.filter(([value]) => value.includes('/')));
    this.#origins = origins;
  }

  body(template: string, body: unknown): unknown {
    // A page is not JSON and may carry anything (site title, user names): only its version meta tags are kept.
    if (typeof body === 'string') {
      const tags = body.match(META_TAG) ?? [];
      return tags.length === 0 ? '(HTML page left out)' : tags.map((tag) => this.text(tag)).join('\n');
    }
    const route = routeKinds(template);
    const rewritten = this.value(body, route.items, route);
    if (template === MANIFEST && isRecord(rewritten)) {
      // The application id and the site title identify the installation.
      return {
        ...rewritten,
        ...('id' in rewritten ? { id: '00000000-0000-0000-0000-000000000000' } : {}),
        ...('name' in rewritten ? { name: 'Confluence site' } : {}),
      };
    }
    return rewritten;
  }

  value(value: unknown, holder: Inherited, route: RouteKinds): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((item) => this.value(item, holder, route));
    if (!isRecord(value)) return value;
    const own = holderOf(value, holder);
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      const kind = fieldKind(key, own);
      if (KEPT_KEYS.has(key)) out[key] = field;
      else if (typeof field === 'string' && kind !== null) out[key] = this.#registry.placeholder(kind, field);
      else out[key] = this.value(field, childHolder(key, own, route), route);
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
    if (!form && ROUTE_WORDS.has(decoded.toLowerCase())) return raw;
    const exact = this.#registry.exact(decoded);
    if (exact !== undefined) return encode(exact);
    const replaced = this.#replacer.replace(decoded);
    return replaced === decoded ? this.#replacer.replace(raw) : encode(replaced);
  }
}

/**
 * Replaces every username, user key, display name, e-mail and group name in the responses of one instance, the same
 * value always by the same placeholder (`user-0001`, `key-0001`, `User 0001`, `user-0001@example.invalid`,
 * `group-0001`) across all of them, and the instance's host by `https://confluence.example.invalid` (other hosts by
 * `https://host-0001.example.invalid`). Status words, login times, versions, counts and shapes are kept.
 */
export function redactCaptures(baseUrl: string, captures: readonly CheckCapture[]): RedactedCapture[] {
  const registry = new IdentityRegistry();
  for (const capture of captures) {
    for (const name of capture.names) registry.add(name.kind, name.value);
    const route = routeKinds(capture.template);
    collect(capture.body, route.items, route, registry);
  }
  const base = new URL(baseUrl);
  const origins = new Map([[base.origin.toLowerCase(), REDACTED_ORIGIN]]);
  registry.addText(base.origin, REDACTED_ORIGIN);
  registry.addText(base.host, new URL(REDACTED_ORIGIN).host);
  registry.addText(base.hostname, new URL(REDACTED_ORIGIN).hostname);
  const rewriter = new BodyRewriter(registry, origins);
  const taken = new Set<string>();
  return captures.map((capture) => {
    const route = redactedRoute(capture, registry);
    return { file: uniqueFile(route, taken), route, status: capture.status, body: rewriter.body(capture.template, capture.body) };
  });
}

function redactedRoute(capture: CheckCapture, registry: IdentityRegistry): string {
  const query = new URLSearchParams();
  let path = capture.template;
  for (const name of capture.names) {
    const placeholder = registry.placeholder(name.kind, name.value);
    const slot = `{${name.param}}`;
    if (path.includes(slot)) path = path.replace(slot, encode(placeholder));
    else query.append(name.param, placeholder);
  }
  for (const [key, value] of Object.entries(capture.query)) query.append(key, String(value));
  const search = query.toString();
  return search === '' ? path : `${path}?${search}`;
}

/** `rest-api-group-group-0001-member-limit-1000.json`; `-2`, `-3` … when a route was read more than once. */
function uniqueFile(route: string, taken: Set<string>): string {
  const slug = route.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 120) || 'response';
  let file = `${slug}.json`;
  for (let n = 2; taken.has(file); n += 1) file = `${slug}-${n}.json`;
  taken.add(file);
  return file;
}
