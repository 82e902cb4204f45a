/** What apply, resume, undo and serve hand the journaled executor: one instance's connector, concurrency, lease and notices. */

import type { CommandContext } from './command-context.ts';
import type { RunDeps } from '../app/apply-plan.ts';
import { connectorFor, leaseOf } from './cli-runtime.ts';
import { noticeDeliveryFor } from './notice-runtime.ts';

export interface ExecutorOptions {
  /** The progress label; no progress is shown without one (serve logs lines instead). */
  readonly label?: string;
  /** Include the configured mail delivery, for plans that send notices. */
  readonly sendNotices: boolean;
  /** Where the circuit breaker's pauses go; stderr beside the progress when absent. */
  readonly log?: (line: string) => void;
}

/**
 * Opens the instance's connector (and mail delivery when asked), runs `body` with the executor's dependencies, and
 * closes both whatever happens.
 */
export async function withExecutor<T>(
  ctx: CommandContext,
  instance: string,
  options: ExecutorOptions,
  body: (deps: RunDeps) => Promise<T>,
): Promise<T> {
  const connector = connectorFor(ctx.config, instance, options.log ?? ctx.note);
  const notices = options.sendNotices ? noticeDeliveryFor(ctx.config) : undefined;
  const { label } = options;
  try {
    return await body({
      store: ctx.store,
      connector,
      clock: ctx.clock,
      concurrency: ctx.config.instances[instance]?.concurrency ?? 4,
      lease: leaseOf(ctx.config),
      key: ctx.key(),
      ...(label === undefined ? {} : { progress: (e: { done: number; total: number }) => ctx.progress.update(label, e.done, e.total) }),
      ...(notices === undefined ? {} : { notices }),
    });
  } finally {
    await connector.close();
    await notices?.notifier.close();
  }
}
