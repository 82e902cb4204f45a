/** The one place errors become CLI exit codes (shared/DESIGN.md): 0 done, 1 ran with failures, 2 bad input, 3 guard, 130 interrupted (Ctrl-C). */

import { Conflict, GuardTripped, InvalidInput, NotAllowed, NotFound } from '../domain/errors.ts';
import { ConnectorError } from '../app/connector-error.ts';

export const EXIT = { done: 0, failures: 1, badInput: 2, guard: 3, interrupted: 130 } as const;

/** Exit code and the lines to print for an error that reached the command line. */
export function describeFailure(error: unknown): { code: number; lines: string[] } {
  if (error instanceof GuardTripped) {
    return { code: EXIT.guard, lines: [`stopped by ${error.guard}: ${error.message}`, 'Nothing was changed.'] };
  }
  if (error instanceof InvalidInput) {
    return { code: EXIT.badInput, lines: [`${error.message}:`, ...error.problems.map((p) => `  - ${p}`)] };
  }
  if (error instanceof NotFound || error instanceof Conflict || error instanceof NotAllowed) {
    return { code: EXIT.badInput, lines: [error.message] };
  }
  if (error instanceof ConnectorError) {
    return {
      code: error.fixable ? EXIT.badInput : EXIT.failures,
      lines: [`${error.target}: ${error.message}`, ...(error.fixable ? ['Nothing was written.'] : [])],
    };
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { code: EXIT.failures, lines: [`unexpected error: ${text}`] };
}
