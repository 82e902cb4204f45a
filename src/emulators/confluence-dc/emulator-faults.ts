/**
 * Faults a test can switch on while the emulator runs: latency, rate limiting, failed writes, server
 * errors, cut connections and broken paging. Counting faults ("every nth") start counting when their
 * value is set, so a test that sets `rateLimitEvery = 3` knows the 3rd, 6th, … request after it is refused.
 */

import { seededRandom, type SeededRandom } from '../seeded-random.ts';

/** The mutable fault switches; 0 / null means off. Route ids look like `GET /rest/api/user/list`. */
export interface EmulatorFaults {
  /** Delay before every response, in milliseconds. */
  latencyMs: number;
  /** Every nth request answers 429 with `Retry-After`. */
  rateLimitEvery: number;
  /** Value of `Retry-After` (default 1 s). */
  retryAfterSeconds: number;
  /** `Retry-After` as delta-seconds or as an HTTP-date (both are legal per RFC 9110). */
  retryAfterFormat: 'seconds' | 'http-date';
  /**
   * Every nth write (PUT/DELETE/POST) answers 503 without applying it. When n > 1, a write refused once
   * passes on its next identical attempt (same method, URL and body) and the refusal moves to the next
   * fresh write: with concurrent writers the counter could otherwise line up with one client's retries
   * and starve it. n = 1 refuses every write.
   */
  writeErrorEvery: number;
  /** Share of requests (0..1) answering 500, drawn from a generator seeded by the emulator's `faultSeed`. */
  serverErrorRate: number;
  /** Every nth request is processed (writes applied), then its socket is destroyed mid-response. */
  dropConnectionEvery: number;
  /** Pages of `route` whose `start` is at or beyond `start` answer 500 (Confluence failing mid-paging). */
  failPagingAfter: { route: string; start: number } | null;
  /** `route` serves `missing` fewer items than its `totalCount` promises (paging ends early, no error). */
  shortPaging: { route: string; missing: number } | null;
  /*
   * The faults below are hostile behaviours for tests of Seatkeeper's defences, not claims about real Confluence: a
   * compromised or impersonated server, a broken proxy or a buggy plugin could answer this way.
   */
  /** Every page of `route` reports this `totalCount` (e.g. 1e12) and, when given, this `size`, whatever it holds. */
  lyingTotal: { route: string; totalCount: number; size?: number } | null;
  /** Every page of `route` that has more after it links to itself as `_links.next` (a next that never ends). */
  selfNext: { route: string } | null;
  /** The page of `route` at `start` holds the items of the page before it, with `start` as asked (a page served twice). */
  repeatPage: { route: string; start: number } | null;
  /** Every page of `route` carries `link` as `_links.next` (another origin, `data:`, `javascript:`, …). */
  replaceNext: { route: string; link: string } | null;
  /** `route` answers 302 to `location` before authenticating, as a proxy or SSO front-end might. */
  redirect: { route: string; location: string } | null;
}

/** All faults off. */
export function noFaults(): EmulatorFaults {
  return {
    latencyMs: 0,
    rateLimitEvery: 0,
    retryAfterSeconds: 1,
    retryAfterFormat: 'seconds',
    writeErrorEvery: 0,
    serverErrorRate: 0,
    dropConnectionEvery: 0,
    failPagingAfter: null,
    shortPaging: null,
    lyingTotal: null,
    selfNext: null,
    repeatPage: null,
    replaceNext: null,
    redirect: null,
  };
}

/** A counter for an "every nth" fault; restarts whenever the fault's value changes. */
class EveryNth {
  private setting = 0;
  private count = 0;

  /** Counts one event and says whether it is the nth. */
  hit(every: number): boolean {
    if (every !== this.setting) {
      this.setting = every;
      this.count = 0;
    }
    if (every <= 0) return false;
    this.count += 1;
    return this.count % every === 0;
  }
}

/** "Every nth write" that never refuses the same write twice (see EmulatorFaults.writeErrorEvery). */
class EveryNthFreshWrite {
  private readonly counter = new EveryNth();
  private setting = 0;
  private owed = false;
  private readonly refused = new Set<string>();

  hit(every: number, key: string): boolean {
    if (every !== this.setting) {
      this.setting = every;
      this.owed = false;
      this.refused.clear();
    }
    const due = this.counter.hit(every) || this.owed;
    if (!due) return false;
    if (every > 1 && this.refused.has(key)) {
      this.owed = true;
      return false;
    }
    this.owed = false;
    this.refused.add(key);
    return true;
  }
}

/** Decides, request by request, which fault (if any) applies. */
export class FaultInjector {
  private readonly rateLimit = new EveryNth();
  private readonly writeError = new EveryNthFreshWrite();
  private readonly drop = new EveryNth();
  private readonly random: SeededRandom;

  constructor(
    readonly faults: EmulatorFaults,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  /** Checked for every request before routing. */
  beforeRoute(): 'rate-limit' | 'server-error' | null {
    if (this.rateLimit.hit(this.faults.rateLimitEvery)) return 'rate-limit';
    // Draw only when the fault is on, so switching it on later does not depend on earlier traffic.
    if (this.faults.serverErrorRate > 0 && this.random.next() < this.faults.serverErrorRate) return 'server-error';
    return null;
  }

  /** Checked for each write that passed authentication, before it is applied; `key` identifies the request. */
  failWrite(key: string): boolean {
    return this.writeError.hit(this.faults.writeErrorEvery, key);
  }

  /** Checked for every request once its response is ready. */
  dropConnection(): boolean {
    return this.drop.hit(this.faults.dropConnectionEvery);
  }

  /** The `Retry-After` header value for a 429. */
  retryAfter(now: Date): string {
    const seconds = Math.max(0, Math.round(this.faults.retryAfterSeconds));
    return this.faults.retryAfterFormat === 'http-date' ? new Date(now.getTime() + seconds * 1000).toUTCString() : String(seconds);
  }

  /** Whether a page of `route` starting at `start` must fail. */
  failPage(route: string, start: number): boolean {
    const rule = this.faults.failPagingAfter;
    return rule !== null && rule.route === route && start >= rule.start;
  }

  /** Where `route` redirects to, or null. */
  redirectFor(route: string): string | null {
    const rule = this.faults.redirect;
    return rule !== null && rule.route === route ? rule.location : null;
  }

  /** Rewrites a rendered page of `route` (at `start`, `limit` items a page) by the hostile paging faults that apply. */
  distortPage(route: string, start: number, page: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...page };
    const links: Record<string, unknown> = typeof page['_links'] === 'object' && page['_links'] !== null ? { ...page['_links'] } : {};
    const lying = this.faults.lyingTotal;
    if (lying !== null && lying.route === route) {
      out['totalCount'] = lying.totalCount;
      if (lying.size !== undefined) out['size'] = lying.size;
    }
    const self = this.faults.selfNext;
    if (self !== null && self.route === route && typeof links['next'] === 'string') {
      const next = new URL(links['next'], 'http://emulator.invalid');
      next.searchParams.set('start', String(start));
      links['next'] = `${next.pathname}${next.search}`;
    }
    const replace = this.faults.replaceNext;
    if (replace !== null && replace.route === route) links['next'] = replace.link;
    out['_links'] = links;
    return out;
  }

  /** The start whose items the page of `route` at `start` serves instead (the page before, under repeatPage). */
  servedStart(route: string, start: number, limit: number): number {
    const rule = this.faults.repeatPage;
    return rule !== null && rule.route === route && start === rule.start ? Math.max(0, start - limit) : start;
  }

  /** How many items `route` hides from the end of its listing. */
  hiddenItems(route: string): number {
    const rule = this.faults.shortPaging;
    return rule !== null && rule.route === route ? Math.max(0, rule.missing) : 0;
  }
}
