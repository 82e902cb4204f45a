/**
 * The one HTTP client every HTTP connector shares: auth (token or Basic), bounded concurrency, retries with
 * full-jitter backoff and Retry-After, a circuit breaker per instance, redirect refusal, a response size cap, refusal of
 * credentials over plain http://, and errors that say what the admin has to fix. A product's client adds its routes
 * and quirks on top (confluence-dc-client.ts, jira-dc-client.ts); what differs per product (its name in messages, the
 * administrator it needs, how its error bodies read, extra headers on writes) comes in as an {@link HttpVendor}.
 */

import { setTimeout as delay } from 'node:timers/promises';
import { ConnectorError } from '../../app/connector-error.ts';
import { CircuitBreaker, DEFAULT_CIRCUIT_BREAKER, type AttemptHealth, type CircuitEvent } from '../circuit-breaker.ts';
import { checkedLink, fetchText, insecureCredentialsProblem, linkScope, type LinkScope, type ReadResponse } from '../http-safety.ts';
import { Semaphore } from './http-semaphore.ts';
import { CERTIFICATE_CODES, TRANSIENT_NETWORK_CODES, describe, networkCode, parseRetryAfter, serverMessage } from './http-failures.ts';

/** One query parameter value; `undefined` leaves the parameter out. */
export type QueryValue = string | number | boolean | undefined;
/** Query parameters, encoded by URLSearchParams (names therefore never need path escaping). */
export type QueryParams = Readonly<Record<string, QueryValue>>;

/** Credentials: a personal access token (Bearer) or Basic username and password. */
export type HttpAuth = { readonly token: string } | { readonly username: string; readonly password: string };

/** What differs per product; everything else is the same for all of them. */
export interface HttpVendor {
  /** The product as an admin knows it, in every message: "Confluence answered 500". */
  readonly product: string;
  /** Who the account must be when a read is refused: "a Confluence administrator". */
  readonly administrator: string;
  /** The message of an error body, or null (the default reads `{message}` / `{reason}`). */
  readonly errorMessage?: (text: string) => string | null;
  /** Headers sent on every request other than GET (Atlassian's XSRF check wants `X-Atlassian-Token: no-check`). */
  readonly writeHeaders?: Readonly<Record<string, string>>;
}

/** What the client needs from the instance configuration. */
export interface HttpClientOptions {
  /** The instance id from the config: named in every error's target. */
  readonly instanceId: string;
  /** Base URL, possibly with a context path (https://host/confluence). */
  readonly url: string;
  readonly auth: HttpAuth;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly pageSize: number;
  /** Credentials over plain http:// to another machine are refused unless this is true. */
  readonly allowInsecureHttp?: boolean;
  /** When requests pause for an instance that keeps failing; DEFAULT_CIRCUIT_BREAKER's figures when absent. */
  readonly circuitBreaker?: { readonly failures: number; readonly cooldownSeconds: number; readonly maxPauseMinutes: number };
}

/** Seams for tests and tuning; every field has a production default. */
export interface HttpClientDeps {
  readonly fetch?: typeof fetch;
  /** Uniform in [0, 1): drives the backoff jitter. */
  readonly random?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Epoch milliseconds: used to turn an HTTP-date Retry-After into a wait. */
  readonly now?: () => number;
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Upper bound on a server-requested wait, so one bad header cannot stall a scan for hours. */
  readonly maxRetryAfterMs?: number;
  /** The most one response may hold (MAX_RESPONSE_BYTES when absent). */
  readonly maxResponseBytes?: number;
  /** Replaces the breaker built from the options (tests drive its clock). */
  readonly breaker?: CircuitBreaker;
  /** Told when the breaker opens, fails a trial or closes: the CLI and `serve` log it. */
  readonly onCircuit?: (event: CircuitEvent) => void;
}

/** One request's options. */
export interface RequestOptions {
  readonly query?: QueryParams;
  /** Sent as JSON. */
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** A route used to validate the base URL: a 404 here means the URL (or its context path) is wrong. */
  readonly probe?: boolean;
  /** Non-2xx statuses handed back to the caller instead of thrown (e.g. 404 for a user that is gone). */
  readonly accept?: readonly number[];
  /** Ask for HTML and hand the body back as text (a page's `<meta>` tags carry the version on every release). */
  readonly text?: boolean;
}

/** A response the caller asked for: 2xx or one of `accept`. `body` is parsed JSON (text with `text: true`), or null when empty. */
export interface ClientResponse {
  readonly status: number;
  readonly body: unknown;
}

const DEFAULTS = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 60_000,
} as const;

type Attempt =
  | { readonly kind: 'done'; readonly response: ClientResponse }
  | { readonly kind: 'retry'; readonly error: ConnectorError; readonly retryAfterMs: number | null };

/** HTTP client for one instance of one product. */
export class HttpClient {
  readonly instanceId: string;
  /** The configured URL without query, fragment or trailing slash; paths are appended to it. */
  readonly baseUrl: string;
  readonly pageSize: number;
  readonly #authorization: string;
  readonly #timeoutMs: number;
  readonly #semaphore: Semaphore;
  readonly #concurrency: number;
  readonly #fetch: typeof fetch;
  readonly #random: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #now: () => number;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #breaker: CircuitBreaker;
  readonly #maxResponseBytes: number | undefined;
  readonly #scope: LinkScope;
  readonly #vendor: HttpVendor;
  #requestCount = 0;

  constructor(options: HttpClientOptions, deps: HttpClientDeps, vendor: HttpVendor) {
    this.#vendor = vendor;
    this.instanceId = options.instanceId;
    const base = new URL(options.url);
    base.search = '';
    base.hash = '';
    base.username = '';
    base.password = '';
    // new URL(path, base) would drop a context path for absolute paths, so paths are appended as text.
    this.baseUrl = base.href.replace(/\/+$/, '');
    const insecure = insecureCredentialsProblem(this.baseUrl, true, options.allowInsecureHttp ?? false);
    if (insecure !== null) throw new ConnectorError(insecure, { target: `${this.instanceId} ${this.baseUrl}`, fixable: true });
    this.#scope = linkScope(this.baseUrl);
    this.pageSize = options.pageSize;
    this.#authorization =
      'token' in options.auth
        ? `Bearer ${options.auth.token}`
        : `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`, 'utf8').toString('base64')}`;
    this.#timeoutMs = options.timeoutMs;
    this.#semaphore = new Semaphore(options.concurrency);
    this.#concurrency = options.concurrency;
    this.#fetch = deps.fetch ?? fetch;
    this.#random = deps.random ?? Math.random;
    this.#sleep = deps.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.#now = deps.now ?? Date.now;
    this.#maxAttempts = deps.maxAttempts ?? DEFAULTS.maxAttempts;
    this.#baseDelayMs = deps.baseDelayMs ?? DEFAULTS.baseDelayMs;
    this.#maxDelayMs = deps.maxDelayMs ?? DEFAULTS.maxDelayMs;
    this.#maxRetryAfterMs = deps.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs;
    this.#maxResponseBytes = deps.maxResponseBytes;
    this.#breaker = deps.breaker ?? new CircuitBreaker(this.instanceId, breakerSettings(options.circuitBreaker), { onEvent: deps.onCircuit });
  }

  /** HTTP requests sent so far, retries included: the benchmark reports it. */
  get requestCount(): number {
    return this.#requestCount;
  }

  /** The full URL for a REST path (must start with `/`) and query. */
  urlFor(path: string, query?: QueryParams): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) params.append(key, String(value));
    }
    const search = params.toString();
    return `${this.baseUrl}${path}${search === '' ? '' : `?${search}`}`;
  }

  /** GET and return the parsed JSON body. */
  async getJson(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<unknown> {
    return (await this.request('GET', path, options)).body;
  }

  /** Sends one request, retrying what a retry can fix; throws ConnectorError for everything else. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<ClientResponse> {
    const target = `${this.instanceId} ${method} ${path}`;
    const url = this.urlFor(path, options.query);
    let last: Attempt | undefined;
    let attempt = 0;
    while (attempt < this.#maxAttempts) {
      const guarded = await this.#guardedAttempt(method, url, target, options);
      last = guarded.attempt;
      if (last.kind === 'done') return last.response;
      // The first call to an instance answers "is the URL right?": a refused connection there is a config
      // mistake to report at once, not something to wait out over five attempts.
      if (options.probe === true && last.error.fixable) throw last.error;
      // A failed trial of the open breaker is the breaker's test, not this request's: it costs no attempt, and the
      // breaker's cooldown is the wait before the next one.
      if (guarded.failedTrial) continue;
      attempt += 1;
      if (attempt === this.#maxAttempts) break;
      const wait = last.retryAfterMs ?? this.#backoffMs(attempt);
      try {
        await this.#sleep(wait, options.signal);
      } catch (error) {
        // Cancellation surfaces as the caller's own reason, as it does during a request.
        if (options.signal?.aborted) throw options.signal.reason;
        throw error;
      }
    }
    const error = last?.kind === 'retry' ? last.error : undefined;
    throw new ConnectorError(`${error?.message ?? 'request failed'}; gave up after ${this.#maxAttempts} attempts`, {
      target,
      retryable: true,
      status: error?.status ?? null,
      fixable: error?.fixable ?? false,
      cause: error,
    });
  }

  /** How many requests may be in flight at once: the most pages worth fetching ahead. */
  get concurrency(): number {
    return this.#concurrency;
  }

  /**
   * Resolves a paging link the server sent and checks it stays on the base URL's scheme, origin and path; throws a
   * ConnectorError naming the link otherwise, before anything is sent to it. A link starting with `/` is appended to
   * the base URL (Atlassian writes `/rest/api/…` below the context path).
   */
  checkLink(link: string, target: string): URL {
    return checkedLink(link, this.#scope, { relativeTo: `${this.baseUrl}/`, appendToBase: this.baseUrl }, target);
  }

  #backoffMs(attempt: number): number {
    // Full jitter: spreads retries of many concurrent requests instead of bunching them up.
    return Math.floor(this.#random() * Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1)));
  }

  /** One attempt through the circuit breaker: waits while it is open, and tells it how the attempt went. */
  async #guardedAttempt(method: string, url: string, target: string, options: RequestOptions): Promise<{ attempt: Attempt; failedTrial: boolean }> {
    // Inside the permit: requests queued behind the concurrency limit must not slip out after the breaker opened.
    const release = await this.#semaphore.acquire(options.signal);
    let trial: boolean;
    try {
      trial = await this.#breaker.admit(options.signal);
    } catch (error) {
      release();
      throw error;
    }
    let health: AttemptHealth = 'neutral';
    let error: string | undefined;
    try {
      const attempt = await this.#attempt(method, url, target, options);
      // A 429 is the server pacing us: it is up, and its Retry-After is honoured as a normal retry.
      if (attempt.kind === 'done' || attempt.error.status === 429) health = 'answered';
      else {
        health = 'failed';
        error = attempt.error.message;
      }
      return { attempt, failedTrial: trial && health === 'failed' };
    } catch (thrown) {
      if (!options.signal?.aborted) {
        // A 4xx thrown as a final answer still shows the server is up; a thrown network failure does not.
        const answered = thrown instanceof ConnectorError && thrown.status !== null;
        health = answered ? 'answered' : 'failed';
        error = describe(thrown);
      }
      throw thrown;
    } finally {
      this.#breaker.record(health, { trial, ...(error === undefined ? {} : { error }) });
      release();
    }
  }

  async #attempt(method: string, url: string, target: string, options: RequestOptions): Promise<Attempt> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = { Accept: options.text === true ? 'text/html' : 'application/json', Authorization: this.#authorization };
    if (method !== 'GET') Object.assign(headers, this.#vendor.writeHeaders ?? {});
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      this.#requestCount += 1;
      // Read the body inside the permit and the timeout: a stalled body is as bad as a stalled header.
      const response = await fetchText(
        this.#fetch,
        url,
        { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), signal },
        { target, ...(this.#maxResponseBytes === undefined ? {} : { maxBytes: this.#maxResponseBytes }) },
      );
      const text = response.text;
      if (response.ok || options.accept?.includes(response.status)) {
        const body = options.text === true ? text : parseJson(text, target, response.status, this.#vendor.product);
        return { kind: 'done', response: { status: response.status, body } };
      }
      return this.#statusFailure(response, text, url, target, options, method);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (error instanceof ConnectorError) throw error;
      if (timeout.aborted) {
        return retry(new ConnectorError(`no answer within ${this.#timeoutMs} ms`, { target, retryable: true, cause: error }));
      }
      return this.#networkFailure(error, target);
    }
  }

  #statusFailure(response: ReadResponse, text: string, url: string, target: string, options: RequestOptions, method: string): Attempt {
    const status = response.status;
    const said = (this.#vendor.errorMessage ?? serverMessage)(text);
    const suffix = said === null ? '' : ` (${this.#vendor.product} said: ${said})`;
    if (status === 429 || status === 503) {
      const wait = parseRetryAfter(response.headers.get('retry-after'), this.#now());
      const error = new ConnectorError(`${this.#vendor.product} answered ${status}${suffix}`, { target, retryable: true, status });
      return retry(error, wait === null ? null : Math.min(wait, this.#maxRetryAfterMs));
    }
    if (status >= 500 && status !== 501 && status !== 505) {
      return retry(new ConnectorError(`${this.#vendor.product} answered ${status}${suffix}`, { target, retryable: true, status }));
    }
    const fail = (message: string, fixable: boolean): never => {
      throw new ConnectorError(`${message}${suffix}`, { target, status, fixable, said });
    };
    if (status === 401) return fail(`${this.#vendor.product} refused the credentials (401): check the token / username and password`, true);
    // A refused read means missing rights; a refused write may be a read-only directory too (undocumented), so no cause is named.
    if (status === 403 && method !== 'GET') return fail(`${this.#vendor.product} refused the request (403)`, false);
    if (status === 403) return fail(`${this.#vendor.product} refused the request (403): the account must be ${this.#vendor.administrator}`, true);
    if (status === 404 && options.probe === true) {
      return fail(`nothing at ${url.split('?')[0] ?? url} (404): check the URL (context path?)`, true);
    }
    if (status === 404) return fail('not found (404)', false);
    // 402 is documented only for creating users (no licence left); elsewhere it is reported as it came.
    if (status === 402) return fail(`${this.#vendor.product} answered 402 (Payment Required)`, false);
    return fail(`${this.#vendor.product} answered ${status}`, false);
  }

  #networkFailure(error: unknown, target: string): Attempt {
    const code = networkCode(error);
    if (code === 'ENOTFOUND') {
      throw new ConnectorError(`cannot reach ${this.baseUrl}: host not found (ENOTFOUND); check the URL`, {
        target,
        fixable: true,
        cause: error,
      });
    }
    if (code !== null && CERTIFICATE_CODES.has(code)) {
      throw new ConnectorError(
        `cannot reach ${this.baseUrl}: TLS certificate not trusted (${code}); add the CA with NODE_EXTRA_CA_CERTS or fix the URL`,
        { target, fixable: true, cause: error },
      );
    }
    if (code === 'ECONNREFUSED') {
      return retry(
        new ConnectorError(`cannot reach ${this.baseUrl}: connection refused (ECONNREFUSED); check the URL and that ${this.#vendor.product} is up`, {
          target,
          retryable: true,
          fixable: true,
          cause: error,
        }),
      );
    }
    // undici reports every transport failure as TypeError('fetch failed') with the socket error as cause.
    if ((code !== null && TRANSIENT_NETWORK_CODES.has(code)) || error instanceof TypeError) {
      return retry(
        new ConnectorError(`connection to ${this.baseUrl} failed (${code ?? describe(error)})`, {
          target,
          retryable: true,
          cause: error,
        }),
      );
    }
    throw new ConnectorError(`request failed: ${describe(error)}`, { target, cause: error });
  }
}

/** The breaker's figures from the instance config's `circuitBreaker` (seconds and minutes). */
function breakerSettings(config: HttpClientOptions['circuitBreaker']) {
  if (config === undefined) return DEFAULT_CIRCUIT_BREAKER;
  const cooldownMs = config.cooldownSeconds * 1000;
  const maxPauseMs = config.maxPauseMinutes * 60_000;
  return { failures: config.failures, cooldownMs, maxCooldownMs: Math.max(cooldownMs, Math.min(300_000, maxPauseMs)), maxPauseMs };
}

function retry(error: ConnectorError, retryAfterMs: number | null = null): Attempt {
  return { kind: 'retry', error, retryAfterMs };
}

function parseJson(text: string, target: string, status: number, product: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch (error) {
    // A login page or a proxy's HTML with 200 means we are not talking to the product's REST API.
    throw new ConnectorError(`answered ${status} with something that is not JSON: is the URL ${product}'s base URL?`, {
      target,
      status,
      fixable: true,
      cause: error,
    });
  }
}
