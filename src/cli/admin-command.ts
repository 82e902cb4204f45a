/** `seatkeeper admin create|disable` and `seatkeeper token create`: the API's accounts and tokens, each write audited. */

import type { CommandContext } from './command-context.ts';
import { createAdmin, disableAdmin } from '../app/admin-accounts.ts';
import { issueToken } from '../app/api-tokens.ts';
import { audited } from '../app/audit-trail.ts';
import { parseRole, parseTokenScope, ROLES, TOKEN_SCOPES } from '../domain/access-role.ts';
import { InvalidInput } from '../domain/errors.ts';
import { readNewPassword } from './password-prompt.ts';
import { EXIT } from './exit-codes.ts';
import { cliActor } from './cli-audit.ts';

/** Creates an admin account with a password read from the terminal or standard input. */
export async function adminCreateCommand(ctx: CommandContext, input: { name: string; role: string; stdin: NodeJS.ReadStream; err: NodeJS.WritableStream }): Promise<number> {
  const role = parseRole(input.role);
  if (role === null) throw new InvalidInput(`--role must be one of ${ROLES.join(', ')}, not ${JSON.stringify(input.role)}`);
  const password = await readNewPassword(input.stdin, input.err);
  const { store, clock } = ctx.runtime;
  const account = await audited({ store, clock }, cliActor(ctx), { action: 'admin.create', target: input.name, detail: { role } }, () => createAdmin({ store, clock }, { name: input.name, role, password }));
  if (ctx.json) ctx.printJson({ name: account.name, role: account.role, createdAt: account.createdAt });
  else ctx.print([`Admin account ${account.name} created with role ${account.role}.`]);
  return EXIT.done;
}

/** Disables an admin account: its sessions end and its tokens stop at once. */
export async function adminDisableCommand(ctx: CommandContext, name: string): Promise<number> {
  const { store, clock } = ctx.runtime;
  await audited({ store, clock }, cliActor(ctx), { action: 'admin.disable', target: name }, () => disableAdmin({ store, clock }, name));
  if (ctx.json) ctx.printJson({ name, disabled: true });
  else ctx.print([`Admin account ${name} disabled: its sessions ended and its tokens stopped.`]);
  return EXIT.done;
}

/** Creates an API token and prints it once. */
export async function tokenCreateCommand(ctx: CommandContext, input: { admin: string; scope: string; expiresDays: number }): Promise<number> {
  const scope = parseTokenScope(input.scope);
  if (scope === null) throw new InvalidInput(`--scope must be one of ${TOKEN_SCOPES.join(', ')}, not ${JSON.stringify(input.scope)}`);
  const { store, clock } = ctx.runtime;
  const { token, record } = await audited(
    { store, clock },
    cliActor(ctx),
    { action: 'token.create', target: input.admin, detail: { scope, expiresDays: input.expiresDays } },
    () => issueToken({ store, clock }, { admin: input.admin, scope, expiresDays: input.expiresDays }),
    (issued) => ({ tokenId: issued.record.id }),
  );
  if (ctx.json) {
    ctx.printJson({ token, id: record.id, admin: record.admin, scope: record.scope, expiresAt: record.expiresAt });
    return EXIT.done;
  }
  ctx.print([
    `Token ${record.id} for ${record.admin} (scope ${record.scope}, expires ${record.expiresAt}):`,
    token,
    'It is shown this once: Seatkeeper keeps only its hash. Send it in the Authorization header as a Bearer token.',
  ]);
  return EXIT.done;
}
