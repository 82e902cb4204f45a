/** The "inactive users" policy: who it selects, who it must leave alone, and what it does to each. */

import type { InstanceSnapshot, UserSnapshot } from './snapshot.ts';
import type { LicenceModel, SeatView } from './licence-model.ts';
import type { SelectionReason, SkipReason } from './selection-reason.ts';
import { renamePatternProblems } from './rename-pattern.ts';
import { includesName, NameSet, sameName } from './names.ts';
import type { LifecycleSettings } from './lifecycle-settings.ts';

/** A policy as the domain sees it; the config layer fills in defaults. */
export interface InactiveUsersPolicy {
  readonly id: string;
  readonly instance: string;
  /** The one application whose seats the policy frees (its key, e.g. `jira-servicedesk`); absent or null = every one. */
  readonly application?: string | null;
  readonly select: {
    /** Last login older than this many days. */
    readonly inactiveDays: number | null;
    /** Never logged in, and created (database source) or first seen (REST) more than this many days ago. */
    readonly neverLoggedInDays: number | null;
    /** Only users of these directories; empty = every directory. */
    readonly directories: readonly string[];
    /** Only members (direct or nested) of this processing group. */
    readonly group: string | null;
    /** Only users whose e-mail is in one of these domains (e.g. an acquired company's); absent or empty = any. */
    readonly emailDomains?: readonly string[];
    /**
     * Leavers: users whose status in the organisation directory `via` is one of `statuses`. Such a policy selects by
     * that status alone and acts on active accounts whether or not they hold a seat.
     */
    readonly orgStatus?: { readonly statuses: readonly Exclude<OrgStatus, 'active'>[]; readonly via: string };
  };
  readonly exclude: {
    readonly users: readonly string[];
    readonly groups: readonly string[];
    /** Users of these directories are left alone; absent = none. */
    readonly directories?: readonly string[];
  };
  readonly actions: {
    /** `license` = the billable path; `all` = every direct group; a list = those groups; `none` = keep groups. */
    readonly removeGroups: 'license' | 'all' | 'none' | readonly string[];
    readonly addGroups: readonly string[];
    readonly deactivate: boolean;
    /** Username pattern such as `{username}_inactive_{yyyyMMdd}`; null = keep the username. */
    readonly rename: string | null;
  };
  /** Staged lifecycle (notice → unlicense → deactivate → rename); absent or null = act at once, as `actions` say. */
  readonly lifecycle?: LifecycleSettings | null;
}

/** What the organisation directory says of a person; someone it does not list is `not-found`. */
export type OrgStatus = 'active' | 'disabled' | 'not-found';

/** Why a leavers policy selects this user, or null; `statuses` maps usernames to what the directory said. */
export function matchOrgStatus(policy: InactiveUsersPolicy, user: UserSnapshot, statuses: ReadonlyMap<string, OrgStatus> | undefined): SelectionReason | null {
  const rule = policy.select.orgStatus;
  if (rule === undefined || statuses === undefined) return null;
  const status = statuses.get(user.username) ?? 'not-found';
  if (status === 'active' || !rule.statuses.includes(status)) return null;
  return {
    rule: 'org-status',
    text: status === 'not-found' ? `not found in directory ${rule.via}` : `disabled in directory ${rule.via}`,
    lastLogin: user.lastLogin?.toISOString() ?? null,
    referenceDate: null,
    days: 0,
    thresholdDays: 0,
  };
}

/** Accounts no policy may touch, on top of administrators and the connector's own account. */
export interface Protection {
  readonly users: readonly string[];
  readonly groups: readonly string[];
}

const DAY_MS = 86_400_000;

/** Whole days from `then` to `now`, rounded down. */
export function daysBetween(then: Date, now: Date): number {
  return Math.floor((now.getTime() - then.getTime()) / DAY_MS);
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** True when no domains are given, or the e-mail's domain (case-insensitive, subdomains excluded) is one of them. */
export function inEmailDomains(email: string | null, domains: readonly string[]): boolean {
  if (domains.length === 0) return true;
  const at = email?.lastIndexOf('@') ?? -1;
  if (email === null || at < 0) return false;
  const domain = email.slice(at + 1).toLowerCase();
  return domains.some((d) => d.toLowerCase() === domain);
}

/** Why the policy's selection rules match this user, or null when they do not. */
export function matchRule(policy: InactiveUsersPolicy, user: UserSnapshot, now: Date): SelectionReason | null {
  const { inactiveDays, neverLoggedInDays } = policy.select;
  if (user.lastLogin !== null) {
    if (inactiveDays === null) return null;
    const days = daysBetween(user.lastLogin, now);
    if (days <= inactiveDays) return null;
    return {
      rule: 'inactive',
      text: `last login ${isoDay(user.lastLogin)}, ${days} days ago > ${inactiveDays}`,
      lastLogin: user.lastLogin.toISOString(),
      referenceDate: user.lastLogin.toISOString(),
      days,
      thresholdDays: inactiveDays,
    };
  }
  // A user whose logins no source could read is not "never logged in": acting on a guess locks people out.
  if (neverLoggedInDays === null || !user.loginKnown) return null;
  const reference = user.createdAt ?? user.firstSeen;
  const what = user.createdAt ? 'created' : 'first seen by Seatkeeper';
  const days = daysBetween(reference, now);
  if (days <= neverLoggedInDays) return null;
  return {
    rule: 'never-logged-in',
    text: `never logged in, ${what} ${isoDay(reference)}, ${days} days ago > ${neverLoggedInDays}`,
    lastLogin: null,
    referenceDate: reference.toISOString(),
    days,
    thresholdDays: neverLoggedInDays,
  };
}

/** The first reason a matched user must be left alone, in a fixed order; null when the policy may act. */
export function skipReason(
  policy: InactiveUsersPolicy,
  user: UserSnapshot,
  seat: SeatView,
  context: { connectedAs: string; protection: Protection; inGroup: (seat: SeatView, group: string) => boolean },
): SkipReason | null {
  // Names are compared case-insensitively (domain/names.ts): `Break-Glass` in the config protects `break-glass`.
  const inAny = (groups: readonly string[]) => groups.some((g) => context.inGroup(seat, g));
  if (sameName(user.username, context.connectedAs)) return 'protected-connector-account';
  if (seat.admin) return 'protected-admin';
  if (includesName(context.protection.users, user.username)) return 'protected-admin';
  if (inAny(context.protection.groups)) return 'protected-admin';
  const { directories, group } = policy.select;
  if (directories.length > 0 && (user.directory === null || !includesName(directories, user.directory))) return 'out-of-scope';
  if (group !== null && !context.inGroup(seat, group)) return 'out-of-scope';
  if (!inEmailDomains(user.email, policy.select.emailDomains ?? [])) return 'out-of-scope';
  if (includesName(policy.exclude.users, user.username)) return 'excluded-user';
  if (inAny(policy.exclude.groups)) return 'excluded-group';
  if (user.directory !== null && includesName(policy.exclude.directories ?? [], user.directory)) return 'excluded-directory';
  if (user.status === 'unknown') return 'unknown-status';
  // Leavers are switched off whether or not they hold a seat; inactivity rules only reclaim seats.
  if (!seat.licensed && policy.select.orgStatus === undefined) return 'no-seat';
  return null;
}

/** Checks a policy against the snapshot's groups; returns the problems (an added group that grants a seat defeats the policy). */
export function policyProblems(policy: InactiveUsersPolicy, snapshot: InstanceSnapshot, model: LicenceModel): string[] {
  const problems: string[] = [];
  const known = new NameSet(snapshot.groups);
  for (const g of policy.actions.addGroups) {
    if (model.grantsUse(g)) {
      problems.push(`policies.${policy.id}.actions.addGroups: group "${g}" grants "can use", so the user would keep a seat`);
    } else if (!known.has(g)) {
      problems.push(`policies.${policy.id}.actions.addGroups: group "${g}" does not exist in instance ${policy.instance}; create it first`);
    }
  }
  if (policy.select.group !== null && !known.has(policy.select.group)) {
    problems.push(`policies.${policy.id}.select.group: group "${policy.select.group}" does not exist in instance ${policy.instance}`);
  }
  if (((policy.exclude.directories ?? []).length > 0 || policy.select.directories.length > 0) && snapshot.directories.length === 0) {
    problems.push(
      `policies.${policy.id}: a directories scope or exclusion needs each user's directory, which Confluence's REST API does not give; ` +
        `set lastLogin: database with a read-only database: URL on instance ${policy.instance}, or remove the directories`,
    );
  }
  const application = policy.application ?? null;
  if (application !== null && !snapshot.applications.some((a) => a.key === application)) {
    const has = snapshot.applications.map((a) => `${a.key} (${a.name})`).join(', ');
    problems.push(
      `policies.${policy.id}.application: instance ${policy.instance} has no application "${application}"; ` +
        (has === '' ? 'it reported none' : `it has ${has}`),
    );
  }
  if (policy.actions.rename !== null) {
    for (const problem of renamePatternProblems(policy.actions.rename)) problems.push(`policies.${policy.id}.actions.rename: ${problem}`);
  }
  if (policy.select.inactiveDays === null && policy.select.neverLoggedInDays === null && policy.select.orgStatus === undefined) {
    problems.push(`policies.${policy.id}.select: set inactiveDays or neverLoggedInDays, or the policy selects nobody`);
  }
  return problems;
}
