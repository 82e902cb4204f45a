/** The stored schedules, brought in line with the config's policies: what `schedule` lists and the scheduler runs. */

import type { ScheduleRecord } from '../app/store/schedule-repository-port.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { nextRunAfter } from './schedule-timing.ts';

/** Syncs one schedule per configured policy (cron in `scheduler.timeZone`); first runs are due after now. */
export async function syncSchedules(runtime: Pick<Runtime, 'config' | 'store' | 'clock'>): Promise<ScheduleRecord[]> {
  const timeZone = runtime.config.scheduler.timeZone;
  const wanted = Object.entries(runtime.config.policies).map(([policy, p]) => ({ instance: p.instance, policy, cron: p.schedule, timeZone }));
  const now = runtime.clock.now();
  return runtime.store.schedules.sync(wanted, (cron, zone) => nextRunAfter(cron, zone, now));
}
