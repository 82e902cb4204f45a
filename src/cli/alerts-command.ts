/** `seatkeeper alerts` lists open alerts (`--all`: resolved and acknowledged ones too); `seatkeeper alerts ack ID` acknowledges one. */

import type { CommandContext } from './command-context.ts';
import type { Alert } from '../app/store/alert-repository-port.ts';
import { acknowledgeAlert, listAlerts } from '../app/guard-alerts.ts';
import { EXIT } from './exit-codes.ts';
import { auditedCli } from './cli-audit.ts';

const when = (iso: string): string => `${iso.slice(0, 19).replace('T', ' ')} UTC`;

function stateOf(alert: Alert): string {
  if (alert.resolvedAt !== null) return `resolved ${when(alert.resolvedAt)}: ${alert.resolvedReason ?? ''}`;
  if (alert.acknowledgedAt !== null) return `acknowledged by ${alert.acknowledgedBy ?? '?'} ${when(alert.acknowledgedAt)}`;
  return 'open';
}

export async function alertsCommand(ctx: CommandContext, options: { instance?: string; all: boolean }): Promise<number> {
  const instance = options.instance === undefined ? undefined : ctx.runtime.resolveInstance(options.instance);
  const alerts = await listAlerts(ctx.runtime.store, { ...(instance === undefined ? {} : { instance }), all: options.all });
  if (ctx.json) {
    ctx.printJson(alerts);
    return EXIT.done;
  }
  const where = instance === undefined ? '' : ` for ${instance}`;
  if (alerts.length === 0) {
    ctx.print([options.all ? `No alerts${where}.` : `No open alerts${where}. (--all lists resolved and acknowledged ones too.)`]);
    return EXIT.done;
  }
  const s = alerts.length === 1 ? '' : 's';
  const lines = [options.all ? `${alerts.length} alert${s}${where}:` : `${alerts.length} open alert${s}${where}:`];
  for (const alert of alerts) {
    const about = alert.runId === null ? `scan ${alert.scanId}` : `run ${alert.runId}`;
    lines.push(`  #${alert.id}  ${when(alert.createdAt)}  ${alert.instance}  ${alert.kind}  (${about})${options.all ? `  ${stateOf(alert)}` : ''}`);
    lines.push(`        ${alert.message}`);
  }
  if (alerts.some((a) => a.acknowledgedAt === null && a.resolvedAt === null)) lines.push(`Acknowledge with: ${ctx.cli} alerts ack ID`);
  ctx.print(lines);
  return EXIT.done;
}

export async function alertAckCommand(ctx: CommandContext, id: string): Promise<number> {
  const alert = await auditedCli(ctx, { action: 'alert.ack', target: id }, () => acknowledgeAlert(ctx.runtime.store, { id, actor: ctx.actor, now: ctx.runtime.clock.now() }));
  if (ctx.json) ctx.printJson(alert);
  else {
    const first = alert.acknowledgedBy !== null && alert.acknowledgedBy !== ctx.actor ? ' (already acknowledged)' : '';
    ctx.print([`Alert #${alert.id} acknowledged by ${alert.acknowledgedBy ?? ctx.actor} at ${alert.acknowledgedAt ?? ''}${first}.`]);
  }
  return EXIT.done;
}
