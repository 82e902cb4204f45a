/** The `safety:` section as the domain reads it: the limits every plan meets, and the accounts no policy may touch. */

import type { SeatkeeperConfig } from './config-schema.ts';
import type { Protection } from '../domain/policy.ts';
import type { SafetyLimits } from '../domain/safety-guard.ts';

/** The limits of `safety:` (actions, percent, shrink, administrators, plan age). */
export function limitsOf(config: SeatkeeperConfig): SafetyLimits {
  const { maxActions, maxPercent, maxShrinkPercent, minAdmins, planTtlHours } = config.safety;
  return { maxActions, maxPercent, maxShrinkPercent, minAdmins, planTtlHours };
}

/** Break-glass accounts: `safety.breakGlass` and the older `protectedUsers`/`protectedGroups`, merged. */
export function protectionOf(config: SeatkeeperConfig): Protection {
  const { protectedUsers, protectedGroups, breakGlass } = config.safety;
  return { users: [...new Set([...breakGlass.users, ...protectedUsers])], groups: [...new Set([...breakGlass.groups, ...protectedGroups])] };
}
