/**
 * Prometheus metrics of the API process (prom-client): request latency, licence use per instance from the newest
 * complete scan, and journal steps per instance by outcome.
 */

import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Runtime } from '../runtime/runtime.ts';

/** The process's metrics. */
export interface ApiMetrics {
  readonly registry: Registry;
  /** Observes one answered request. */
  observe(input: { method: string; route: string; status: number; seconds: number }): void;
  /** The text exposition, licence gauges read from the store now, so every process sharing a store tells the same. */
  render(): Promise<string>;
}

/** A registry of its own per server, so two servers in one process (tests) never share counts. */
export function apiMetrics(runtime: Runtime): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'seatkeeper_' });
  const latency = new Histogram({
    name: 'seatkeeper_api_request_duration_seconds',
    help: 'Time to answer an API request, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const licensed = new Gauge({
    name: 'seatkeeper_licence_seats_used',
    help: 'Seats in use on the instance at its newest complete scan.',
    labelNames: ['instance'] as const,
    registers: [registry],
  });
  const tier = new Gauge({
    name: 'seatkeeper_licence_seats_max',
    help: 'The licence tier the instance reported at its newest complete scan.',
    labelNames: ['instance'] as const,
    registers: [registry],
  });
  const scannedAt = new Gauge({
    name: 'seatkeeper_scan_newest_complete_timestamp_seconds',
    help: 'When the newest complete scan of the instance started.',
    labelNames: ['instance'] as const,
    registers: [registry],
  });
  const steps = new Gauge({
    name: 'seatkeeper_journal_steps',
    help: 'Steps in the journal of the instance\'s runs, by outcome (done, already-done, failed, skipped, claimed).',
    labelNames: ['instance', 'outcome'] as const,
    registers: [registry],
  });
  return {
    registry,
    observe: ({ method, route, status, seconds }) => latency.observe({ method, route, status: String(status) }, seconds),
    async render() {
      licensed.reset();
      tier.reset();
      scannedAt.reset();
      steps.reset();
      for (const instance of Object.keys(runtime.config.instances)) {
        const totals = new Map<string, number>();
        for (const counts of (await runtime.store.journal.outcomeCounts(instance)).values()) {
          for (const [outcome, n] of Object.entries(counts)) if (outcome !== 'planned') totals.set(outcome, (totals.get(outcome) ?? 0) + n);
        }
        for (const [outcome, n] of totals) steps.set({ instance, outcome }, n);
        const scan = await runtime.store.scans.latest(instance, { status: 'complete' });
        if (scan === null) continue;
        if (scan.license.used !== null) licensed.set({ instance }, scan.license.used);
        if (scan.license.max !== null) tier.set({ instance }, scan.license.max);
        scannedAt.set({ instance }, Date.parse(scan.startedAt) / 1000);
      }
      return registry.metrics();
    },
  };
}
