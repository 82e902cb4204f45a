/** Human-readable lines for the lifecycle part of plans and runs: stage counts, notices to send, cancellations. */

import type { Plan } from '../domain/plan.ts';
import type { LifecycleReport } from '../app/lifecycle-run.ts';

const n = (value: number): string => value.toLocaleString('en-US');

/** Per lifecycle policy: what each stage moves; then the notices (they change nothing in Confluence) and cancellations. */
export function lifecyclePlanLines(plan: Plan, rows: number): string[] {
  const lifecycle = plan.lifecycle;
  if (lifecycle === undefined) return [];
  const lines: string[] = [];
  for (const s of lifecycle.summaries) {
    lines.push(
      `  lifecycle of ${s.policy}: notice ${n(s.notice)}, unlicense ${n(s.unlicense)}, deactivate ${n(s.deactivate)}, rename ${n(s.rename)}` +
        `; waiting for their date ${n(s.waiting)}, cancelled by a login or an undo ${n(s.cancelled)}, stage not possible ${n(s.notPossible)}`,
    );
  }
  if (lifecycle.notices.length > 0) {
    lines.push(`  notices to e-mail (${n(lifecycle.notices.length)}), once per user and stage; an e-mail cannot be undone:`);
    for (const notice of lifecycle.notices.slice(0, rows)) {
      lines.push(`  ${notice.username.padEnd(22)} ${notice.policy.padEnd(16)} ${notice.reason}`);
      lines.push(`  ${''.padEnd(22)} ✉ ${notice.email}`);
    }
    if (lifecycle.notices.length > rows) lines.push(`  … and ${n(lifecycle.notices.length - rows)} more notices`);
  }
  for (const c of lifecycle.cancellations.slice(0, rows)) lines.push(`  ${c.username.padEnd(22)} ${c.policy.padEnd(16)} ${c.reason}`);
  if (lifecycle.cancellations.length > rows) lines.push(`  … and ${n(lifecycle.cancellations.length - rows)} more cancellations`);
  return lines;
}

/** What a run did for the lifecycle: notices by outcome, stages recorded, records cleared, and each failed notice. */
export function lifecycleRunLines(report: LifecycleReport | undefined): string[] {
  if (report === undefined) return [];
  const c = report.notices.counts;
  const lines = [
    `  notices sent ${n(c.sent)}, already sent ${n(c['already-sent'])}, unconfirmed ${n(c.unconfirmed)}, failed ${n(c.failed)}, not sent ${n(c['not-sent'])}` +
      ` · lifecycle stages recorded ${n(report.entered)}, cancelled ${n(report.cancelled)}`,
  ];
  if (c.unconfirmed > 0) lines.push('  unconfirmed: an earlier run stopped while sending; those notices are not sent again (check the mail server log)');
  for (const f of report.notices.failures.slice(0, 20)) lines.push(`  notice failed: ${f.username}: ${f.error}`);
  if (report.notices.notSentBecause !== null) {
    lines.push(`  ${n(c['not-sent'])} notices not tried, the next run sends them: ${report.notices.notSentBecause}`);
  }
  if (report.notices.failures.length > 20) lines.push(`  … and ${n(report.notices.failures.length - 20)} more failed notices`);
  return lines;
}
