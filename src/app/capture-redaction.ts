/**
 * The responses `instance check` read, and their redaction so they can be shared (attached to an issue, replayed into
 * an emulator option) without naming a person, a group or the host; pure. What a product's payloads look like comes
 * from its check's RedactionVocabulary; the text and payload halves live in capture-redaction-text.ts and
 * capture-redaction-payload.ts.
 */

import type { IdentityKind, RedactionVocabulary } from './capture-redaction-vocabulary.ts';
import { encode, IdentityRegistry } from './capture-redaction-text.ts';
import { BodyRewriter, collectNames, PayloadKinds } from './capture-redaction-payload.ts';

export type { ChildKind, FieldKinds, Holder, IdentityKind, RedactionVocabulary, RouteRule } from './capture-redaction-vocabulary.ts';
export { everywhere } from './capture-redaction-vocabulary.ts';

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

/**
 * Replaces every username, user key, display name, e-mail and group name in the responses of one instance, the same
 * value always by the same placeholder (`user-0001`, `key-0001`, `User 0001`, `user-0001@example.invalid`,
 * `group-0001`) across all of them, and the instance's host by the vocabulary's origin (other hosts by
 * `https://host-0001.example.invalid`). Status words, login times, versions, counts and shapes are kept. Which fields
 * hold names, and what each route answers with, is the product's `vocabulary`.
 */
export function redactCaptures(baseUrl: string, captures: readonly CheckCapture[], vocabulary: RedactionVocabulary): RedactedCapture[] {
  const payloads = new PayloadKinds(vocabulary);
  const registry = new IdentityRegistry();
  for (const capture of captures) {
    for (const name of capture.names) registry.add(name.kind, name.value);
    collectNames(payloads, capture.template, capture.body, registry);
  }
  const base = new URL(baseUrl);
  const redacted = new URL(vocabulary.origin);
  const origins = new Map([[base.origin.toLowerCase(), redacted.origin]]);
  registry.addText(base.origin, redacted.origin);
  registry.addText(base.host, redacted.host);
  registry.addText(base.hostname, redacted.hostname);
  const rewriter = new BodyRewriter(registry, origins, payloads);
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
