/** What each step means against a user's state: whether it is already done, and what undoes it. */

import type { ActionStep } from './plan.ts';
import type { UserState } from './journal.ts';

/** True when the user is already in the state the step would produce: such a step counts as done and is not sent. */
export function isAlreadyDone(step: ActionStep, state: UserState): boolean {
  switch (step.kind) {
    case 'remove-group':
      return !state.groups.includes(step.group);
    case 'add-group':
      return state.groups.includes(step.group);
    case 'revoke-use-grant':
      return !state.useGrant;
    case 'grant-use':
      return state.useGrant;
    case 'disable':
      return state.status === 'disabled';
    case 'enable':
      return state.status === 'active';
    case 'set-display-name':
      return state.displayName === step.displayName;
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
      return { kind: 'grant-use' };
    case 'grant-use':
      return { kind: 'revoke-use-grant' };
    case 'disable':
      return { kind: 'enable' };
    case 'enable':
      return { kind: 'disable' };
    case 'set-display-name':
      return { kind: 'set-display-name', displayName: prior.displayName };
  }
}

/** The user's state after the step, as the journal expects it. */
export function applyStep(step: ActionStep, state: UserState): UserState {
  switch (step.kind) {
    case 'remove-group':
      return { ...state, groups: state.groups.filter((g) => g !== step.group) };
    case 'add-group':
      return state.groups.includes(step.group) ? state : { ...state, groups: [...state.groups, step.group].sort() };
    case 'revoke-use-grant':
      return { ...state, useGrant: false };
    case 'grant-use':
      return { ...state, useGrant: true };
    case 'disable':
      return { ...state, status: 'disabled' };
    case 'enable':
      return { ...state, status: 'active' };
    case 'set-display-name':
      return { ...state, displayName: step.displayName };
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
      return 'revoke individual "can use"';
    case 'grant-use':
      return 'grant individual "can use"';
    case 'disable':
      return 'deactivate';
    case 'enable':
      return 'reactivate';
    case 'set-display-name':
      return `set display name to "${step.displayName}"`;
  }
}
