/** The one place the CLI phrases an error's next step (domain/next-step.ts) as the command to run. */

import type { NextStep } from '../domain/next-step.ts';

/** The next step in the CLI's words; `cli` is how to call it (`seatkeeper`, or `npx seatkeeper` in the demo). */
export function phraseNextStep(next: NextStep, cli = 'seatkeeper'): string {
  switch (next.kind) {
    case 'scan':
      return `run \`${cli} scan\` first`;
    case 'list-runs':
      return `list runs with \`${cli} runs\``;
    case 'review-run':
      return `see it with \`${cli} runs ${next.runId}\``;
    case 'list-plans':
      return `list plans with \`${cli} plans\`, or plan again`;
    case 'list-alerts':
      return `pass the number shown by \`${cli} alerts\``;
    case 'resume-run':
      return `continue that run with \`${cli} resume ${next.runId}\`, or plan again`;
    case 'approve-plan':
      return `${cli} approve ${next.planId} (${next.reason})`;
    case 'apply-plan':
      return `${cli} apply --plan ${next.planId}`;
    case 'force-undo':
      return 'undo again with --force';
    case 'choose-instance':
      return `choose one with --instance (${next.instances.join(', ')})`;
    case 'instance-of-run':
      return `drop --instance or name ${next.instance}`;
  }
}
