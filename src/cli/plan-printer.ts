/** Human-readable text for scans, plans and runs; `--json` output bypasses this. */

import { escapeControl } from '../app/instance-check.ts';
import { planHasWork, type Plan } from '../domain/plan.ts';
import type { SkipReason } from '../domain/selection-reason.ts';
import type { PlanStatus } from '../app/store/plan-repository-port.ts';
import type { ScanRecord } from '../app/store/scan-repository-port.ts';
import type { RunReport } from '../app/apply-plan.ts';
import type { PendingPolicy } from '../config/policy-mapping.ts';
import { lifecyclePlanLines, lifecycleRunLines } from './lifecycle-printer.ts';
import { describeStep } from '../domain/action-step.ts';
import { limitBaseOf, planLimit, type GuardVerdict, type SafetyLimits } from '../domain/safety-guard.ts';
import { planSeats, type PlanListing, type SeatCount } from '../app/list-plans.ts';

const n = (value: number): string => value.toLocaleString('en-US');

const SKIP_WORDS: Record<SkipReason, string> = {
  'protected-admin': 'protected (administrator or break-glass)',
  'protected-connector-account': "Seatkeeper's own account",
  'excluded-user': 'excluded by user',
  'excluded-group': 'excluded by group',
  'excluded-directory': 'excluded by directory',
  'out-of-scope': 'outside the directories or processing group',
  'no-seat': 'hold no seat (disabled or unlicensed)',
  'unknown-status': 'account status unreadable',
  'already-selected': 'taken by an earlier policy',
  'seat-in-read-only-group': 'seated through a group the instance cannot change (read-only; change them in the directory)',
};

const SKIP_ORDER: readonly SkipReason[] = [
  'protected-admin',
  'protected-connector-account',
  'excluded-user',
  'excluded-group',
  'excluded-directory',
  'out-of-scope',
  'no-seat',
  'unknown-status',
  'already-selected',
  'seat-in-read-only-group',
];

export function scanLines(scan: ScanRecord, licensed: number | null): string[] {
  const seconds = scan.finishedAt ? (Date.parse(scan.finishedAt) - Date.parse(scan.startedAt)) / 1000 : null;
  const lines = [`Scan ${scan.id} of ${scan.instance}: ${scan.status}${scan.error ? ` (${escapeControl(scan.error)})` : ''}`];
  lines.push(`  users ${n(scan.userCount)} · memberships ${n(scan.membershipCount)} · last logins from ${scan.lastLoginSource}`);
  const seats = scan.license.max !== null ? ` of ${n(scan.license.max)} seats` : '';
  const reported = scan.license.used !== null ? ` (${scan.capabilities.productName} reports ${n(scan.license.used)} in use)` : '';
  if (licensed !== null) lines.push(`  licensed users ${n(licensed)}${seats}${reported}`);
  if (seconds !== null) lines.push(`  took ${seconds.toFixed(1)} s`);
  for (const warning of scan.warnings) lines.push(`  note: ${escapeControl(warning)}`);
  if (scan.status !== 'complete') lines.push('  Nothing will be acted on from this scan. Fix the cause and scan again.');
  return lines;
}

export function planLines(input: {
  planId: string;
  plan: Plan;
  scan: ScanRecord;
  verdict: GuardVerdict;
  /** How the plan was stored; absent for a plan that is only shown (policy check). */
  status?: PlanStatus;
  limits: SafetyLimits;
  pending: readonly PendingPolicy[];
  rows: number;
  /** The command prefix that reaches the same config, e.g. `seatkeeper --config demo.yaml`. */
  cli: string;
  /** The plan is applied right after it is printed (`apply --yes`, `run POLICY`): say so instead of how to apply it. */
  applying?: boolean;
}): string[] {
  const { plan, scan, verdict, limits } = input;
  const lines: string[] = [];
  lines.push(`Plan ${input.planId} for ${plan.instance} (scan ${scan.id} of ${scan.startedAt.slice(0, 16).replace('T', ' ')} UTC)`);
  const max = scan.license.max !== null ? ` of ${n(scan.license.max)}` : '';
  const { limit, guard } = planLimit(plan, limits);
  const base = plan.limitBase === undefined ? '' : ` (${n(limitBaseOf(plan).users)} ${limitBaseOf(plan).words})`;
  lines.push(`  licensed users ${n(plan.licensedUsers)}${max} seats; one run may change at most ${n(limit)}${base} users (safety.${guard})`);
  if (plan.kind === 'policy') {
    const seats = planSeats(plan, scan.license.max);
    lines.push(`  ${seatLine(seats, 'this plan')}`);
    for (const line of applicationSeatLines(seats)) lines.push(`  ${line}`);
  }
  for (const summary of plan.summaries) {
    const skips = SKIP_ORDER.filter((reason) => summary.skipped[reason] > 0).map(
      (reason) => `${n(summary.skipped[reason])} ${SKIP_WORDS[reason]}`,
    );
    lines.push(
      `  policy ${summary.policy}: selects ${n(summary.selected)} (` +
        (summary.byRule.orgStatus !== undefined
          ? `left the organisation ${n(summary.byRule.orgStatus)})`
          : `inactive ${n(summary.byRule.inactive)}, never logged in ${n(summary.byRule.neverLoggedIn)})`) +
        (skips.length > 0 ? `; left alone among matches: ${skips.join(', ')}` : ''),
    );
    if ((summary.unknownEmail ?? 0) > 0) {
      lines.push(`    ${n(summary.unknownEmail ?? 0)} users left out by the e-mail rule because ${scan.capabilities.productName} gave no address for them`);
    }
    if (summary.notYetDue.neverLoggedIn > 0) {
      // Only the database gives creation dates (neither product's REST listing does); without one, the first sighting.
      const since = scan.lastLoginSource === 'database' ? 'their creation' : `the day Seatkeeper first saw them (${scan.capabilities.productName} REST gives no creation date)`;
      lines.push(`    ${n(summary.notYetDue.neverLoggedIn)} seat holders never logged in but are not due yet: counted from ${since}`);
    }
  }
  for (const p of input.pending) lines.push(`  policy ${p.id}: ${p.reason}`);
  const stepCounts = new Map<string, number>();
  for (const row of plan.rows) for (const step of row.steps) stepCounts.set(step.kind, (stepCounts.get(step.kind) ?? 0) + 1);
  lines.push(`  steps: ${[...stepCounts].map(([k, c]) => `${k} ${n(c)}`).join(', ') || 'none'}`);
  const noted = plan.rows.filter((r) => r.notes.length > 0).length;
  if (noted > 0) lines.push(`  ${n(noted)} rows carry a note: read them before applying`);
  lines.push('');
  const shown = plan.rows.slice(0, input.rows);
  for (const row of shown) {
    lines.push(`  ${row.username.padEnd(22)} ${row.policy.padEnd(16)} ${row.reason.text}`);
    lines.push(`  ${''.padEnd(22)} → ${row.steps.map(describeStep).join('; ')}`);
    for (const note of row.notes) lines.push(`  ${''.padEnd(22)} ! ${note}`);
  }
  if (plan.rows.length > shown.length) lines.push(`  … and ${n(plan.rows.length - shown.length)} more (--rows N, or --json for all)`);
  if (plan.rows.length === 0) lines.push('  Nobody to change.');
  lines.push(...lifecyclePlanLines(plan, input.rows));
  lines.push('');
  if (!verdict.ok && input.status === 'waiting-approval') {
    lines.push(`Waiting for approval (${verdict.guard}): ${verdict.message}`);
    lines.push(`Nothing has changed. An admin releases it with: ${input.cli} approve ${input.planId}`);
    lines.push(`then applies it with: ${input.cli} apply --plan ${input.planId}`);
  } else if (!verdict.ok) {
    lines.push(`Refused by ${verdict.guard}: ${verdict.message}`);
  } else if (planHasWork(plan) && input.applying === true) {
    const steps = plan.rows.reduce((sum, row) => sum + row.steps.length, 0);
    lines.push(`Applying plan ${input.planId} now: ${n(plan.rows.length)} users, ${n(steps)} steps (Ctrl-C stops after the users in flight).`);
  } else if (planHasWork(plan)) {
    lines.push(`Nothing has changed yet. Apply with: ${input.cli} apply --plan ${input.planId}`);
  }
  return lines;
}

/** "Seats: 1,840 used of 2,000 → 1,412 after this plan (428 freed)". */
export function seatLine(seats: SeatCount, after: 'this plan' | 'this run'): string {
  const of = seats.max === null ? '' : ` of ${n(seats.max)}`;
  const how = after === 'this run' ? ' as the run confirmed' : '';
  return `Seats: ${n(seats.used)} used${of} → ${n(seats.after)} after ${after} (${n(seats.freed)} freed${how})`;
}

/** "Seats of Jira Service Management: 40 → 31", one per application where the instance has several. */
export function applicationSeatLines(seats: SeatCount): string[] {
  return (seats.applications ?? []).map((a) => `Seats of ${escapeControl(a.name)}: ${n(a.used)} → ${n(a.after)}`);
}

/** The table of `seatkeeper plans`. */
export function planListLines(plans: readonly PlanListing[], input: { cli: string; instance: string | undefined; limit: number }): string[] {
  if (plans.length === 0) return [`No plans${input.instance === undefined ? '' : ` for ${input.instance}`} yet. Make one with: ${input.cli} plan`];
  const lines = [`${'plan'.padEnd(22)} ${'instance'.padEnd(12)} ${'status'.padEnd(16)} ${'rows'.padStart(7)} ${'seats freed'.padStart(11)}  created (UTC)     by            run`];
  for (const p of plans) {
    const policies = p.kind === 'undo' ? 'undo' : p.kind === 'changes' ? 'none (changes asked for by hand)' : p.policies.join(',');
    const run = p.run === null ? '—' : `${p.run.id} (${p.run.status})`;
    lines.push(
      `${p.id.padEnd(22)} ${p.instance.padEnd(12)} ${p.status.padEnd(16)} ${n(p.rows).padStart(7)} ${n(p.seats.freed).padStart(11)}  ` +
        `${p.createdAt.slice(0, 16).replace('T', ' ')}  ${(p.createdBy ?? '—').padEnd(12)}  ${run}`,
    );
    lines.push(`${''.padEnd(22)} policies: ${policies}`);
    const perApplication = applicationSeatLines(p.seats);
    if (perApplication.length > 0) lines.push(`${''.padEnd(22)} ${perApplication.join(' · ')}`);
  }
  if (plans.length === input.limit) lines.push(`  the newest ${n(input.limit)} are shown (--limit N for more)`);
  lines.push(`Apply one with: ${input.cli} apply --plan ID (plans waiting-approval first: ${input.cli} approve ID)`);
  return lines;
}

export function runLines(report: RunReport, input: { seats?: SeatCount; cli?: string } = {}): string[] {
  const { counts } = report;
  const cli = input.cli ?? 'seatkeeper';
  const lines = [
    `Run ${report.runId} of plan ${report.planId}: ${report.status}`,
    `  users changed ${n(report.usersChanged)} · steps done ${n(counts.done)}, already done ${n(counts['already-done'])}, failed ${n(counts.failed)}, skipped ${n(counts.skipped)}`,
  ];
  if (input.seats !== undefined) {
    lines.push(`  ${seatLine(input.seats, 'this run')}`);
    for (const line of applicationSeatLines(input.seats)) lines.push(`  ${line}`);
  }
  if (report.interrupted === true) {
    lines.push('  interrupted: the users in flight were finished and the lease given up; nothing else was started');
    lines.push(`  go on with: ${cli} resume ${report.runId}`);
  } else if (report.stoppedBecause !== undefined) {
    lines.push(`  stopped: ${report.stoppedBecause}; rows not started wait for \`seatkeeper resume ${report.runId}\` (see \`seatkeeper alerts\`)`);
  }
  // Names and the instance's own words come from outside: escaped, so they cannot rewrite the terminal.
  for (const f of report.failures.slice(0, 20)) lines.push(`  failed: ${escapeControl(`${f.username}: ${f.step}: ${f.error}`)}`);
  if (report.failures.length > 20) lines.push(`  … and ${n(report.failures.length - 20)} more failures`);
  for (const p of report.notPossible.slice(0, 20)) lines.push(`  not possible: ${escapeControl(`${p.username}: ${p.step}: ${p.reason.replace(/^not possible: /, '')}`)}`);
  if (report.notPossible.length > 20) lines.push(`  … and ${n(report.notPossible.length - 20)} more not possible (seatkeeper runs ${report.runId})`);
  if (report.failures.length > 0 && report.stoppedBecause === undefined) lines.push(`  retry the failed steps with: seatkeeper resume ${report.runId}`);
  lines.push(...lifecycleRunLines(report.lifecycle));
  return lines;
}
