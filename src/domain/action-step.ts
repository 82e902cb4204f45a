/**
 * What each step means against a user's state: whether it is already done, and what undoes it. The two individual
 * grant steps set the user's individual permissions exactly (Confluence removes every other one with a revoke of
 * "can use"), so an undo puts back the set the user held, no more and no less.
 */

import type { ActionStep } from './plan.ts';
import type { UserState } from './journal.ts';
import { includesName, sameName } from './names.ts';
import { LEGACY_APPLICATION_KEY } from './applications.ts';

/** A step as the planner makes it today: the legacy spellings of stored plans and journals read as what they meant. */
export type CurrentStep = Exclude<ActionStep, { readonly kind: 'revoke-use-grant' } | { readonly kind: 'grant-use' }>;

/** A stored `revoke-use-grant`/`grant-use` is the individual grant of the only application of its time, `confluence`. */
export function currentStep(step: ActionStep): CurrentStep {
  switch (step.kind) {
    case 'revoke-use-grant':
      return { kind: 'revoke-application', application: LEGACY_APPLICATION_KEY, ...(step.restore === undefined ? {} : { restore: step.restore }) };
    case 'grant-use':
      return { kind: 'grant-application', application: LEGACY_APPLICATION_KEY, ...(step.restore === undefined ? {} : { restore: step.restore }) };
    default:
      return step;
  }
}

/**
 * The applications the user holds individually. A journal entry written before applications were recorded says only
 * whether the user held "can use" individually: Confluence's one application.
 */
export function directApplicationsOf(state: Pick<UserState, 'useGrant' | 'directApplications'>): readonly string[] {
  return state.directApplications ?? (state.useGrant ? [LEGACY_APPLICATION_KEY] : []);
}

/**
 * True when the user is already in the state the step would produce: such a step counts as done and is not sent. Group
 * names and usernames compare case-insensitively, as the products compare them.
 */
export function isAlreadyDone(stored: ActionStep, state: UserState): boolean {
  const step = currentStep(stored);
  switch (step.kind) {
    case 'remove-group':
      return !includesName(state.groups, step.group);
    case 'add-group':
      return includesName(state.groups, step.group);
    case 'revoke-application':
      // Revoking leaves exactly `restore` (Confluence removes the rest with "can use").
      return !directApplicationsOf(state).includes(step.application) && sameSet(state.otherPermissions, step.restore ?? []);
    case 'grant-application':
      return directApplicationsOf(state).includes(step.application) && sameSet(state.otherPermissions, step.restore ?? []);
    case 'disable':
      return state.status === 'disabled';
    case 'enable':
      return state.status === 'active';
    case 'set-display-name':
      return state.displayName === step.displayName;
    case 'set-email':
      // An entry journaled before e-mail was read does not know it: the step is sent.
      return state.email !== undefined && state.email === step.email;
    case 'rename':
      // The exact spelling: a rename that only changes case is still a change.
      return state.username === step.to;
    case 'confirm-seat-freed':
      return false;
  }
}

/** The step that puts back what `step` changed, given the user's state before it. */
export function inverseOf(stored: ActionStep, prior: UserState): CurrentStep {
  const step = currentStep(stored);
  const restore = prior.otherPermissions.length > 0 ? { restore: [...prior.otherPermissions] } : {};
  switch (step.kind) {
    case 'remove-group':
      return { kind: 'add-group', group: step.group };
    case 'add-group':
      return { kind: 'remove-group', group: step.group };
    case 'revoke-application':
      // Revoking "can use" took every other individual permission with it: put those back too.
      return { kind: 'grant-application', application: step.application, ...restore };
    case 'grant-application':
      return { kind: 'revoke-application', application: step.application, ...restore };
    case 'disable':
      return { kind: 'enable' };
    case 'enable':
      return { kind: 'disable' };
    case 'set-display-name':
      return { kind: 'set-display-name', displayName: prior.displayName };
    case 'set-email':
      // A user who had no address gets the empty one back, which the product may refuse: undo then says so for the step.
      return { kind: 'set-email', email: prior.email ?? '' };
    case 'rename':
      return { kind: 'rename', to: prior.username };
    case 'confirm-seat-freed':
      return step;
  }
}

/** The user's state after the step, as the journal expects it. */
export function applyStep(stored: ActionStep, state: UserState): UserState {
  const step = currentStep(stored);
  switch (step.kind) {
    case 'remove-group':
      return { ...state, groups: state.groups.filter((g) => !sameName(g, step.group)) };
    case 'add-group':
      return includesName(state.groups, step.group) ? state : { ...state, groups: [...state.groups, step.group].sort() };
    case 'revoke-application': {
      const held = directApplicationsOf(state).filter((a) => a !== step.application);
      return { ...state, useGrant: held.length > 0, directApplications: held, otherPermissions: [...(step.restore ?? [])].sort() };
    }
    case 'grant-application': {
      const held = [...new Set([...directApplicationsOf(state), step.application])].sort();
      return { ...state, useGrant: true, directApplications: held, otherPermissions: [...(step.restore ?? [])].sort() };
    }
    case 'disable':
      return { ...state, status: 'disabled' };
    case 'enable':
      return { ...state, status: 'active' };
    case 'set-display-name':
      return { ...state, displayName: step.displayName };
    case 'set-email':
      return { ...state, email: step.email };
    case 'rename':
      return { ...state, username: step.to };
    case 'confirm-seat-freed':
      return state;
  }
}

/** How a step names an application: by its key, and the legacy one's individual grant as the permission it is ("can use"). */
function grantWord(application: string): string {
  return application === LEGACY_APPLICATION_KEY ? '"can use"' : application;
}

/** "remove from confluence-users", for plan tables and logs; an application is named by its key. */
export function describeStep(stored: ActionStep): string {
  const step = currentStep(stored);
  switch (step.kind) {
    case 'remove-group':
      return `remove from ${step.group}`;
    case 'add-group':
      return `add to ${step.group}`;
    case 'revoke-application': {
      const what = grantWord(step.application);
      return step.restore !== undefined && step.restore.length > 0
        ? `revoke individual ${what}, keeping ${step.restore.join(', ')}`
        : `revoke individual ${what}`;
    }
    case 'grant-application': {
      const what = grantWord(step.application);
      return step.restore !== undefined && step.restore.length > 0
        ? `grant individual ${what} with ${step.restore.join(', ')}`
        : `grant individual ${what}`;
    }
    case 'disable':
      return 'deactivate';
    case 'enable':
      return 'reactivate';
    case 'set-display-name':
      return `set display name to "${step.displayName}"`;
    case 'set-email':
      return `set e-mail to "${step.email}"`;
    case 'rename':
      return `rename to "${step.to}"`;
    case 'confirm-seat-freed':
      return 'confirm the seat is freed';
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((value) => set.has(value));
}
