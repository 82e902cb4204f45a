/**
 * `seatkeeper approve PLAN`: releases a plan that waits for approval. The approver is proven-actor.ts's answer: without
 * `safety.fourEyes` `--as` / SEATKEEPER_ACTOR / the OS user; with it, the owner of the operator token in
 * SEATKEEPER_TOKEN, since any OS user could otherwise approve as anyone.
 */

import type { CommandContext } from './command-context.ts';
import { approvePlan } from '../app/approve-plan.ts';
import { EXIT } from './exit-codes.ts';
import { auditedCli } from './cli-audit.ts';
import { provenActor } from './proven-actor.ts';

export async function approveCommand(ctx: CommandContext, planId: string): Promise<number> {
  const { fourEyes, planTtlHours } = ctx.runtime.config.safety;
  const { store, clock } = ctx.runtime;
  const approved = await auditedCli(ctx, { action: 'plan.approve', target: planId, detail: { fourEyes } }, async () => {
    const actor = await provenActor(ctx, 'approving');
    return approvePlan({ store, clock, key: ctx.runtime.key() }, { planId, actor, fourEyes, planTtlHours });
  }, (result) => ({ approvedBy: result.approval?.by ?? null }));
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
