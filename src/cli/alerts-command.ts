/** `seatkeeper alerts` lists open alerts; `seatkeeper alerts ack ID` acknowledges one. */

import type { CommandContext } from './command-context.ts';
import { acknowledgeAlert, listOpenAlerts } from '../app/guard-alerts.ts';
import { resolveInstance } from './cli-runtime.ts';
import { EXIT } from './exit-codes.ts';

export async function alertsCommand(ctx: CommandContext, options: { instance?: string }): Promise<number> {
  const instance = options.instance === undefined ? undefined : resolveInstance(ctx.config, options.instance);
  const alerts = await listOpenAlerts(ctx.store, instance);
  if (ctx.json) {
    ctx.printJson(alerts);
    return EXIT.done;
  }
  if (alerts.length === 0) {
    ctx.print([`No open alerts${instance === undefined ? '' : ` for ${instance}`}.`]);
    return EXIT.done;
  }
  const lines = [`${alerts.length} open alert${alerts.length === 1 ? '' : 's'}:`];
  for (const alert of alerts) {
    lines.push(`  #${alert.id}  ${alert.createdAt.slice(0, 19).replace('T', ' ')} UTC  ${alert.instance}  ${alert.kind}  (scan ${alert.scanId})`);
    lines.push(`        ${alert.message}`);
  }
  lines.push(`Acknowledge with: ${ctx.cli} alerts ack ID`);
  ctx.print(lines);
  return EXIT.done;
}

export async function alertAckCommand(ctx: CommandContext, id: string): Promise<number> {
  const alert = await acknowledgeAlert(ctx.store, { id, actor: ctx.actor, now: ctx.clock.now() });
  if (ctx.json) ctx.printJson(alert);
  else {
    const first = alert.acknowledgedBy !== null && alert.acknowledgedBy !== ctx.actor ? ' (already acknowledged)' : '';
    ctx.print([`Alert #${alert.id} acknowledged by ${alert.acknowledgedBy ?? ctx.actor} at ${alert.acknowledgedAt ?? ''}${first}.`]);
  }
  return EXIT.done;
}
