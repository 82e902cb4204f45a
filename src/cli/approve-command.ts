/** `seatkeeper approve PLAN`: releases a plan that waits for approval, as `--as` / SEATKEEPER_ACTOR / the OS user. */

import type { CommandContext } from './command-context.ts';
import { approvePlan } from '../app/approve-plan.ts';
import { EXIT } from './exit-codes.ts';
import { audited } from '../app/audit-trail.ts';
import { cliActor } from './cli-audit.ts';

export async function approveCommand(ctx: CommandContext, planId: string): Promise<number> {
  const { fourEyes, planTtlHours } = ctx.runtime.config.safety;
  const { store, clock } = ctx.runtime;
  const approved = await audited({ store, clock }, cliActor(ctx), { action: 'plan.approve', target: planId }, () =>
    approvePlan({ store, clock, key: ctx.runtime.key() }, { planId, actor: ctx.actor, fourEyes, planTtlHours }),
  );
  const { plan, approval } = approved;
  if (ctx.json) {
    ctx.printJson({ planId, status: approved.status, approvedBy: approval?.by ?? null, approvedAt: approval?.at ?? null, createdBy: approved.createdBy, rows: plan.rows.length, hash: plan.hash });
    return EXIT.done;
  }
  ctx.print([
    `Plan ${planId} for ${plan.instance} approved by ${approval?.by ?? ctx.actor} at ${approval?.at ?? ''} (made by ${approved.createdBy ?? 'an unrecorded admin'}; ${plan.rows.length} users; hash ${plan.hash.slice(0, 12)}).`,
    'It runs exactly as approved; the limits are not checked again.',
    `Nothing has changed yet. Apply with: ${ctx.cli} apply --plan ${planId}`,
  ]);
  return EXIT.done;
}
