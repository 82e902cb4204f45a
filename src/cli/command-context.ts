/** What every command gets: the validated config, the store, the clock, output streams and the progress reporter. */

import type { SeatkeeperConfig } from '../config/config-schema.ts';
import type { Store } from '../app/store-port.ts';
import type { Clock } from '../app/clock.ts';
import { clockFor } from './now-option.ts';
import { loadConfig } from '../config/config-loader.ts';
import { resolveActor } from '../config/actor-identity.ts';
import { storeFor } from './cli-runtime.ts';
import { createProgressReporter, type ProgressReporter } from './progress-reporter.ts';

/** The config file read when --config is not given. */
export const DEFAULT_CONFIG = 'seatkeeper.yaml';

export interface GlobalOptions {
  readonly config: string;
  readonly json: boolean;
  /** `--as NAME`: who is acting, for plans and approvals. */
  readonly as?: string;
  /** `--now ISO` (hidden): the instant the command runs at; the system clock when absent. */
  readonly now?: string;
  /** How hints name the CLI, e.g. `npx seatkeeper` in the demo; `seatkeeper` when absent. */
  readonly cliName?: string;
}

export interface Output {
  readonly out: NodeJS.WriteStream;
  readonly err: NodeJS.WriteStream;
}

export interface CommandContext {
  readonly config: SeatkeeperConfig;
  readonly store: Store;
  readonly clock: Clock;
  /** Who is acting: `--as NAME`, else SEATKEEPER_ACTOR, else the OS user. */
  readonly actor: string;
  readonly json: boolean;
  readonly progress: ProgressReporter;
  /** How to call the CLI again with the same config, for hints such as "apply with: …". */
  readonly cli: string;
  print(lines: readonly string[]): void;
  printJson(value: unknown): void;
  /** A line for the operator on stderr, beside progress (e.g. the circuit breaker pausing requests). */
  note(line: string): void;
}

/** Loads the config, opens the store, runs the command and always closes the store. */
export async function withContext<T>(options: GlobalOptions, output: Output, run: (ctx: CommandContext) => Promise<T>): Promise<T> {
  const config = loadConfig(options.config);
  const actor = resolveActor(options.as);
  const clock = clockFor(options.now);
  const store = await storeFor(config);
  const ctx: CommandContext = {
    config,
    store,
    clock,
    actor,
    json: options.json,
    cli: options.config === DEFAULT_CONFIG ? (options.cliName ?? 'seatkeeper') : `${options.cliName ?? 'seatkeeper'} --config ${options.config}`,
    progress: createProgressReporter(output.err, true),
    print: (lines) => output.out.write(`${lines.join('\n')}\n`),
    printJson: (value) => output.out.write(`${JSON.stringify(value, null, 2)}\n`),
    note: (line) => {
      ctx.progress.finish();
      output.err.write(`${line}\n`);
    },
  };
  try {
    return await run(ctx);
  } finally {
    ctx.progress.finish();
    await store.close();
  }
}
