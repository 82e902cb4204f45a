/**
 * What each step means against a user's state: whether it is already done, and what undoes it. The two individual
 * "can use" steps set the user's individual global permissions exactly (Confluence removes every other one with a
 * revoke of "can use"), so an undo puts back the set the user held, no more and no less.
 */

import type { ActionStep } from './plan.ts';
import type { UserState } from './journal.ts';
import { includesName, sameName } from './names.ts';

/**
 * True when the user is already in the state the step would produce: such a step counts as done and is not sent. Group
 * names compare case-insensitively, as Confluence compares them.
 */
export function isAlreadyDone(step: ActionStep, state: UserState): boolean {
  switch (step.kind) {
    case 'remove-group':
      return !includesName(state.groups, step.group);
    case 'add-group':
      return includesName(state.groups, step.group);
    case 'revoke-use-grant':
      // Revoking leaves exactly `restore` (Confluence removes the rest with "can use").
      return !state.useGrant && sameSet(state.otherPermissions, step.restore ?? []);
    case 'grant-use':
      return state.useGrant && sameSet(state.otherPermissions, step.restore ?? []);
    case 'disable':
      return state.status === 'disabled';
    case 'enable':
      return state.status === 'active';
    case 'set-display-name':
      return state.displayName === step.displayName;
    case 'confirm-seat-freed':
      return false;
  }
}

/** The step that puts back what `step` changed, given the user's state before it. */
export function inverseOf(step: ActionStep, prior: UserState): ActionStep {
  switch (step.kind) {
    case 'remove-group':
      return { kind: 'add-group', group: step.group };
    case 'add-group':
      return { kind: 'remove-group', group: step.group };
    case 'revoke-use-grant':
      // Revoking "can use" took every other individual permission with it: put those back too.
      return prior.otherPermissions.length > 0 ? { kind: 'grant-use', restore: [...prior.otherPermissions] } : { kind: 'grant-use' };
    case 'grant-use':
      return prior.otherPermissions.length > 0 ? { kind: 'revoke-use-grant', restore: [...prior.otherPermissions] } : { kind: 'revoke-use-grant' };
    case 'disable':
      return { kind: 'enable' };
    case 'enable':
      return { kind: 'disable' };
    case 'set-display-name':
      return { kind: 'set-display-name', displayName: prior.displayName };
    case 'confirm-seat-freed':
      return step;
  }
}

/** The user's state after the step, as the journal expects it. */
export function applyStep(step: ActionStep, state: UserState): UserState {
  switch (step.kind) {
    case 'remove-group':
      return { ...state, groups: state.groups.filter((g) => !sameName(g, step.group)) };
    case 'add-group':
      return includesName(state.groups, step.group) ? state : { ...state, groups: [...state.groups, step.group].sort() };
    case 'revoke-use-grant':
      return { ...state, useGrant: false, otherPermissions: [...(step.restore ?? [])].sort() };
    case 'grant-use':
      return { ...state, useGrant: true, otherPermissions: [...(step.restore ?? [])].sort() };
    case 'disable':
      return { ...state, status: 'disabled' };
    case 'enable':
      return { ...state, status: 'active' };
    case 'set-display-name':
      return { ...state, displayName: step.displayName };
    case 'confirm-seat-freed':
      return state;
  }
}

/** "remove from confluence-users", for plan tables and logs. */
export function describeStep(step: ActionStep): string {
  switch (step.kind) {
    case 'remove-group':
      return `remove from ${step.group}`;
    case 'add-group':
      return `add to ${step.group}`;
    case 'revoke-use-grant':
      return step.restore !== undefined && step.restore.length > 0
        ? `revoke individual "can use", keeping ${step.restore.join(', ')}`
        : 'revoke individual "can use"';
    case 'grant-use':
      return step.restore !== undefined && step.restore.length > 0
        ? `grant individual "can use" with ${step.restore.join(', ')}`
        : 'grant individual "can use"';
    case 'disable':
      return 'deactivate';
    case 'enable':
      return 'reactivate';
    case 'set-display-name':
      return `set display name to "${step.displayName}"`;
    case 'confirm-seat-freed':
      return 'confirm the seat is freed';
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((value) => set.has(value));
}
