/** The store's port for schedules. */

/** How a scheduled run ended; `missed` = it fell due while no Seatkeeper process was running and was too late to run. */
export type ScheduleOutcome = 'running' | 'done' | 'done-with-failures' | 'waiting-approval' | 'blocked' | 'failed' | 'missed';

/** A policy's schedule as stored. */
export interface ScheduleRecord {
  readonly instance: string;
  readonly policy: string;
  readonly cron: string;
  readonly timeZone: string;
  readonly nextRunAt: string;
  readonly lastDueAt: string | null;
  readonly lastStartedAt: string | null;
  readonly lastFinishedAt: string | null;
  readonly lastOutcome: ScheduleOutcome | null;
  readonly lastDetail: string | null;
  readonly claimedBy: string | null;
}

/** Each policy's schedule and how its runs ended. */
export interface ScheduleRepository {
  /**
   * Makes the stored schedules match the config: new ones get `firstDue(cron, zone)`, changed ones too, unchanged
   * ones keep their due time (so a restart never loses or shifts a run), removed policies are dropped.
   */
  sync(wanted: readonly { instance: string; policy: string; cron: string; timeZone: string }[], firstDue: (cron: string, timeZone: string) => Date): Promise<ScheduleRecord[]>;
  list(): Promise<ScheduleRecord[]>;
  /**
   * Claims the run due at `due` by moving the schedule on to `next`, only if no one moved it yet: exactly one of any
   * number of processes wins. Returns whether this caller won.
   */
  claim(input: { instance: string; policy: string; due: string; next: string; by: string; outcome: 'running' | 'missed'; at: Date; detail?: string }): Promise<boolean>;
  /** Records how a claimed run ended. */
  finish(input: { instance: string; policy: string; outcome: ScheduleOutcome; detail: string | null; at: Date }): Promise<void>;
}
