/**
 * Changes a person asks for by hand (groups, deactivation, e-mail, display name, rename), checked row by row against a
 * scan and turned into plan rows. Pure: every refusal is phrased from the snapshot and the instance's capabilities.
 */

import type { InstanceSnapshot, UserSnapshot } from './snapshot.ts';
import type { ActionStep, Plan, PlanRow } from './plan.ts';
import type { Protection } from './policy.ts';
import { buildLicenceModel, type LicenceModel, type SeatView } from './licence-model.ts';
import { describeStep } from './action-step.ts';
import { unableReason } from './step-capability.ts';
import { usernameProblems } from './rename-pattern.ts';
import { hashPlan } from './plan-hash.ts';
import { noticeAddressProblem } from './notice-address.ts';
import { includesName, nameKey, NameSet } from './names.ts';

/** One user's requested changes; each field left out is left alone. */
export interface UserChangeRequest {
  readonly username: string;
  /** Direct memberships to end, or `all` of them. */
  readonly removeGroups?: readonly string[] | 'all';
  readonly addGroups?: readonly string[];
  /** The exact set of direct memberships the user is to end with (not together with removeGroups/addGroups). */
  readonly setGroups?: readonly string[];
  readonly deactivate?: boolean;
  readonly reactivate?: boolean;
  readonly email?: string;
  readonly displayName?: string;
  readonly renameTo?: string;
}

/** What the check said of one request: the steps it plans, what needs no change, or why it is refused. */
export interface UserChangeVerdict {
  /** The request's position in the list, from 0. */
  readonly index: number;
  readonly username: string;
  readonly status: 'ok' | 'refused';
  /** Why the request is refused; empty when ok. */
  readonly reasons: readonly string[];
  /** What was asked for and already holds, so no step is planned for it. */
  readonly notes: readonly string[];
  readonly steps: readonly ActionStep[];
}

/** The verdict for every request, and a plan row for each ok one that changes something. */
export interface CheckedChanges {
  readonly verdicts: readonly UserChangeVerdict[];
  readonly rows: readonly PlanRow[];
}

// A display name is shown in every listing and notice: no line breaks, no terminal or bidi controls.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;

/** Groups that give administration: the granting ones and every group nested inside them. */
function adminGroupsOf(snapshot: InstanceSnapshot): NameSet {
  const children = new Map<string, string[]>();
  for (const n of snapshot.nesting) children.set(nameKey(n.parent), [...(children.get(nameKey(n.parent)) ?? []), n.child]);
  const found = new NameSet();
  const stack = [...snapshot.grants.adminGroups];
  while (stack.length > 0) {
    const group = stack.pop() ?? '';
    if (found.has(group)) continue;
    found.add(group);
    stack.push(...(children.get(nameKey(group)) ?? []));
  }
  return found;
}

/** Why the account must not be changed by hand through Seatkeeper, or null. */
function protectionReason(user: UserSnapshot, seat: SeatView, snapshot: InstanceSnapshot, protection: Protection, model: LicenceModel): string | null {
  if (nameKey(user.username) === nameKey(snapshot.connectedAs)) return 'it is the account Seatkeeper connects as, which is never changed';
  if (seat.admin) return 'the user is an administrator, and administrators are protected';
  if (includesName(protection.users, user.username)) return 'the user is protected (safety.protect users)';
  const group = protection.groups.find((g) => model.inGroup(seat, g));
  if (group !== undefined) return `the user is protected: member of protected group ${group}`;
  return null;
}

/** Whether the steps end every way the user holds a seat: deactivated, or out of every granting group without a grant. */
function freesSeat(model: LicenceModel, seat: SeatView, steps: readonly ActionStep[]): boolean {
  if (!seat.licensed) return false;
  if (steps.some((s) => s.kind === 'disable')) return true;
  const removed = new NameSet(steps.flatMap((s) => (s.kind === 'remove-group' ? [s.group] : [])));
  const added = steps.flatMap((s) => (s.kind === 'add-group' ? [s.group] : []));
  return !seat.directGrant && seat.billableGroups.every((g) => removed.has(g)) && !added.some((g) => model.grantsUse(g));
}

/** Everything the checks of one request read, built once for the whole list. */
interface CheckContext {
  readonly snapshot: InstanceSnapshot;
  readonly model: LicenceModel;
  readonly protection: Protection;
  readonly groups: ReadonlyMap<string, string>;
  readonly readOnly: NameSet;
  readonly adminGroups: NameSet;
  readonly writable: ReadonlyMap<string, boolean>;
  /** Usernames held, or taken by a rename of an earlier request. */
  readonly usernames: NameSet;
}

/** Checks one request; the steps run in the order: reactivate, group changes, profile, deactivate, rename last. */
function checkRequest(ctx: CheckContext, request: UserChangeRequest, user: UserSnapshot): { reasons: string[]; notes: string[]; steps: ActionStep[] } {
  const { snapshot } = ctx;
  const { capabilities } = snapshot;
  const reasons: string[] = [];
  const notes: string[] = [];
  const steps: ActionStep[] = [];
  const seat = ctx.model.seatOf(user);
  const protectedBecause = protectionReason(user, seat, snapshot, ctx.protection, ctx.model);
  if (protectedBecause !== null) reasons.push(protectedBecause);
  const writableDirectory = user.directory === null ? snapshot.directories.length === 0 : (ctx.writable.get(nameKey(user.directory)) ?? false);
  const readOnlyDirectory = `directory "${user.directory ?? 'unknown'}" is read-only: change the account there`;
  const want = (step: ActionStep, needsWritableDirectory: boolean): void => {
    const unable = unableReason(capabilities, step);
    if (unable !== null) reasons.push(`${describeStep(step)} not possible: ${unable}`);
    else if (needsWritableDirectory && !writableDirectory) reasons.push(`${describeStep(step)} not possible: ${readOnlyDirectory}`);
    else steps.push(step);
  };
  const known = (group: string): string | null => {
    const spelled = ctx.groups.get(nameKey(group));
    if (spelled === undefined) reasons.push(`no group ${group} in scan ${snapshot.scanId}`);
    return spelled ?? null;
  };

  if (request.deactivate === true && request.reactivate === true) reasons.push('asks to deactivate and to reactivate: give one');
  if (request.reactivate === true) {
    if (user.status === 'active') notes.push('already active');
    else want({ kind: 'enable' }, true);
  }

  const direct = seat.directGroups;
  let remove: string[] = [];
  let add: string[] = [];
  if (request.setGroups !== undefined) {
    if (request.removeGroups !== undefined || request.addGroups !== undefined) reasons.push('setGroups is the exact set: give it without removeGroups or addGroups');
    const wanted = request.setGroups.flatMap((g) => known(g) ?? []);
    remove = direct.filter((g) => !includesName(wanted, g));
    add = wanted.filter((g) => !includesName(direct, g));
  } else {
    const removeAsked = request.removeGroups === 'all' ? [...direct] : (request.removeGroups ?? []).flatMap((g) => known(g) ?? []);
    for (const group of removeAsked) {
      if (includesName(direct, group)) remove.push(group);
      else notes.push(`not a direct member of ${group}${ctx.model.inGroup(seat, group) ? ' (a member only through a nested group: remove that membership)' : ''}: nothing to remove`);
    }
    for (const group of (request.addGroups ?? []).flatMap((g) => known(g) ?? [])) {
      if (includesName(remove, group)) reasons.push(`asks to remove and to add ${group}`);
      else if (includesName(direct, group)) notes.push(`already a direct member of ${group}`);
      else add.push(group);
    }
  }
  for (const group of [...remove, ...add]) {
    if (ctx.readOnly.has(group)) reasons.push(`${group} cannot be changed through ${capabilities.productName} (read-only): change it in its directory`);
  }
  for (const group of add) {
    if (ctx.adminGroups.has(group)) reasons.push(`${group} gives administration, and Seatkeeper never adds anyone to it: add the user in ${capabilities.productName}`);
  }
  for (const group of [...new Set(remove)].sort()) steps.push({ kind: 'remove-group', group });
  for (const group of [...new Set(add)].sort()) steps.push({ kind: 'add-group', group });

  if (request.displayName !== undefined) {
    if (request.displayName.trim() === '' || CONTROL.test(request.displayName)) reasons.push('the display name is empty or holds control characters');
    else if (request.displayName === user.displayName) notes.push('display name already as asked');
    else want({ kind: 'set-display-name', displayName: request.displayName }, false);
  }
  if (request.email !== undefined) {
    // The address notices go to later: only a bare addr-spec, as notice-address.ts accepts it.
    const problem = noticeAddressProblem(request.email);
    if (problem !== null) reasons.push(`the e-mail address ${JSON.stringify(request.email)} ${problem}`);
    else if (request.email === user.email) notes.push('e-mail already as asked');
    else want({ kind: 'set-email', email: request.email }, true);
  }
  if (request.deactivate === true) {
    if (user.status === 'disabled') notes.push('already deactivated');
    else want({ kind: 'disable' }, true);
  }
  if (request.renameTo !== undefined) {
    const to = request.renameTo;
    const problems = [...usernameProblems(to), ...(nameKey(to) !== nameKey(user.username) && ctx.usernames.has(to) ? ['it is taken by another user'] : [])];
    if (to === user.username) notes.push('username already as asked');
    else if (problems.length > 0) reasons.push(`rename to "${to}" not possible: that name is not usable: ${problems.join(', ')}`);
    else want({ kind: 'rename', to }, true);
  }
  if (reasons.length === 0 && steps.length === 0 && notes.length === 0) reasons.push('asks for no change');
  return { reasons, notes, steps };
}

/**
 * Checks every request against the snapshot and says per request whether it is ok or refused, and why. Usernames and
 * groups compare case-insensitively; a user named twice is refused both times (which one wins would be a guess).
 */
export function checkUserChanges(input: {
  snapshot: InstanceSnapshot;
  requests: readonly UserChangeRequest[];
  protection: Protection;
  /** Who asked: named in each row's reason. */
  requestedBy: string;
}): CheckedChanges {
  const { snapshot } = input;
  const model = buildLicenceModel(snapshot);
  const groups = new Map<string, string>();
  for (const group of [...snapshot.groups, ...snapshot.memberships.map((m) => m.group)]) if (!groups.has(nameKey(group))) groups.set(nameKey(group), group);
  const ctx: CheckContext = {
    snapshot,
    model,
    protection: input.protection,
    groups,
    readOnly: new NameSet(snapshot.readOnlyGroups),
    adminGroups: adminGroupsOf(snapshot),
    writable: new Map(snapshot.directories.map((d) => [nameKey(d.name), d.writable])),
    usernames: new NameSet(snapshot.users.map((u) => u.username)),
  };
  const users = new Map(snapshot.users.map((u) => [nameKey(u.username), u]));
  const asked = new Map<string, number>();
  for (const request of input.requests) asked.set(nameKey(request.username), (asked.get(nameKey(request.username)) ?? 0) + 1);
  const verdicts: UserChangeVerdict[] = [];
  const rows: PlanRow[] = [];
  input.requests.forEach((request, index) => {
    const user = users.get(nameKey(request.username));
    const refuse = (reason: string): void => {
      verdicts.push({ index, username: request.username, status: 'refused', reasons: [reason], notes: [], steps: [] });
    };
    if (user === undefined) return refuse(`no user ${request.username} in scan ${snapshot.scanId}`);
    if ((asked.get(nameKey(request.username)) ?? 0) > 1) return refuse(`${user.username} is asked for more than once: give one request per user`);
    const { reasons, notes, steps } = checkRequest(ctx, request, user);
    const ok = reasons.length === 0;
    verdicts.push({ index, username: user.username, status: ok ? 'ok' : 'refused', reasons, notes, steps: ok ? steps : [] });
    if (!ok || steps.length === 0) return;
    // A later request's rename must not take the name this one takes.
    for (const step of steps) if (step.kind === 'rename') ctx.usernames.add(step.to);
    rows.push({
      username: user.username,
      userKey: user.userKey,
      displayName: user.displayName,
      directory: user.directory,
      policy: 'changes',
      reason: {
        rule: 'requested',
        text: `requested by ${input.requestedBy}: ${steps.map(describeStep).join('; ')}`,
        lastLogin: user.lastLogin?.toISOString() ?? null,
        referenceDate: null,
        days: 0,
        thresholdDays: 0,
      },
      steps,
      notes,
      freesSeat: freesSeat(model, model.seatOf(user), steps),
    });
  });
  return { verdicts, rows };
}

/** A changes plan over the rows: hashed like any plan, checked against the scan and the limits like a policy plan. */
export function changesPlan(input: { snapshot: InstanceSnapshot; rows: readonly PlanRow[]; now: Date }): Plan {
  const body: Omit<Plan, 'hash'> = {
    kind: 'changes',
    undoOf: [],
    instance: input.snapshot.instance,
    scanId: input.snapshot.scanId,
    createdAt: input.now.toISOString(),
    policies: [],
    licensedUsers: buildLicenceModel(input.snapshot).licensedCount,
    rows: [...input.rows],
    summaries: [],
  };
  return { ...body, hash: hashPlan(body) };
}

/**
 * The requests that move every e-mail address of domain `from` to domain `to` (the part before @ kept; domains compare
 * case-insensitively, subdomains are not matched), sorted by username.
 */
export function emailDomainMove(users: readonly Pick<UserSnapshot, 'username' | 'email'>[], from: string, to: string): UserChangeRequest[] {
  const fromKey = from.replace(/^@/, '').toLowerCase();
  const toDomain = to.replace(/^@/, '');
  const requests: UserChangeRequest[] = [];
  for (const user of users) {
    const at = user.email?.lastIndexOf('@') ?? -1;
    if (user.email === null || at < 0 || user.email.slice(at + 1).toLowerCase() !== fromKey) continue;
    requests.push({ username: user.username, email: `${user.email.slice(0, at)}@${toDomain}` });
  }
  return requests.sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
}
