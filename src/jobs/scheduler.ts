/**
 * The scheduler of `seatkeeper serve`: runs each policy when its cron says, from schedules kept in the store, so a
 * restart keeps every schedule and several processes on one PostgreSQL store run each due run exactly once.
 */

import type { ScheduleOutcome, ScheduleRecord } from '../app/store/schedule-repository-port.ts';
import type { Store } from '../app/store-port.ts';
import type { Clock } from '../app/clock.ts';
import { decideMissedRun, nextRunAfter } from './schedule-timing.ts';

/** A scheduled job's result, as the store records it. */
export interface JobResult {
  readonly outcome: Exclude<ScheduleOutcome, 'running' | 'missed'>;
  readonly detail: string;
}

export interface SchedulerDeps {
  readonly store: Store;
  readonly clock: Clock;
  /** Names this process in the store (`claimed_by`), e.g. host:pid. */
  readonly processId: string;
  /** Runs one policy now. */
  readonly runJob: (schedule: ScheduleRecord) => Promise<JobResult>;
  readonly log: (line: string) => void;
  /** The longest the loop sleeps before re-reading the store (another process may have changed it). */
  readonly maxSleepMs?: number;
  /** Called at the start of every pass, before due schedules: resumes runs a dead process left unfinished. */
  readonly recover?: () => Promise<void>;
}

/** What one pass over the schedules did. */
export interface TickReport {
  readonly ran: readonly string[];
  readonly missed: readonly string[];
}

/** Runs due schedules; `start` loops until `stop`. */
export class Scheduler {
  #stopped = false;
  #wake: (() => void) | null = null;

  constructor(private readonly deps: SchedulerDeps) {}

  /**
   * One pass: every schedule due by now is claimed (compare-and-set on its due time) and run if it is less than one
   * period late, or recorded as missed if older. At start-up this is the catch-up for runs missed while down; before it,
   * `recover` resumes runs left unfinished.
   */
  async tick(): Promise<TickReport> {
    const { store, clock, processId } = this.deps;
    const ran: string[] = [];
    const missed: string[] = [];
    try {
      await this.deps.recover?.();
    } catch (error) {
      // A store or connection hiccup here must not stop the schedules; the next pass tries again.
      this.deps.log(`resuming interrupted runs failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const schedule of await store.schedules.list()) {
      const now = clock.now();
      const due = new Date(schedule.nextRunAt);
      if (due.getTime() > now.getTime()) continue;
      const name = `${schedule.instance}/${schedule.policy}`;
      const next = nextRunAfter(schedule.cron, schedule.timeZone, now).toISOString();
      const decision = decideMissedRun(schedule.cron, schedule.timeZone, due, now);
      const base = { instance: schedule.instance, policy: schedule.policy, due: schedule.nextRunAt, next, by: processId, at: now };
      if (decision.action === 'missed') {
        const late = Math.round(decision.lateByMs / 60_000);
        if (await store.schedules.claim({ ...base, outcome: 'missed', detail: `due ${schedule.nextRunAt}, ${late} min late: more than one period` })) {
          missed.push(name);
          this.deps.log(`${name}: run due ${schedule.nextRunAt} missed (${late} min late, more than one period); next ${next}`);
        }
        continue;
      }
      // Losing the claim means another process took this run: nothing to do here.
      if (!(await store.schedules.claim({ ...base, outcome: 'running' }))) continue;
      this.deps.log(`${name}: run due ${schedule.nextRunAt} started`);
      let result: JobResult;
      try {
        result = await this.deps.runJob(schedule);
      } catch (error) {
        result = { outcome: 'failed', detail: error instanceof Error ? error.message : String(error) };
      }
      await store.schedules.finish({ instance: schedule.instance, policy: schedule.policy, outcome: result.outcome, detail: result.detail, at: clock.now() });
      this.deps.log(`${name}: ${result.outcome}: ${result.detail}; next ${next}`);
      ran.push(name);
    }
    return { ran, missed };
  }

  /** Loops: a pass, then sleep until the earliest due time (at most `maxSleepMs`), until `stop`. */
  async start(): Promise<void> {
    while (!this.#stopped) {
      await this.tick();
      if (this.#stopped) break;
      const schedules = await this.deps.store.schedules.list();
      const earliest = Math.min(...schedules.map((s) => Date.parse(s.nextRunAt)));
      const wait = Math.max(50, Math.min(this.deps.maxSleepMs ?? 60_000, earliest - this.deps.clock.now().getTime()));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Number.isFinite(wait) ? wait : (this.deps.maxSleepMs ?? 60_000));
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  /** Ends the loop after the job in progress, if any. */
  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }
}
