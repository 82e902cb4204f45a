/** `seatkeeper policy check`: validate the policies and show, without writing anything, whom each would select and why. */

import type { CommandContext } from './command-context.ts';
import { checkPolicies } from '../app/check-policies.ts';
import { directoriesFor, limitsOf, policiesOf, protectionOf, resolveInstance } from './cli-runtime.ts';
import { planLines } from './plan-printer.ts';
import { checkPlanLimits } from '../domain/safety-guard.ts';
import { EXIT } from './exit-codes.ts';

export async function policyCheckCommand(ctx: CommandContext, options: { instance?: string; policy?: string[]; rows: number }): Promise<number> {
  const instance = resolveInstance(ctx.config, options.instance);
  const { policies, pending } = policiesOf(ctx.config, instance, options.policy ?? []);
  const { scan, plan } = await checkPolicies({ store: ctx.store, now: ctx.clock.now(), directories: directoriesFor(ctx.config, policies) }, { instance, policies, protection: protectionOf(ctx.config) });
  const verdict = checkPlanLimits(plan, limitsOf(ctx.config));
  if (ctx.json) {
    ctx.printJson({ scanId: scan.id, verdict, pending, summaries: plan.summaries, rows: plan.rows.slice(0, options.rows) });
    return EXIT.done;
  }
  const lines = planLines({ planId: '(not stored)', plan, scan, verdict, limits: limitsOf(ctx.config), pending, rows: options.rows, cli: ctx.cli });
  // The last lines of a plan tell how to apply it; a check stores nothing to apply.
  ctx.print([...lines.filter((l) => !l.startsWith('Nothing has changed yet')), 'Policy check only: nothing was stored or changed.']);
  return EXIT.done;
}
