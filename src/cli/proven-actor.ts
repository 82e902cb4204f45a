/**
 * Who a CLI command acts as when `safety.fourEyes` judges it. Without four-eyes it is `--as` / SEATKEEPER_ACTOR / the
 * OS user. With it, a name is no proof: the approver of a plan and the maker of one must each be the owner of an
 * operator's API token in SEATKEEPER_TOKEN — else anyone could make a plan under a colleague's name and approve it
 * themselves, or approve as anyone.
 */

import type { CommandContext } from './command-context.ts';
import { authenticateToken } from '../app/api-tokens.ts';
import { allows } from '../domain/access-role.ts';
import { NotAllowed, NotAuthenticated } from '../domain/errors.ts';
import { apiTokenFromEnv } from '../config/api-token-env.ts';

/** What the identity is for, in the refusal's words. */
export type ProvenFor = 'approving' | 'making a plan';

/** Under four-eyes the owner of the operator token in SEATKEEPER_TOKEN, else the command's actor. */
export async function provenActor(ctx: CommandContext, purpose: ProvenFor): Promise<string> {
  if (!ctx.runtime.config.safety.fourEyes) return ctx.actor;
  const who = purpose === 'approving' ? 'the approver' : "a plan's maker";
  const token = apiTokenFromEnv();
  if (token === undefined) {
    throw new NotAllowed(
      `safety.fourEyes: ${who} must be identified: set SEATKEEPER_TOKEN to an API token of an operator ` +
        `(${ctx.cli} token create --admin NAME --scope operate); --as and SEATKEEPER_ACTOR are not proof`,
    );
  }
  const principal = await authenticateToken({ store: ctx.runtime.store, clock: ctx.runtime.clock }, token);
  if (principal === null) throw new NotAuthenticated('SEATKEEPER_TOKEN is not a valid API token: unknown, expired, or its admin is disabled');
  if (!allows(principal.role, 'operator')) throw new NotAllowed(`safety.fourEyes: ${purpose} needs an operator; the token of ${principal.admin} acts as ${principal.role}`);
  return principal.admin;
}
