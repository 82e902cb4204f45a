/**
 * The `instance check` judge of Jira's two undocumented group readings (emulators/jira-dc/jira-readings.ts):
 * whether `/rest/api/2/group/member` lists direct members or flattens child groups' members in, and whether
 * `expand=groups` on `/rest/api/2/user` names direct or effective groups. Over REST alone a disagreement between the
 * two tells both; when they agree, only the database's direct memberships (cwd_membership) can tell which. Pure.
 */

import { quote } from '../../app/instance-check.ts';
import type { CheckRow } from '../../app/instance-check.ts';
import { lower, n, type Answer } from './jira-dc-check-rules.ts';
import { jiraRow } from './jira-dc-check-rows.ts';

/** One granting group's member list as read with includeInactiveUsers=true; usernames lower-cased. */
export interface MemberListRead {
  readonly group: string;
  readonly members: ReadonlySet<string>;
  /** False when the bound or a refusal stopped the reading: absence from the list proves nothing then. */
  readonly complete: boolean;
}

/** A sampled user's `expand=groups`, lower-cased; null when not readable or cut short. */
export interface ExpandedUser {
  readonly username: string;
  readonly groups: ReadonlySet<string> | null;
}

/** The database's direct memberships (cwd_membership), lower-cased. */
export interface DirectMemberships {
  readonly groupsOf: ReadonlyMap<string, ReadonlySet<string>>;
  /** child group → its parents. */
  readonly parentsOf: ReadonlyMap<string, ReadonlySet<string>>;
}

/** What was read about groups. */
export interface MembershipObservation {
  readonly lists: readonly MemberListRead[];
  readonly users: readonly ExpandedUser[];
  /** null without a database (or without cwd_membership). */
  readonly direct: DirectMemberships | null;
  /** The first member page read, for the page-caps row. */
  readonly firstPage: { readonly group: string; readonly answer: Answer } | null;
}

/** What the two readings are, as far as the evidence goes. */
export interface GroupReadings {
  readonly memberLists: 'flattened' | 'direct' | null;
  readonly expandGroups: 'effective' | 'direct' | null;
  /** One sentence per observation that told the member-list reading, naming the user and group. */
  readonly listsEvidence: readonly string[];
  /** The same for the expand=groups reading. */
  readonly expandEvidence: readonly string[];
  /** REST showed the two agree (both nesting-aware or both direct) without telling which. */
  readonly agree: boolean;
}

/** Tells the readings from the lists, the sampled users and (when read) the database. */
export function groupReadings(obs: MembershipObservation): GroupReadings {
  const listsEvidence: string[] = [];
  const expandEvidence: string[] = [];
  let memberLists: GroupReadings['memberLists'] = null;
  let expandGroups: GroupReadings['expandGroups'] = null;
  const tell = (lists: 'flattened' | 'direct' | null, expand: 'effective' | 'direct' | null, why: string): void => {
    if (lists !== null && memberLists === null) memberLists = lists;
    if (expand !== null && expandGroups === null) expandGroups = expand;
    if (lists !== null) listsEvidence.push(why);
    if (expand !== null) expandEvidence.push(why);
  };
  for (const user of obs.users) {
    if (user.groups === null) continue;
    const who = quote(user.username, 40);
    for (const list of obs.lists) {
      const group = lower(list.group);
      const listed = list.members.has(lower(user.username));
      if (memberLists === null && listed && !user.groups.has(group)) {
        tell('flattened', 'direct', `${who} is on ${quote(list.group, 40)}'s member list, but expand=groups does not name that group`);
      }
      if (expandGroups === null && list.complete && !listed && user.groups.has(group)) {
        tell('direct', 'effective', `expand=groups of ${who} names ${quote(list.group, 40)}, whose complete member list does not hold them`);
      }
    }
  }
  const agree = memberLists === null && expandGroups === null && obs.users.some((u) => u.groups !== null) && obs.lists.length > 0;
  if (obs.direct !== null) {
    for (const user of obs.users) {
      const direct = obs.direct.groupsOf.get(lower(user.username)) ?? new Set<string>();
      const above = ancestors(direct, obs.direct.parentsOf);
      const who = quote(user.username, 40);
      for (const list of obs.lists) {
        const group = lower(list.group);
        const listed = list.members.has(lower(user.username));
        if (memberLists === null && listed && !direct.has(group)) {
          tell('flattened', null, `${who} is on ${quote(list.group, 40)}'s member list without a direct membership in cwd_membership`);
        } else if (memberLists === null && list.complete && !listed && above.has(group) && !direct.has(group)) {
          tell('direct', null, `${who} belongs to ${quote(list.group, 40)} through a child group (cwd_membership), but is not on its member list`);
        }
      }
      const expanded = user.groups;
      if (expanded === null || expandGroups !== null) continue;
      const extra = [...expanded].find((g) => !direct.has(g));
      if (extra !== undefined) tell(null, 'effective', `expand=groups of ${who} names ${quote(extra, 40)}, not a direct membership in cwd_membership`);
      else {
        const missed = [...above].find((g) => !direct.has(g) && !expanded.has(g));
        if (missed !== undefined) tell(null, 'direct', `expand=groups of ${who} leaves out ${quote(missed, 40)}, which holds them through a child group (cwd_membership)`);
      }
    }
  }
  return { memberLists, expandGroups, listsEvidence, expandEvidence, agree };
}

function ancestors(groups: ReadonlySet<string>, parentsOf: ReadonlyMap<string, ReadonlySet<string>>): Set<string> {
  const reached = new Set(groups);
  for (const queue = [...groups]; queue.length > 0;) {
    for (const parent of parentsOf.get(queue.pop() ?? '') ?? []) {
      if (!reached.has(parent)) {
        reached.add(parent);
        queue.push(parent);
      }
    }
  }
  return reached;
}

const SEATKEEPER_LISTS: Readonly<Record<'flattened' | 'direct', string>> = {
  flattened: 'members of child groups are on the list; Seatkeeper takes REST member lists as possibly flattened and derives direct memberships',
  direct: 'a REST scan sees only the direct members of each granting group, so a user who holds a seat through a child group is seen only with database: (cwd_membership)',
};

const SEATKEEPER_EXPAND: Readonly<Record<'effective' | 'direct', string>> = {
  effective: 'a group named there may hold the user only through a child group, so it is not taken as a direct membership',
  direct: 'the groups named there are direct memberships',
};

/**
 * `member-lists` and `groups-expand`: each reading with the evidence that told it; SKIP when nothing nested was seen
 * that tells it. Direct member lists without the database warn: a REST scan cannot see seats held through child groups.
 */
export function judgeMemberships(obs: MembershipObservation): [CheckRow, CheckRow] {
  const read = `${n(obs.lists.length)} granting groups and ${n(obs.users.length)} users' expand=groups read${obs.direct === null ? '' : ', with cwd_membership'}`;
  if (obs.lists.length === 0 || obs.users.length === 0) {
    return [jiraRow('member-lists', 'skip', `nothing to compare (${read})`), jiraRow('groups-expand', 'skip', `nothing to compare (${read})`)];
  }
  const readings = groupReadings(obs);
  const evidence = (told: readonly string[]): string => (told.length === 0 ? '' : `; evidence: ${told.slice(0, 2).join('; ')}`);
  const untold = readings.agree && obs.direct === null
    ? `member lists and expand=groups agree for every user compared: both follow nesting (flattened, effective) or both do not (direct, direct); REST alone cannot tell which: configure database: to tell (${read})`
    : `cannot tell: no nested membership seen that tells it (${read})`;
  let lists: CheckRow;
  if (readings.memberLists === null) lists = jiraRow('member-lists', 'skip', untold);
  else if (readings.memberLists === 'direct' && obs.direct === null) {
    lists = jiraRow('member-lists', 'warn', `direct (${SEATKEEPER_LISTS.direct})${evidence(readings.listsEvidence)}; set database: to a read-only Jira database URL (${read})`);
  } else lists = jiraRow('member-lists', 'pass', `${readings.memberLists} (${SEATKEEPER_LISTS[readings.memberLists]})${evidence(readings.listsEvidence)} (${read})`);
  const expand = readings.expandGroups === null ? jiraRow('groups-expand', 'skip', untold)
    : jiraRow('groups-expand', 'pass', `${readings.expandGroups} (${SEATKEEPER_EXPAND[readings.expandGroups]})${evidence(readings.expandEvidence)} (${read})`);
  return [lists, expand];
}
