/** `seatkeeper instance check [ID]`: what a live instance shows for each assumption, PASS / WARN / FAIL per row. */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandContext } from './command-context.ts';
import { circuitLine } from '../runtime/circuit-log.ts';
import { describeFailure, EXIT } from './exit-codes.ts';
import { InvalidInput } from '../domain/errors.ts';
import { ConnectorError } from '../app/connector-error.ts';
import { escapeControl, unreachableReport, type InstanceCheckReport } from '../app/instance-check.ts';
import { redactCaptures } from '../app/capture-redaction.ts';
import { checkInstance, checkableProducts, type Product } from '../runtime/instance-registry.ts';
import { auditedCli } from './cli-audit.ts';
import { forgetUnwritableGroup } from '../app/unwritable-groups.ts';

export async function instanceCheckCommand(ctx: CommandContext, options: { instance?: string; capture?: string }): Promise<number> {
  const ids = options.instance === undefined ? checkableInstances(ctx) : [ctx.runtime.resolveInstance(options.instance)];
  const reports: InstanceCheckReport[] = [];
  let code: number = EXIT.done;
  for (const id of ids) {
    const config = ctx.runtime.config.instances[id];
    if (config === undefined) continue;
    try {
      const unwritableGroups = await ctx.runtime.store.unwritableGroups.list(id);
      const outcome = await checkInstance({ instanceId: id, config, unwritableGroups }, { onCircuit: (event) => ctx.note(circuitLine(id, event)) });
      reports.push(outcome.report);
      if (outcome.report.verdict === 'fail') code = Math.max(code, EXIT.failures);
      if (options.capture !== undefined) writeCaptures(join(options.capture, id), redactCaptures(outcome.baseUrl, outcome.captures, outcome.vocabulary));
    } catch (error) {
      if (!(error instanceof ConnectorError)) throw error;
      // One unreachable instance does not hide the others' reports; the exit code is the one that error maps to.
      const failure = describeFailure(error);
      reports.push(unreachableReport(id, failure.lines.join(' ')));
      code = Math.max(code, failure.code);
    }
  }
  if (ctx.json) ctx.printJson({ instances: reports });
  else ctx.print(reports.flatMap((report) => reportLines(report, ctx.runtime.config.instances[report.instance]?.product)));
  return code;
}

/** Every configured instance whose product has a check. */
function checkableInstances(ctx: CommandContext): string[] {
  const products = checkableProducts();
  const ids = Object.entries(ctx.runtime.config.instances).filter(([, settings]) => products.includes(settings.product)).map(([id]) => id);
  if (ids.length === 0) throw new InvalidInput(`the config has no product: ${products.join(' or ')} instance`, ['add one under instances:']);
  return ids;
}

function writeCaptures(dir: string, captures: readonly { file: string; route: string; status: number; body: unknown }[]): void {
  mkdirSync(dir, { recursive: true });
  for (const { file, route, status, body } of captures) writeFileSync(join(dir, file), `${JSON.stringify({ route, status, body }, null, 2)}\n`);
}

/** How the heading of a report names each product's version. */
const PRODUCT_TITLES: Readonly<Record<Product, string>> = { 'confluence-dc': 'Confluence', 'jira-dc': 'Jira' };

function reportLines(report: InstanceCheckReport, product: Product | undefined): string[] {
  const named = product === undefined ? '' : `${PRODUCT_TITLES[product]} `;
  const head = `${report.instance}${report.version === null ? '' : ` (${named}${escapeControl(report.version)})`}: ${report.verdict.toUpperCase()}`;
  if (report.error !== null) return [head, `  could not check: ${escapeControl(report.error)}`, ''];
  const width = Math.max(...report.rows.map((row) => row.title.length));
  return [head, ...report.rows.map((row) => `  ${row.verdict.toUpperCase().padEnd(4)}  ${row.title.padEnd(width)}  ${escapeControl(row.saw)}`), ''];
}

/** `seatkeeper instance forget-group GROUP`: the group's memberships are proposed again from the next scan on. */
export async function forgetGroupCommand(ctx: CommandContext, options: { group: string; instance?: string }): Promise<number> {
  const id = ctx.runtime.resolveInstance(options.instance);
  await auditedCli(ctx, { action: 'instance.forget-group', target: id, detail: { group: options.group } }, () => forgetUnwritableGroup(ctx.runtime.store, { instance: id, group: options.group }));
  ctx.print([`${id}: group ${JSON.stringify(escapeControl(options.group))} forgotten; the next scan treats it as writable again`]);
  return EXIT.done;
}
