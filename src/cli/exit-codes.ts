/** The one place errors become CLI exit codes (shared/DESIGN.md): 0 done, 1 ran with failures, 2 bad input, 3 guard, 130 interrupted (Ctrl-C). */

import { Conflict, GuardTripped, InvalidInput, NotAllowed, NotAuthenticated, NotFound, RequestsRefused, type SeatkeeperError } from '../domain/errors.ts';
import { phraseNextStep } from './next-step-phrases.ts';
import { ConnectorError } from '../app/connector-error.ts';
import { redactSecrets } from '../domain/secret-redaction.ts';
import { escapeLine } from '../app/text-escape.ts';

export const EXIT = { done: 0, failures: 1, badInput: 2, guard: 3, interrupted: 130 } as const;

// A cause chain is short in practice; a cycle (`a.cause = a`) or a hostile depth must not stall the error path.
const MAX_CAUSES = 5;

/**
 * The causes an unexpected error was wrapped around, one line each: database drivers and HTTP clients say there what
 * went wrong (and sometimes quote the connection string, which redaction then masks).
 */
function causeLines(error: Error): string[] {
  const lines: string[] = [];
  const seen = new Set<unknown>([error]);
  for (let cause: unknown = error.cause; cause !== undefined && !seen.has(cause) && lines.length < MAX_CAUSES; ) {
    seen.add(cause);
    lines.push(`  caused by: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return lines;
}

/** The error's message with its next step, if any, in the CLI's words after a colon. */
function withNextStep(error: SeatkeeperError): string {
  return error.next === null ? error.message : `${error.message}: ${phraseNextStep(error.next)}`;
}

function rawFailure(error: unknown): { code: number; lines: string[] } {
  if (error instanceof GuardTripped) {
    return { code: EXIT.guard, lines: [`stopped by ${error.guard}: ${withNextStep(error)}`, 'Nothing was changed.'] };
  }
  if (error instanceof InvalidInput || error instanceof RequestsRefused) {
    // The next step is one more thing to fix, listed with the problems.
    const problems = [...error.problems, ...(error.next === null ? [] : [phraseNextStep(error.next)])];
    // No problems listed: the message is the whole story, on one line.
    if (problems.length === 0) return { code: EXIT.badInput, lines: [error.message] };
    return { code: EXIT.badInput, lines: [`${error.message}:`, ...problems.map((p) => `  - ${p}`)] };
  }
  if (error instanceof NotFound || error instanceof Conflict || error instanceof NotAllowed || error instanceof NotAuthenticated) {
    return { code: EXIT.badInput, lines: [withNextStep(error)] };
  }
  if (error instanceof ConnectorError) {
    return {
      code: error.fixable ? EXIT.badInput : EXIT.failures,
      lines: [`${error.target}: ${error.message}`, ...(error.fixable ? ['Nothing was written.'] : [])],
    };
  }
  if (!(error instanceof Error)) return { code: EXIT.failures, lines: [`unexpected error: ${String(error)}`] };
  const [first = '', ...frames] = (error.stack ?? error.message).split('\n');
  return { code: EXIT.failures, lines: [`unexpected error: ${first}`, ...frames, ...causeLines(error)] };
}

/**
 * Exit code and the lines to print for an error that reached the command line. Every line is redacted (URL
 * passwords, secret query parameters, `password=` pairs, credentials) and escaped (controls and bidi characters),
 * since messages quote Confluence, directories, drivers and the config as they were; a newline inside a message is
 * escaped too, so a quoted name cannot add a line of its own.
 */
export function describeFailure(error: unknown): { code: number; lines: string[] } {
  const { code, lines } = rawFailure(error);
  return { code, lines: lines.map((line) => escapeLine(redactSecrets(line))) };
}
