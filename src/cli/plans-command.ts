/** `seatkeeper plans`: the stored plans, newest first, with status, size, seats freed and the run that applied them. */

import type { CommandContext } from './command-context.ts';
import { listPlans } from '../app/list-plans.ts';
import { planListLines } from './plan-printer.ts';
import { EXIT } from './exit-codes.ts';

export async function plansCommand(ctx: CommandContext, options: { instance?: string; limit: number }): Promise<number> {
  const instance = options.instance === undefined ? undefined : ctx.runtime.resolveInstance(options.instance);
  const plans = await listPlans(ctx.runtime.store, { ...(instance === undefined ? {} : { instance }), limit: options.limit });
  if (ctx.json) ctx.printJson(plans);
  else ctx.print(planListLines(plans, { cli: ctx.cli, instance, limit: options.limit }));
  return EXIT.done;
}
