/**
 * `seatkeeper approve PLAN`: releases a plan that waits for approval. Without `safety.fourEyes` the approver is
 * `--as` / SEATKEEPER_ACTOR / the OS user; with it, the approver must prove who they are with an operator's API token
 * in SEATKEEPER_TOKEN, and is the token's owner: any OS user could otherwise approve as anyone.
 */

import type { CommandContext } from './command-context.ts';
import { approvePlan } from '../app/approve-plan.ts';
import { authenticateToken } from '../app/api-tokens.ts';
import { allows } from '../domain/access-role.ts';
import { NotAllowed, NotAuthenticated } from '../domain/errors.ts';
import { apiTokenFromEnv } from '../config/api-token-env.ts';
import { EXIT } from './exit-codes.ts';
import { auditedCli } from './cli-audit.ts';

/** The approver: under four-eyes the owner of the operator token in SEATKEEPER_TOKEN, else the command's actor. */
async function approverOf(ctx: CommandContext, fourEyes: boolean): Promise<string> {
  if (!fourEyes) return ctx.actor;
  const token = apiTokenFromEnv();
  if (token === undefined) {
    throw new NotAllowed(
      'safety.fourEyes: the approver must be identified: set SEATKEEPER_TOKEN to an API token of an operator ' +
        `(${ctx.cli} token create --admin NAME --scope operate); --as and SEATKEEPER_ACTOR are not proof`,
    );
  }
  const principal = await authenticateToken({ store: ctx.runtime.store, clock: ctx.runtime.clock }, token);
  if (principal === null) throw new NotAuthenticated('SEATKEEPER_TOKEN is not a valid API token: unknown, expired, or its admin is disabled');
  if (!allows(principal.role, 'operator')) throw new NotAllowed(`safety.fourEyes: approving needs an operator; the token of ${principal.admin} acts as ${principal.role}`);
  return principal.admin;
}

export async function approveCommand(ctx: CommandContext, planId: string): Promise<number> {
  const { fourEyes, planTtlHours } = ctx.runtime.config.safety;
  const { store, clock } = ctx.runtime;
  const approved = await auditedCli(ctx, { action: 'plan.approve', target: planId, detail: { fourEyes } }, async () => {
    const actor = await approverOf(ctx, fourEyes);
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
