/** A counting semaphore: bounds how many requests one instance has in flight at once. */

/** Gives out at most `limit` permits; waiters are served first come, first served. */
export class Semaphore {
  #available: number;
  readonly #waiters: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`semaphore limit must be a positive integer, got ${limit}`);
    this.#available = limit;
  }

  /** Permits currently handed out. */
  get inUse(): number {
    return this.limit - this.#available;
  }

  /** Waits for a permit and returns the function that gives it back (call it exactly once). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.#available > 0) {
      this.#available -= 1;
      return this.#releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.#waiters.indexOf(grant);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(signal?.reason);
      };
      // The permit is handed over directly by release(), so #available is not touched here.
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiters.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return this.#releaser();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) next();
      else this.#available += 1;
    };
  }
}
