/**
 * What every HTTP client of Seatkeeper does the same way, because the other side may be hostile or misconfigured:
 * redirects are never followed (a 3xx is an error naming where it pointed), a paging link is followed only on the base
 * URL's own scheme, origin and path prefix, credentials never travel over plain http:// to another machine unless the
 * config says so, and a response is read as a stream and abandoned beyond a size cap.
 */

import { ConnectorError } from '../app/connector-error.ts';

/** The most a single response may hold; a page of 5,000 users is well under 10 MiB. */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** At most this many characters of an outside value are quoted in a message. */
const QUOTE_LIMIT = 200;

/** An outside value as a person may read it: quoted, control characters escaped, cut to a readable length. */
export function quoteOutside(value: string): string {
  const cut = value.length > QUOTE_LIMIT ? `${value.slice(0, QUOTE_LIMIT)}…` : value;
  return JSON.stringify(cut);
}

/** Whether a URL hostname names this machine: localhost, 127.0.0.0/8 or ::1 (as WHATWG URL spells them). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]' || host === '::1') return true;
  // WHATWG URL has already turned 0x7f.1 and 2130706433 into dotted decimal.
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Why credentials must not be sent to `url`, or null when they may: Bearer or Basic over plain http:// to another
 * machine can be read by anyone on the way, so it needs `allowInsecureHttp: true` in the config.
 */
export function insecureCredentialsProblem(url: string, sendsCredentials: boolean, allowInsecureHttp: boolean): string | null {
  if (!sendsCredentials || allowInsecureHttp) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null; // The URL's own schema rule reports it.
  }
  if (parsed.protocol !== 'http:' || isLoopbackHost(parsed.hostname)) return null;
  return `credentials would be sent over plain http:// to ${parsed.host}, where anyone on the way can read them: ` +
    'use https://, or set allowInsecureHttp: true if the network is trusted';
}

/** The base a paging link is checked against: its scheme and origin, and the path every followed link must stay under. */
export interface LinkScope {
  readonly origin: string;
  readonly protocol: string;
  /** A path prefix ending in `/` (e.g. `/confluence/`); `/` allows the whole origin. */
  readonly pathPrefix: string;
}

/** The scope of a base URL: `https://h/confluence` allows `https://h/confluence/…` only. */
export function linkScope(baseUrl: string, options: { readonly prefix: 'path' | 'directory' } = { prefix: 'path' }): LinkScope {
  const base = new URL(baseUrl);
  const path = base.pathname;
  // 'directory': the configured URL names a resource (…/people); its siblings (…/people?page=2, …/people2) share its folder.
  const pathPrefix = options.prefix === 'path' ? `${path.replace(/\/+$/, '')}/` : path.slice(0, path.lastIndexOf('/') + 1) || '/';
  return { origin: base.origin, protocol: base.protocol, pathPrefix };
}

/**
 * Resolves a paging link and checks it stays in scope; throws a ConnectorError naming the (escaped) link otherwise,
 * before anything is sent to it. `relativeTo` resolves a relative link the usual way; Confluence's `_links.next`
 * (`/rest/api/…`) is below the base URL's context path, so its caller passes the base URL with `appendToBase`.
 */
export function checkedLink(link: string, scope: LinkScope, resolve: { readonly relativeTo: string; readonly appendToBase?: string }, target: string): URL {
  const refuse = (why: string): never => {
    throw new ConnectorError(`refusing to follow the paging link ${quoteOutside(link)}: ${why}; no request was sent to it`, { target });
  };
  let url: URL;
  try {
    const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(link);
    const appended = resolve.appendToBase !== undefined && !hasScheme && link.startsWith('/') && !link.startsWith('//');
    url = new URL(appended ? `${resolve.appendToBase}${link}` : link, resolve.relativeTo);
  } catch {
    return refuse('it is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return refuse(`only http: and https: links are followed, not ${url.protocol}`);
  if (url.protocol !== scope.protocol) return refuse(`it changes the scheme from ${scope.protocol} to ${url.protocol}`);
  if (url.origin !== scope.origin) return refuse(`it points to another server (${url.host}) than the configured ${new URL(scope.origin).host}`);
  if (url.username !== '' || url.password !== '') return refuse('it carries credentials of its own');
  // Dot segments are resolved by URL parsing above, so a link cannot climb out of the prefix with `..`.
  if (!`${url.pathname}/`.startsWith(scope.pathPrefix)) {
    return refuse(`it leaves the configured path ${scope.pathPrefix}`);
  }
  return url;
}

/** Options of {@link fetchText}. */
export interface FetchTextOptions {
  readonly target: string;
  readonly maxBytes?: number;
}

/** A response whose body was read under the cap. */
export interface ReadResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: Headers;
  readonly text: string;
}

/**
 * Sends one request without following redirects and reads the body as text, at most `maxBytes`. A 3xx becomes a
 * ConnectorError saying where it pointed (nothing is sent there, so the credentials stay here); a larger body is
 * abandoned mid-stream. Network failures are thrown as fetch threw them, for the caller to classify.
 */
export async function fetchText(fetchImpl: typeof fetch, url: string, init: RequestInit, options: FetchTextOptions): Promise<ReadResponse> {
  // 'manual' rather than 'error': the 3xx comes back as a response, so the message can name its Location.
  const response = await fetchImpl(url, { ...init, redirect: 'manual' });
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel().catch(() => undefined);
    const location = response.headers.get('location');
    const where = location === null ? 'without a Location' : `to ${quoteOutside(location)}`;
    throw new ConnectorError(
      `answered ${response.status}, a redirect ${where}: redirects are not followed, so credentials never go elsewhere; set the URL to where the service really answers`,
      { target: options.target, status: response.status, fixable: true },
    );
  }
  const text = await readCapped(response, options.maxBytes ?? MAX_RESPONSE_BYTES, options.target);
  return { status: response.status, ok: response.ok, headers: response.headers, text };
}

/** Reads a body as UTF-8 text, abandoning it as soon as it grows past `maxBytes`. */
async function readCapped(response: Response, maxBytes: number, target: string): Promise<string> {
  const tooLarge = (): ConnectorError =>
    new ConnectorError(`response larger than ${maxBytes} bytes: refusing to read it`, { target, status: response.status });
  const declared = Number(response.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder('utf-8');
  let size = 0;
  let text = '';
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    text += decoder.decode(chunk.value, { stream: true });
  }
  return text + decoder.decode();
}
