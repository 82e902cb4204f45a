/** The circuit breaker's events as lines for an operator's log (stderr beside the CLI's progress, the serve log). */

import type { CircuitEvent } from '../connectors/circuit-breaker.ts';

/** What the circuit breaker did, in the operator's words. */
export function circuitLine(instance: string, event: CircuitEvent): string {
  const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;
  switch (event.kind) {
    case 'opened':
      return `${instance}: ${event.failures} requests in a row failed (last: ${event.lastError}); requests paused, next try in ${seconds(event.retryInMs)}`;
    case 'trial-failed':
      return `${instance}: still failing (${event.lastError}); requests stay paused, next try in ${seconds(event.retryInMs)}`;
    case 'closed':
      return `${instance}: answers again after ${seconds(event.pausedMs)} paused; requests go on`;
  }
}
