/**
 * Alerts: every time a guard blocks a plan or an apply, an alert is recorded (once per scan and guard) for the admins
 * to see in `seatkeeper alerts`. Delivery by e-mail or webhook comes with the notifier.
 */

import type { Alert, Store } from './store-port.ts';
import { InvalidInput } from '../domain/errors.ts';

/** What tripped, where. */
export interface GuardTrip {
  readonly instance: string;
  readonly scanId: string;
  readonly guard: string;
  readonly message: string;
}

/** Records the trip as an alert unless this scan already has one for this guard. */
export async function raiseGuardAlert(store: Store, trip: GuardTrip, at: Date): Promise<Alert> {
  const { alert } = await store.alerts.raise({ instance: trip.instance, scanId: trip.scanId, kind: trip.guard, message: trip.message, at });
  return alert;
}

/** Open alerts, oldest first, of one instance or all. */
export async function listOpenAlerts(store: Store, instance?: string): Promise<Alert[]> {
  return store.alerts.listOpen(instance);
}

/** Acknowledges an alert by its number as printed by `seatkeeper alerts`. */
export async function acknowledgeAlert(store: Store, input: { id: string; actor: string; now: Date }): Promise<Alert> {
  const id = Number(input.id);
  if (!/^\d+$/.test(input.id) || !Number.isSafeInteger(id)) {
    throw new InvalidInput(`"${input.id}" is not an alert number`, ['pass the number shown by `seatkeeper alerts`']);
  }
  return store.alerts.acknowledge(id, input.actor, input.now);
}
