/** `seatkeeper policy check`: validate the policies and show, without writing anything, whom each would select and why. */

import type { CommandContext } from './command-context.ts';
import { checkPolicies } from '../app/check-policies.ts';
import { planLines } from './plan-printer.ts';
import { checkPlanLimits } from '../domain/safety-guard.ts';
import { EXIT } from './exit-codes.ts';

export async function policyCheckCommand(ctx: CommandContext, options: { instance?: string; policy?: string[]; rows: number }): Promise<number> {
  const { runtime } = ctx;
  const instance = runtime.resolveInstance(options.instance);
  const { policies, pending } = runtime.policies(instance, options.policy ?? []);
  const { scan, plan } = await checkPolicies({ store: runtime.store, now: runtime.clock.now(), directories: runtime.directories(policies) }, { instance, policies, protection: runtime.protection });
  const verdict = checkPlanLimits(plan, runtime.limits);
  if (ctx.json) {
    ctx.printJson({ scanId: scan.id, verdict, pending, summaries: plan.summaries, rows: plan.rows.slice(0, options.rows) });
    return EXIT.done;
  }
  const lines = planLines({ planId: '(not stored)', plan, scan, verdict, limits: runtime.limits, pending, rows: options.rows, cli: ctx.cli });
  // The last lines of a plan tell how to apply it; a check stores nothing to apply.
  ctx.print([...lines.filter((l) => !l.startsWith('Nothing has changed yet')), 'Policy check only: nothing was stored or changed.']);
  return EXIT.done;
}
