/** Typed business errors. Exactly one place maps them to HTTP codes and one to CLI exit codes. */

/** The caller's input or configuration is wrong; the message says what to fix. */
export class InvalidInput extends Error {
  override readonly name = 'InvalidInput';
  constructor(message: string, readonly problems: readonly string[] = [], options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class NotFound extends Error {
  override readonly name = 'NotFound';
}

/** The request contradicts the current state (e.g. a plan older than the newest scan). */
export class Conflict extends Error {
  override readonly name = 'Conflict';
}

export class NotAllowed extends Error {
  override readonly name = 'NotAllowed';
}

/** A safety guard refused to let a plan run. */
export class GuardTripped extends Error {
  override readonly name = 'GuardTripped';
  constructor(message: string, readonly guard: string, readonly count: number, readonly limit: number) {
    super(message);
  }
}
