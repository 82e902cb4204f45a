/** Work a request started and answered before it ended (scans, runs): tracked so the server's close waits for it. */

/** The server's background work. */
export interface BackgroundWork {
  /** Keeps `work` until it settles; its failure goes to `log` (its caller was answered already). */
  track(label: string, work: Promise<unknown>): void;
  /** Resolves once every tracked piece of work has settled. */
  settled(): Promise<void>;
}

/** A tracker that logs failures with `log`. */
export function backgroundWork(log: (line: string) => void): BackgroundWork {
  const running = new Set<Promise<unknown>>();
  return {
    track(label, work) {
      const settled = work.then(
        () => undefined,
        (error: unknown) => log(`${label} failed: ${error instanceof Error ? error.message : String(error)}`),
      );
      running.add(settled);
      void settled.finally(() => running.delete(settled));
    },
    async settled() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}

/**
 * Starts `work` and waits until `find` sees the resource it creates (a scan, a run), so the answer can name it; the
 * work's own error when it fails first, e.g. a guard refusing before the run opens.
 */
export async function startAndFind<T>(work: Promise<unknown>, find: () => Promise<T | null>, options: { pollMs?: number; timeoutMs?: number } = {}): Promise<T> {
  const pollMs = options.pollMs ?? 20;
  const until = Date.now() + (options.timeoutMs ?? 60_000);
  const state: { failure: { error: unknown } | null; ended: boolean } = { failure: null, ended: false };
  work.then(
    () => {
      state.ended = true;
    },
    (error: unknown) => {
      state.failure = { error };
      state.ended = true;
    },
  );
  for (;;) {
    const found = await find();
    if (found !== null) return found;
    if (state.failure !== null) throw state.failure.error;
    if (state.ended) {
      const last = await find();
      if (last !== null) return last;
      throw new Error('the work ended without creating what it was expected to');
    }
    if (Date.now() > until) throw new Error('the work did not start in time');
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
