/**
 * HTTP calls to one Confluence Data Center instance: its routes, paging and quirks on top of the shared HTTP client
 * (auth, bounded concurrency, retries with backoff, errors that say what the admin has to fix). Knows nothing of the
 * domain; mapping does that.
 */

import { paginate, paginatePages, type PagingOptions } from './confluence-dc-paging.ts';
import { UnaddressableName } from '../../app/connector-error.ts';
import type { ConfluenceDcAuth } from './confluence-dc-config.ts';
import { HttpClient, type HttpClientDeps, type HttpClientOptions, type HttpVendor, type QueryParams } from '../http/http-client.ts';

/** What the client needs from the instance configuration. */
export interface ConfluenceDcClientOptions extends HttpClientOptions {
  readonly auth: ConfluenceDcAuth;
}

/** Seams for tests and tuning; every field has a production default. */
export type ConfluenceDcClientDeps = HttpClientDeps;

/** Confluence's name in messages, the administrator it needs, and Atlassian's XSRF opt-out on writes. */
const CONFLUENCE: HttpVendor = {
  product: 'Confluence',
  administrator: 'a Confluence administrator',
  writeHeaders: { 'X-Atlassian-Token': 'no-check' },
};

/**
 * Why a name cannot be put into a REST path safely, or null when it can. A `/` (raw or encoded) is rejected by
 * Confluence's group routes and, behind a proxy that decodes, addresses another resource; `\\`, `%`, control
 * characters and `.`/`..` can be normalised into a different path by a proxy or by URL parsing itself.
 */
export function pathProblem(name: string): string | null {
  if (name === '' || name.trim() === '') return 'the name is empty';
  if (name.includes('/')) return 'the name contains "/", which Confluence\'s REST routes cannot address';
  if (name.includes('\\')) return 'the name contains "\\"';
  if (name.includes('%')) return 'the name contains "%"';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'the name contains a control character';
  if (/^\.+$/.test(name.trim())) return 'the name is made of dots only';
  // A lone surrogate has no UTF-8 form: encodeURIComponent would throw on it.
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(name)) return 'the name is not well-formed Unicode';
  return null;
}

/**
 * Builds a REST path with every interpolated value encoded as one path segment:
 * restPath`/rest/api/group/${name}/member`. Throws UnaddressableName for a value `pathProblem` refuses, so a hostile
 * or unusual name never reaches a path.
 */
export function restPath(strings: TemplateStringsArray, ...segments: readonly string[]): string {
  let out = strings[0] ?? '';
  segments.forEach((segment, i) => {
    const problem = pathProblem(segment);
    if (problem !== null) throw new UnaddressableName(segment, problem, `${out}…`);
    out += encodeURIComponent(segment) + (strings[i + 1] ?? '');
  });
  return out;
}

/** HTTP client for one Confluence DC instance. */
export class ConfluenceDcClient extends HttpClient {
  constructor(options: ConfluenceDcClientOptions, deps: ConfluenceDcClientDeps = {}) {
    super(options, deps, CONFLUENCE);
  }

  /**
   * Streams the `results` of a paginated collection. Asks for `limit=pageSize` explicitly and advances
   * `start` by what actually came back, because Confluence may cap the limit per resource. Stops when
   * `_links.next` is absent; if the server promised a `totalCount` and paging delivered a different
   * number, throws so the scan is marked incomplete instead of acting on a partial population.
   */
  paginate(path: string, query: QueryParams = {}, signal?: AbortSignal): AsyncGenerator<unknown> {
    return paginate((start) => this.getJson(path, { query: { ...query, start, limit: this.pageSize }, signal }), this.#pagingOptions(path));
  }

  /** As `paginate`, a page at a time. */
  paginatePages(path: string, query: QueryParams = {}, signal?: AbortSignal): AsyncGenerator<readonly unknown[]> {
    return paginatePages((start) => this.getJson(path, { query: { ...query, start, limit: this.pageSize }, signal }), this.#pagingOptions(path));
  }

  #pagingOptions(path: string): PagingOptions {
    const target = `${this.instanceId} GET ${path}`;
    return {
      target,
      prefetch: this.concurrency,
      // Paging goes by offset, but a `next` that points elsewhere says the answer is not Confluence's own: stop there.
      // Confluence writes `next` below the base URL's context path (`/rest/api/…`).
      checkLink: (link: string): void => void this.checkLink(link, target),
    };
  }
}
