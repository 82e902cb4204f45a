/**
 * Ctrl-C during a command that changes users: the first one asks the run to stop cleanly (the rows in flight finish,
 * the lease is given up, the run id and the resume hint are printed); a second one exits at once, leaving the run for
 * `seatkeeper resume` (its claimed steps are reconciled against Confluence there, never sent blindly).
 */

import { EXIT } from './exit-codes.ts';

/** What `withInterrupt` hands its body. */
export interface Interrupt {
  /** Aborted on the first Ctrl-C. */
  readonly signal: AbortSignal;
}

/**
 * Runs `body` with SIGINT (and SIGTERM) turned into an abort of `signal`; a second signal calls `exitNow` (which
 * prints why and exits). The handlers are removed afterwards, whatever happens.
 */
export async function withInterrupt<T>(
  note: (line: string) => void,
  body: (interrupt: Interrupt) => Promise<T>,
  exitNow: (code: number) => never = (code) => process.exit(code),
): Promise<T> {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (!controller.signal.aborted) {
      note('Stopping: the users being changed now are finished, no new one is started (Ctrl-C again to exit at once)…');
      controller.abort();
      return;
    }
    note('Exiting at once: the run is left as it is for `seatkeeper resume RUN` (`seatkeeper runs` lists it); its lease expires by itself.');
    exitNow(EXIT.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await body({ signal: controller.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
