/** What every command gets: the runtime (config, store, clock, connectors), who is acting, output and progress. */

import { clockFor } from './now-option.ts';
import { loadConfig } from '../config/config-loader.ts';
import { resolveActor } from '../config/actor-identity.ts';
import { readRehearsalSwitch } from '../config/rehearsal-switch.ts';
import { keyFilePath } from '../config/key-file.ts';
import { openRuntime, type Runtime } from '../runtime/runtime.ts';
import { createProgressReporter, type ProgressReporter } from './progress-reporter.ts';
import { escapeJsonText, escapeLine } from '../app/text-escape.ts';
import { redactSecrets } from '../domain/secret-redaction.ts';

/** The config file read when --config is not given. */
export const DEFAULT_CONFIG = 'seatkeeper.yaml';

/** The options every command takes. */
export interface GlobalOptions {
  readonly config: string;
  readonly json: boolean;
  /** `--as NAME`: who is acting, for plans and approvals. */
  readonly as?: string;
  /** `--now ISO` (hidden, rehearsals only): the instant the command runs at; the system clock when absent. */
  readonly now?: string;
  /** How hints name the CLI, e.g. `npx seatkeeper` in the demo; `seatkeeper` when absent. */
  readonly cliName?: string;
}

/** Where the CLI writes: data and lines for a person on `out`, progress and notes on `err`. */
export interface Output {
  readonly out: NodeJS.WriteStream;
  readonly err: NodeJS.WriteStream;
}

/** One command's view: the shared runtime, plus what only the command line has. */
export interface CommandContext {
  /** Config, store, clock (`--now` in a rehearsal), record key and connectors: what every front door shares. */
  readonly runtime: Runtime;
  /** Who is acting: `--as NAME`, else SEATKEEPER_ACTOR, else the OS user. */
  readonly actor: string;
  readonly json: boolean;
  readonly progress: ProgressReporter;
  /** How to call the CLI again with the same config, for hints such as "apply with: …". */
  readonly cli: string;
  /** Lines for a person on stdout; each element is one line (see sanitiseLine). */
  print(lines: readonly string[]): void;
  /** JSON on stdout: secrets in string values redacted, bidi and C1 characters written as JSON escapes. */
  printJson(value: unknown): void;
  /**
   * One JSON value on one line (NDJSON), bidi and C1 characters as escapes but otherwise exactly as given: for records
   * whose values must stay verifiable (the audit log's chain), which never hold secrets.
   */
  printNdjson(value: unknown): void;
  /** A line for the operator on stderr, beside progress (e.g. the circuit breaker pausing requests). */
  note(line: string): void;
}

/**
 * What every line the CLI prints for a person passes through: secrets redacted (a URL's password, `?token=`,
 * `password=`, credentials), then control and bidi characters escaped, so a name from Confluence or a directory
 * can neither rewrite the terminal (ESC, CR, U+202E) nor add a line of its own ('\n').
 */
export function sanitiseLine(line: string): string {
  return escapeLine(redactSecrets(line));
}

/** The JSON the CLI prints: the same value, with secrets redacted and every bidi or C1 character as a `\uXXXX` escape. */
export function sanitisedJson(value: unknown): string {
  return escapeJsonText(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? redactSecrets(v) : v), 2));
}

/** The progress reporter with its labels escaped; its own redraw sequences are written by it, after. */
function sanitisedProgress(progress: ProgressReporter): ProgressReporter {
  return { update: (label, done, total) => progress.update(sanitiseLine(label), done, total), finish: () => progress.finish() };
}

/** Loads the config, opens the runtime, runs the command and always closes the runtime. */
export async function withContext<T>(options: GlobalOptions, output: Output, run: (ctx: CommandContext) => Promise<T>): Promise<T> {
  // Before anything is opened: a refused --now leaves no store file and no record behind.
  const rehearsal = readRehearsalSwitch();
  const clock = clockFor(options.now, rehearsal);
  const config = loadConfig(options.config);
  const actor = resolveActor(options.as);
  // Lines the runtime logs (the circuit breaker) go to stderr beside the progress, like every note.
  const note = (line: string): void => {
    progress.finish();
    output.err.write(`${sanitiseLine(line)}\n`);
  };
  const progress = sanitisedProgress(createProgressReporter(output.err, true));
  const runtime = await openRuntime(config, { rehearsal, clock, keyFile: keyFilePath(options.config), log: note });
  if (rehearsal) {
    output.err.write(`rehearsal (SEATKEEPER_REHEARSAL=1): only rehearsal scans, plans and runs are read and written${options.now === undefined ? '' : `; the command runs as if it were ${clock.now().toISOString()}`}\n`);
  }
  const ctx: CommandContext = {
    runtime,
    actor,
    json: options.json,
    cli: options.config === DEFAULT_CONFIG ? (options.cliName ?? 'seatkeeper') : `${options.cliName ?? 'seatkeeper'} --config ${options.config}`,
    progress,
    print: (lines) => output.out.write(`${lines.map(sanitiseLine).join('\n')}\n`),
    printJson: (value) => output.out.write(`${sanitisedJson(value)}\n`),
    printNdjson: (value) => output.out.write(`${escapeJsonText(JSON.stringify(value))}\n`),
    note,
  };
  try {
    return await run(ctx);
  } finally {
    progress.finish();
    await runtime.close();
  }
}

/** A run's progress on the command's progress line, under `label`. */
export function progressFor(ctx: CommandContext, label: string): (event: { done: number; total: number }) => void {
  return (event) => ctx.progress.update(label, event.done, event.total);
}
