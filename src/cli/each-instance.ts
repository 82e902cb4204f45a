/**
 * A command over every configured instance (no `--instance` with several configured): the instances are worked on
 * `runs.parallelInstances` at a time, each to its end whatever another does, and their output is printed per instance
 * in config order, so lines of two instances never interleave. One instance's failure is its own: the others go on,
 * and the exit code is the worst of them.
 */

import type { CommandContext } from './command-context.ts';
import { describeFailure, EXIT } from './exit-codes.ts';

/** How one instance's part of the command ended. */
export interface InstanceOutcome {
  readonly instance: string;
  readonly code: number;
  /** What it printed for a person, or its failure's lines. */
  readonly lines: readonly string[];
  /** What it would have printed as JSON, or `{ error }`. */
  readonly json: unknown;
}

/** A context for one instance of several: its lines and JSON are kept for later, its progress is not drawn. */
function collectingContext(ctx: CommandContext, lines: string[], json: unknown[]): CommandContext {
  return {
    runtime: ctx.runtime,
    actor: ctx.actor,
    json: ctx.json,
    cli: ctx.cli,
    progress: { update: () => undefined, finish: () => undefined },
    print: (more) => lines.push(...more),
    printJson: (value) => json.push(value),
    printNdjson: (value) => json.push(value),
    note: ctx.note,
  };
}

/** Worse exit codes win: a guard stop or bad input over failures, failures over done. */
const SEVERITY: readonly number[] = [EXIT.done, EXIT.failures, EXIT.guard, EXIT.badInput, EXIT.interrupted];
function worst(codes: readonly number[]): number {
  const rank = (code: number): number => SEVERITY.indexOf(code);
  return codes.reduce<number>((a, b) => (rank(b) > rank(a) ? b : a), EXIT.done);
}

/**
 * Runs `work` for the instance named, or for each configured one (or for `among`, when the caller narrowed them).
 * With one instance it is just `work(ctx, id)`; with several, every instance's output follows a header line (or,
 * with --json, `{ instances: [{ instance, code, result }] }`).
 */
export async function eachInstance(
  ctx: CommandContext,
  requested: string | undefined,
  work: (ctx: CommandContext, instance: string) => Promise<number>,
  among?: readonly string[],
): Promise<number> {
  const instances = requested === undefined && among !== undefined && among.length > 0 ? among : ctx.runtime.resolveInstances(requested);
  const [only] = instances;
  if (instances.length === 1 && only !== undefined) return work(ctx, only);

  const outcomes: InstanceOutcome[] = new Array<InstanceOutcome>(instances.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < instances.length) {
      const index = next;
      next += 1;
      const instance = instances[index] ?? '';
      const lines: string[] = [];
      const json: unknown[] = [];
      try {
        const code = await work(collectingContext(ctx, lines, json), instance);
        outcomes[index] = { instance, code, lines, json: json.length === 1 ? json[0] : json };
      } catch (error) {
        const failure = describeFailure(error);
        outcomes[index] = { instance, code: failure.code, lines: failure.lines, json: { error: failure.lines.join('\n') } };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ctx.runtime.parallelInstances, instances.length) }, worker));

  if (ctx.json) {
    ctx.printJson({ instances: outcomes.map((o) => ({ instance: o.instance, code: o.code, result: o.json })) });
  } else {
    for (const o of outcomes) ctx.print([`── ${o.instance} ──`, ...o.lines, '']);
  }
  return worst(outcomes.map((o) => o.code));
}
