/** Whether an instance can take a step over its API, phrased from its capabilities: one wording for plans and runs. */

import type { ActionStep } from './plan.ts';
import type { InstanceCapabilities } from './instance-capabilities.ts';

/**
 * Why the instance cannot take the step over its API, or null. Read from capabilities, never from a product name, so
 * a plan refusing a row and a run skipping a step say the same thing.
 */
export function unableReason(capabilities: InstanceCapabilities, step: ActionStep): string | null {
  const product = capabilities.productName;
  switch (step.kind) {
    case 'revoke-use-grant':
    case 'grant-use':
    case 'revoke-application':
    case 'grant-application':
      return capabilities.directGrants ? null : `${product} has no individual grants to change over its API here`;
    case 'rename':
      return capabilities.rename ? null : `${product}'s API cannot rename users`;
    case 'disable':
    case 'enable':
      return capabilities.disable ? null : `${product} cannot deactivate or reactivate accounts over its API here`;
    case 'set-display-name':
      return capabilities.updateDisplayName ? null : `${product} cannot change display names over its API here`;
    case 'set-email':
      return capabilities.updateEmail ? null : `${product} cannot change e-mail addresses over its API here`;
    case 'remove-group':
    case 'add-group':
    case 'confirm-seat-freed':
      return null;
  }
}
