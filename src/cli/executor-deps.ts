/** What apply, resume and undo hand the journaled executor: one instance's connector, concurrency, lease and notices. */

import type { CommandContext } from './command-context.ts';
import type { ConfluenceConnector } from '../app/confluence-port.ts';
import { leaseOf } from './cli-runtime.ts';
import { noticeDeliveryFor } from './notice-runtime.ts';

/**
 * The executor's dependencies for a command on `instance`, with progress shown under `label`. With `sendNotices` the
 * configured mail delivery is included; the caller closes it (`deps.notices?.notifier.close()`).
 */
export function executorDeps(ctx: CommandContext, instance: string, connector: ConfluenceConnector, label: string, sendNotices: boolean) {
  const notices = sendNotices ? noticeDeliveryFor(ctx.config) : undefined;
  return {
    store: ctx.store,
    connector,
    clock: ctx.clock,
    concurrency: ctx.config.instances[instance]?.concurrency ?? 4,
    lease: leaseOf(ctx.config),
    progress: (e: { done: number; total: number }) => ctx.progress.update(label, e.done, e.total),
    ...(notices === undefined ? {} : { notices }),
  };
}
