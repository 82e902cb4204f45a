/** Typed business errors. Exactly one place maps them to HTTP codes and one to CLI exit codes. */

import type { NextStep } from './next-step.ts';

/** What an error may carry besides its message: the error it wraps, and what to do next (phrased by the front door). */
export interface ErrorDetails {
  readonly cause?: unknown;
  readonly next?: NextStep;
}

/** The base of the errors below: a message without any command name, and the next step as data. */
export class SeatkeeperError extends Error {
  /** What to do next, if the error has a next step; the front door phrases it. */
  readonly next: NextStep | null;
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.next = details.next ?? null;
  }
}

/** The caller's input or configuration is wrong; the message says what to fix. */
export class InvalidInput extends SeatkeeperError {
  override readonly name = 'InvalidInput';
  constructor(message: string, readonly problems: readonly string[] = [], details: ErrorDetails = {}) {
    super(message, details);
  }
}

/** What the request names does not exist (a plan, a run, a scan). */
export class NotFound extends SeatkeeperError {
  override readonly name = 'NotFound';
}

/** The request contradicts the current state (e.g. a plan older than the newest scan). */
export class Conflict extends SeatkeeperError {
  override readonly name = 'Conflict';
}

/** The caller may not do this (e.g. act on a record Seatkeeper did not sign). */
export class NotAllowed extends SeatkeeperError {
  override readonly name = 'NotAllowed';
}

/** The caller did not say who they are, or what they said does not hold (a wrong password, an expired token or session). */
export class NotAuthenticated extends SeatkeeperError {
  override readonly name = 'NotAuthenticated';
}

/** A safety guard refused to let a plan run. */
export class GuardTripped extends SeatkeeperError {
  override readonly name = 'GuardTripped';
  constructor(message: string, readonly guard: string, readonly count: number, readonly limit: number, details: ErrorDetails = {}) {
    super(message, details);
  }
}

/** One refused request of a list: its position (from 0), the user it names, and every reason. */
export interface RefusedRequest {
  readonly index: number;
  readonly username: string;
  readonly reasons: readonly string[];
}

/**
 * Requests of a list were refused, so none of them was planned. `instanceCannot` when one asks what the instance's
 * API cannot do at all (a rename on Confluence): no fix of the request makes it possible there.
 */
export class RequestsRefused extends SeatkeeperError {
  override readonly name = 'RequestsRefused';
  /** One line per refused request: `#N username: reason; reason`. */
  readonly problems: readonly string[];
  constructor(message: string, readonly rows: readonly RefusedRequest[], readonly instanceCannot: boolean) {
    super(message);
    this.problems = rows.map((r) => `#${r.index + 1} ${r.username}: ${r.reasons.join('; ')}`);
  }
}
