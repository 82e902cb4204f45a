/**
 * Alerts: every time a guard blocks a plan or an apply, a brake stops a run, or a scheduled run ends with failures, an
 * alert is recorded for the admins to see in `seatkeeper alerts`; when the cause clears (the next scan is sane, a plan
 * is within the limits, the run was resumed to done) the alert resolves itself, saying how. Delivery by e-mail or
 * webhook comes with the notifier.
 */

import type { Alert } from './store/alert-repository-port.ts';
import type { ScanRecord } from './store/scan-repository-port.ts';
import type { Store } from './store-port.ts';
import { InvalidInput } from '../domain/errors.ts';

/** What tripped, where. */
export interface GuardTrip {
  readonly instance: string;
  readonly scanId: string;
  readonly guard: string;
  readonly message: string;
}

/** Guards that judge a scan: a later scan that passes them clears them. */
export const SCAN_GUARDS: readonly string[] = ['scan.incomplete', 'scan.empty', 'safety.maxShrinkPercent'];

/** Guards that judge a plan's size and its administrators: a later plan that passes them clears them. */
export const PLAN_GUARDS: readonly string[] = ['safety.maxActions', 'safety.maxPercent', 'safety.minAdmins'];

/** Alerts about one run: cleared when that run is resumed and finishes done. */
export const RUN_ALERTS: readonly string[] = ['run.failureRate', 'run.circuitOpen', 'run.failures'];

/** Records the trip as an alert unless this scan has an unresolved one for this guard already. */
export async function raiseGuardAlert(store: Pick<Store, 'alerts'>, trip: GuardTrip, at: Date): Promise<Alert> {
  const { alert } = await store.alerts.raise({ instance: trip.instance, scanId: trip.scanId, kind: trip.guard, message: trip.message, at });
  return alert;
}

/**
 * Records an alert about a run. A brake stop (`every: true`) raises one each time, a second stop of the same run
 * included; a run that ended with failures raises one per run while it is unresolved.
 */
export async function raiseRunAlert(
  store: Pick<Store, 'alerts'>,
  input: { instance: string; scanId: string; runId: string; kind: string; message: string; every: boolean },
  at: Date,
): Promise<Alert> {
  const { every, ...alert } = input;
  return (await store.alerts.raise({ ...alert, at, once: every ? 'never' : 'per-run' })).alert;
}

/**
 * A sane scan clears the scan guards' alerts of its instance, only when it is the newest scan: a resume judges the
 * older scan its run rests on, which says nothing about a newer scan that is still broken.
 */
export async function resolveScanAlerts(store: Pick<Store, 'alerts' | 'scans'>, scan: Pick<ScanRecord, 'id' | 'instance'>, at: Date): Promise<Alert[]> {
  const latest = await store.scans.latest(scan.instance);
  if (latest !== null && latest.id !== scan.id) return [];
  return store.alerts.resolve({ instance: scan.instance, kinds: SCAN_GUARDS, exceptScanId: scan.id, reason: `scan ${scan.id} is complete and sane`, at });
}

/** A plan within the limits (and keeping enough administrators) clears the plan guards' alerts of its instance. */
export async function resolvePlanAlerts(store: Pick<Store, 'alerts'>, input: { instance: string; planId: string }, at: Date): Promise<Alert[]> {
  return store.alerts.resolve({ instance: input.instance, kinds: PLAN_GUARDS, reason: `plan ${input.planId} is within the limits`, at });
}

/** A run that finished done clears the alerts about it (its stops, its failures). */
export async function resolveRunAlerts(store: Pick<Store, 'alerts'>, input: { instance: string; runId: string }, at: Date): Promise<Alert[]> {
  return store.alerts.resolve({ instance: input.instance, kinds: RUN_ALERTS, runId: input.runId, reason: `run ${input.runId} was resumed and finished done`, at });
}

/** Open alerts (neither acknowledged nor resolved), or with `all` every alert, oldest first, of one instance or all. */
export async function listAlerts(store: Pick<Store, 'alerts'>, input: { instance?: string; all: boolean }): Promise<Alert[]> {
  return input.all ? store.alerts.listAll(input.instance) : store.alerts.listOpen(input.instance);
}

/** Acknowledges an alert by its number as printed by `seatkeeper alerts`. */
export async function acknowledgeAlert(store: Pick<Store, 'alerts'>, input: { id: string; actor: string; now: Date }): Promise<Alert> {
  const id = Number(input.id);
  if (!/^\d+$/.test(input.id) || !Number.isSafeInteger(id)) {
    throw new InvalidInput(`"${input.id}" is not an alert number`, [], { next: { kind: 'list-alerts' } });
  }
  return store.alerts.acknowledge(id, input.actor, input.now);
}
