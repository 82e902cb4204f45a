/** Use case: scan one instance into a stored snapshot, remembering first-seen and last-login per user. */

import type { AccessFacts, InstanceConnector, ListedAccount, LoginFact } from './instance-port.ts';
import { UnaddressableName } from './connector-error.ts';
import { deriveDirectMemberships } from '../domain/direct-memberships.ts';
import type { ScanRecord } from './store/scan-repository-port.ts';
import type { Store } from './store-port.ts';
import type { UserMemory } from './store/user-memory-repository-port.ts';
import type { Clock } from './clock.ts';
import type { ApplicationSnapshot, GroupNesting, InstanceSnapshot, LicenseUsage, Membership, PermissionGrants, UserSnapshot } from '../domain/snapshot.ts';
import type { InstanceCapabilities } from '../domain/instance-capabilities.ts';
import { buildLicenceModel } from '../domain/licence-model.ts';
import { mapConcurrent } from './map-concurrent.ts';

/** Progress of a scan, for a progress bar or log lines. */
export interface ScanProgress {
  (event: { phase: 'logins' | 'users' | 'groups' | 'memberships'; done: number; total: number | null }): void;
}

export interface ScanOutcome {
  readonly scan: ScanRecord;
  /** The snapshot, when the scan is complete. */
  readonly snapshot: InstanceSnapshot | null;
}

const BATCH = 2000;

/** Above this share of users with a status word Seatkeeper does not know, the scan is incomplete. */
export const UNKNOWN_STATUS_LIMIT = 0.01;

/** Unknown status words counted per word ("(none)" for users sent without one), most frequent first. */
export function unknownStatuses(users: readonly Pick<ListedAccount, 'status' | 'statusWord'>[]): { word: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const user of users) {
    if (user.status !== 'unknown') continue;
    const word = user.statusWord ?? '(none)';
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return [...counts].map(([word, count]) => ({ word, count })).sort((a, b) => b.count - a.count || (a.word < b.word ? -1 : 1));
}

/** "PENDING_REVIEW" × 3, "(none)" × 1 — control characters escaped, at most ten words. */
function quoteStatuses(words: readonly { word: string; count: number }[]): string {
  const shown = words.slice(0, 10).map(({ word, count }) => `${JSON.stringify(word)} × ${count}`).join(', ');
  return words.length > 10 ? `${shown} and ${words.length - 10} more` : shown;
}

/** Why the scan cannot stand, from its unknown status words; null when they are under the limit. */
export function statusVerdict(userCount: number, words: readonly { word: string; count: number }[]): { error: string | null; warning: string | null } {
  const unknown = words.reduce((sum, w) => sum + w.count, 0);
  if (unknown === 0) return { error: null, warning: null };
  const text = `${unknown} of ${userCount} users have a status Seatkeeper does not know (${quoteStatuses(words)}); ` +
    "Atlassian documents CURRENT, DEACTIVATED, EXTERNALLY_DELETED and UNLICENSED, and such users are never acted on";
  if (unknown > userCount * UNKNOWN_STATUS_LIMIT) {
    return { error: `${text}. More than ${UNKNOWN_STATUS_LIMIT * 100} % is too many to trust the scan: run seatkeeper instance check`, warning: null };
  }
  return { error: null, warning: text };
}

/**
 * Accounts a listing sent more than once: the same account id, or the same username compared case-insensitively (as
 * the products compare them). A repeated page or a lying server shows up here whichever connector listed the accounts.
 */
export class DuplicateUsers {
  readonly #keys = new Set<string>();
  readonly #names = new Set<string>();
  readonly #examples: string[] = [];
  #count = 0;

  /** `productName` names the instance in the verdict (InstanceCapabilities.productName). */
  constructor(private readonly productName: string) {}

  /** Whether this account was listed before; remembers it otherwise. */
  seen(user: Pick<ListedAccount, 'username' | 'accountId'>): boolean {
    const name = user.username?.toLowerCase() ?? null;
    if ((name !== null && this.#names.has(name)) || (user.accountId !== '' && this.#keys.has(user.accountId))) {
      this.#count += 1;
      if (this.#examples.length < 5) this.#examples.push(user.username ?? user.accountId);
      return true;
    }
    if (name !== null) this.#names.add(name);
    if (user.accountId !== '') this.#keys.add(user.accountId);
    return false;
  }

  /** Why the scan cannot stand, or null when nobody was listed twice. */
  verdict(): string | null {
    if (this.#count === 0) return null;
    const examples = this.#examples.map((name) => JSON.stringify(name)).join(', ');
    return `${this.productName} listed ${this.#count} users twice (e.g. ${examples}): the listing cannot be trusted; scan again`;
  }
}

/**
 * Memory looked up by account id first, then by username for memory recorded without one: a renamed account keeps its
 * first-seen and last login, and a new account re-using an old username is a stranger.
 */
export function memoryOfAccounts(recalled: Map<string, UserMemory>): { of(accountId: string, username: string): UserMemory | undefined; clear(): void } {
  const byKey = new Map<string, UserMemory>();
  for (const memory of recalled.values()) if (memory.userKey !== null) byKey.set(memory.userKey, memory);
  return {
    of(accountId, username) {
      const keyed = byKey.get(accountId);
      if (keyed !== undefined) return keyed;
      const named = recalled.get(username);
      return named !== undefined && named.userKey === null ? named : undefined;
    },
    clear() {
      byKey.clear();
      recalled.clear();
    },
  };
}

/** The scan's notes on the renames it saw, control characters escaped. */
export function renameNotes(followed: { renames: readonly { userKey: string; from: string; to: string }[]; dropped: readonly string[] }): string[] {
  const notes = followed.renames.map(
    (r) => `account renamed since it was last seen: ${JSON.stringify(r.from)} is now ${JSON.stringify(r.to)} (user key ${JSON.stringify(r.userKey)}); its memory, lifecycle stages and notices follow it`,
  );
  if (followed.dropped.length > 0) notes.push(`kept no more, as another account now has the name: ${followed.dropped.join('; ')}`);
  return notes;
}

function later(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() >= b.getTime() ? a : b;
}

/** Merges what the instance says with what Seatkeeper remembers (Confluence, for one, forgets unlicensed users' logins). */
export function mergeUser(
  listed: Omit<UserSnapshot, 'lastLogin' | 'loginKnown' | 'createdAt' | 'firstSeen'>,
  login: LoginFact | undefined,
  memory: UserMemory | undefined,
  source: InstanceCapabilities['lastLogin'],
  now: Date,
): UserSnapshot {
  const lastLogin = later(login?.lastLogin ?? null, memory?.lastLogin ?? null);
  // The database covers every account; the REST active list only licensed ones, and relies on the search index.
  const loginKnown = login !== undefined || lastLogin !== null || (source === 'database' && listed.status !== 'unknown');
  return {
    username: listed.username,
    userKey: listed.userKey,
    displayName: listed.displayName,
    status: listed.status,
    // /rest/api/user/list sends no e-mail; the 10.2 admin list and the database do.
    email: listed.email ?? login?.email ?? null,
    // REST never names the directory; the database source does.
    directory: listed.directory ?? login?.directory ?? null,
    lastLogin,
    loginKnown,
    createdAt: login?.createdAt ?? null,
    firstSeen: memory?.firstSeen ?? now,
  };
}

/**
 * Reads users, groups, memberships, grants, licence and logins; writes them to a new scan as they arrive. A failure
 * part-way leaves the scan marked incomplete with the reason, and nothing is ever acted on from it.
 * A probe failure (URL, credentials, version, permission) is thrown before anything is written.
 */
export async function scanInstance(deps: {
  connector: InstanceConnector;
  store: Store;
  clock: Clock;
  concurrency: number;
  /**
   * Groups whose members a plan must know: break-glass and protected groups, the policies' excluded and processing
   * groups. One of them unreadable over REST makes the scan incomplete, like a group granting a seat or administration.
   */
  mustRead?: readonly string[];
  progress?: ScanProgress;
  signal?: AbortSignal;
}): Promise<ScanOutcome> {
  const { connector, store, clock, signal } = deps;
  const progress: ScanProgress = deps.progress ?? (() => undefined);
  const probe = await connector.probe(signal);
  const startedAt = clock.now();
  const capabilities = probe.capabilities;
  const source = capabilities.lastLogin;
  const connectedAs = probe.connectedAs.username ?? probe.connectedAs.accountId;
  const scanId = await store.scans.start({ instance: connector.instance, startedAt, connectedAs, lastLoginSource: source, capabilities });

  try {
    // By account id where the source knows it, else by username (a database row may know only the name).
    const logins = new Map<string, LoginFact>();
    const loginsByName = new Map<string, LoginFact>();
    let loginCount = 0;
    for await (const fact of connector.lastLogins(signal)) {
      if (fact.accountId !== null) logins.set(fact.accountId, fact);
      loginsByName.set(fact.username, fact);
      loginCount += 1;
      if (loginCount % 5000 === 0) progress({ phase: 'logins', done: loginCount, total: null });
    }
    const memory = memoryOfAccounts(await store.memory.recall(connector.instance));

    const users: UserSnapshot[] = [];
    const usernameById = new Map<string, string>();
    const statusOf: Pick<ListedAccount, 'status' | 'statusWord'>[] = [];
    let batch: UserSnapshot[] = [];
    const duplicates = new DuplicateUsers(capabilities.productName);
    for await (const listed of connector.listAccounts(signal)) {
      // A user listed twice would count twice against the percentage budget: kept once, and the scan cannot stand.
      if (duplicates.seen(listed)) continue;
      const username = listed.username ?? listed.accountId;
      usernameById.set(listed.accountId, username);
      const login = logins.get(listed.accountId) ?? loginsByName.get(username);
      const account = {
        username,
        userKey: listed.accountId,
        displayName: listed.displayName,
        email: listed.email,
        status: listed.status,
        directory: listed.directory,
      };
      const merged = mergeUser(account, login, memory.of(listed.accountId, username), source, startedAt);
      users.push(merged);
      if (listed.status === 'unknown') statusOf.push(listed);
      batch.push(merged);
      if (batch.length >= BATCH) {
        await store.scans.addUsers(scanId, batch);
        batch = [];
        progress({ phase: 'users', done: users.length, total: null });
      }
    }
    if (batch.length > 0) await store.scans.addUsers(scanId, batch);
    const duplicated = duplicates.verdict();
    if (duplicated !== null) throw new Error(duplicated);
    logins.clear();
    loginsByName.clear();
    // Merged into the users: a second scan's memory of 100k users need not live through the membership phase.
    memory.clear();
    progress({ phase: 'users', done: users.length, total: users.length });
    const warnings: string[] = [];
    const statuses = statusVerdict(users.length, unknownStatuses(statusOf));
    if (statuses.error !== null) throw new Error(statuses.error);
    if (statuses.warning !== null) warnings.push(statuses.warning);

    const groups: string[] = [];
    for await (const group of connector.listGroups(signal)) groups.push(group);
    progress({ phase: 'groups', done: groups.length, total: groups.length });

    let memberships: Membership[] = [];
    let nesting: GroupNesting[] = [];
    const unreadable = new Map<string, string>();
    const stored = (await connector.readMemberships?.(signal)) ?? null;
    const asMembership = (m: { group: string; accountId: string; username: string | null }): Membership => ({
      group: m.group,
      username: m.username ?? usernameById.get(m.accountId) ?? m.accountId,
    });
    if (stored !== null) {
      // Direct memberships as the instance stores them: no flattened lists to untangle, no names to put in a path.
      memberships = stored.memberships.map(asMembership);
      nesting = stored.nesting;
      progress({ phase: 'memberships', done: groups.length, total: groups.length });
    } else {
      let groupsDone = 0;
      const listedNames = new Map<string, string>();
      for (const user of users) listedNames.set(user.username, user.username);
      await mapConcurrent(groups, deps.concurrency, async (group) => {
        try {
          // Pushed one by one: a spread of a 100k-member group would overflow the argument stack. Each member page
          // brings its own copy of every name; the listed user's own string is kept instead, so half a million
          // memberships hold no name of their own.
          for await (const m of connector.listGroupMembers(group, signal)) {
            const membership = asMembership(m);
            const username = listedNames.get(membership.username);
            memberships.push(username === undefined ? membership : { group: membership.group, username });
          }
          for await (const n of connector.listChildGroups(group, signal)) nesting.push(n);
        } catch (error) {
          if (!(error instanceof UnaddressableName)) throw error;
          unreadable.set(group, error.why);
        }
        groupsDone += 1;
        progress({ phase: 'memberships', done: groupsDone, total: groups.length });
      });
      // A REST member list may include the members of child groups (Confluence's does, undocumented): keep direct ones
      // only, so a plan removes the membership that actually grants the seat. A run re-reads the user to confirm it went.
      if (capabilities.memberLists === 'maybe-flattened') memberships = deriveDirectMemberships(memberships, nesting);
    }
    for (let i = 0; i < memberships.length; i += BATCH * 5) {
      await store.scans.addMemberships(scanId, memberships.slice(i, i + BATCH * 5));
    }
    if (nesting.length > 0) await store.scans.addNesting(scanId, nesting);

    const facts = (await connector.readDirectories?.(signal)) ?? null;
    const access = await connector.readAccess(signal);
    const { grants, license, applications } = grantsOf(access, (id) => usernameById.get(id) ?? null);
    const unreadableVerdict = unreadableGroupsVerdict(unreadable, grants, nesting, deps.mustRead ?? []);
    if (unreadableVerdict.error !== null) throw new Error(unreadableVerdict.error);
    if (unreadableVerdict.warning !== null) warnings.push(unreadableVerdict.warning);
    const refused = await store.unwritableGroups.list(connector.instance);
    const readOnlyGroups = [...new Set([...(facts?.readOnlyGroups ?? []), ...unreadable.keys(), ...refused.map((r) => r.group)])].sort();
    const finishedAt = clock.now();
    const snapshot: InstanceSnapshot = {
      instance: connector.instance,
      scanId,
      takenAt: startedAt,
      connectedAs,
      lastLoginSource: source,
      capabilities,
      users,
      groups: [...groups].sort(),
      memberships,
      nesting,
      applications,
      grants,
      license,
      directories: facts?.directories ?? [],
      readOnlyGroups,
    };
    const model = buildLicenceModel(snapshot);
    // Renames first: the memory, stages and notices of an account listed under a new name move there before the
    // scan's own memory is written under it.
    const followed = await store.accounts.follow(connector.instance, users.map((u) => ({ userKey: u.userKey, username: u.username })));
    warnings.push(...renameNotes(followed));
    await store.memory.observe(
      connector.instance,
      users.map((u) => ({ username: u.username, userKey: u.userKey, seenAt: startedAt, lastLogin: u.lastLogin, licensed: model.seatOf(u).licensed })),
    );
    await store.scans.finish(scanId, {
      finishedAt,
      status: 'complete',
      error: null,
      grants,
      license,
      applications,
      directories: snapshot.directories,
      groups: snapshot.groups,
      readOnlyGroups: snapshot.readOnlyGroups,
      warnings,
    });
    return { scan: await requireScan(store, scanId), snapshot };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    await store.scans.finish(scanId, {
      finishedAt: clock.now(),
      status: 'incomplete',
      error: reason,
      grants: { useGroups: [], useUsers: [], adminGroups: [], adminUsers: [], source: 'config' },
      license: { used: null, max: null },
      applications: [],
      directories: [],
      groups: [],
      readOnlyGroups: [],
      warnings: [],
    });
    return { scan: await requireScan(store, scanId), snapshot: null };
  }
}

/**
 * The access facts in the snapshot's terms: each application with its grants and seats, the grants of every application
 * together, and the seats of the only one where there is one; users by username. An account id no listed user has is
 * left out: no user of the snapshot holds it.
 */
export function grantsOf(
  access: AccessFacts,
  usernameOf: (accountId: string) => string | null,
): { grants: PermissionGrants; license: LicenseUsage; applications: ApplicationSnapshot[] } {
  const names = (ids: readonly string[]): string[] => [...new Set(ids.flatMap((id) => usernameOf(id) ?? []))].sort();
  const [only] = access.applications;
  return {
    grants: {
      useGroups: [...new Set(access.applications.flatMap((a) => a.groups))].sort(),
      useUsers: names(access.applications.flatMap((a) => a.users)),
      adminGroups: [...new Set(access.adminGroups)].sort(),
      adminUsers: names(access.adminUsers),
      source: access.source === 'permissions-api' ? 'permissions-api' : 'config',
    },
    license: access.applications.length === 1 && only !== undefined ? { used: only.seatsUsed, max: only.seatsMax } : { used: null, max: null },
    applications: [...access.applications]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((a) => ({
        key: a.key,
        name: a.name,
        groups: [...new Set(a.groups)].sort(),
        users: names(a.users),
        defaultGroups: [...new Set(a.defaultGroups)].sort(),
        seatsUsed: a.seatsUsed,
        seatsMax: a.seatsMax,
        unlimited: a.unlimited,
      })),
  };
}

/**
 * Groups whose members cannot be read over REST: a scan without them is incomplete when one of them may grant a licence
 * or administration (it, or a group it sits in, holds the grant), or is one the config must know the members of
 * (`mustRead`), since those members' seats or protection would be invisible; otherwise it is said. Group names are
 * compared case-insensitively, as Confluence does.
 */
export function unreadableGroupsVerdict(
  unreadable: ReadonlyMap<string, string>,
  grants: Pick<PermissionGrants, 'useGroups' | 'adminGroups'>,
  nesting: readonly GroupNesting[],
  mustRead: readonly string[] = [],
): { error: string | null; warning: string | null } {
  if (unreadable.size === 0) return { error: null, warning: null };
  const needed = new Set(mustRead.map((g) => g.toLowerCase()));
  const parentsOf = new Map<string, string[]>();
  for (const { parent, child } of nesting) {
    const list = parentsOf.get(child.toLowerCase());
    if (list === undefined) parentsOf.set(child.toLowerCase(), [parent.toLowerCase()]);
    else list.push(parent.toLowerCase());
  }
  // Administration counts like a seat: an unread admin group would leave its members unprotected.
  const granting = new Set([...grants.useGroups, ...grants.adminGroups].map((g) => g.toLowerCase()));
  const grantsSeat = (name: string): boolean => {
    const group = name.toLowerCase();
    const seen = new Set([group]);
    const stack = [group];
    while (stack.length > 0) {
      const current = stack.pop() ?? group;
      if (granting.has(current)) return true;
      for (const parent of parentsOf.get(current) ?? []) {
        if (seen.has(parent)) continue;
        seen.add(parent);
        stack.push(parent);
      }
    }
    return false;
  };
  const named = [...unreadable].sort(([a], [b]) => (a < b ? -1 : 1));
  const list = named.map(([group, why]) => `${JSON.stringify(group)} (${why})`).join(', ');
  const seated = named.filter(([group]) => grantsSeat(group) || needed.has(group.toLowerCase())).map(([group]) => JSON.stringify(group));
  if (seated.length > 0) {
    return {
      error: `groups that grant a licence or administration, or that the config protects, excludes or selects by, cannot be read over REST, ` +
        `so their members are unknown: ${seated.join(', ')}; set lastLogin: database with a read-only database: URL, or rename the groups`,
      warning: null,
    };
  }
  return { error: null, warning: `groups not read over REST (they grant no seat; their memberships are left alone): ${list}` };
}

async function requireScan(store: Store, scanId: string): Promise<ScanRecord> {
  const scan = await store.scans.get(scanId);
  if (scan === null) throw new Error(`scan ${scanId} vanished from the store`);
  return scan;
}
