/** Use case: scan one Confluence instance into a stored snapshot, remembering first-seen and last-login per user. */

import type { ConfluenceConnector, LoginFact } from './confluence-port.ts';
import type { ScanRecord, Store, UserMemory } from './store-port.ts';
import type { Clock } from './clock.ts';
import type { GroupNesting, InstanceSnapshot, Membership, UserSnapshot } from '../domain/snapshot.ts';
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

function later(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() >= b.getTime() ? a : b;
}

/** Merges what the instance says with what Seatkeeper remembers (Confluence forgets unlicensed users' logins). */
export function mergeUser(
  listed: Omit<UserSnapshot, 'lastLogin' | 'loginKnown' | 'createdAt' | 'firstSeen'>,
  login: LoginFact | undefined,
  memory: UserMemory | undefined,
  source: 'rest' | 'database',
  now: Date,
): UserSnapshot {
  const lastLogin = later(login?.lastLogin ?? null, memory?.lastLogin ?? null);
  // The database covers every account; the REST active list only licensed ones, and relies on the search index.
  const loginKnown = login !== undefined || lastLogin !== null || (source === 'database' && listed.status !== 'unknown');
  return {
    ...listed,
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
  connector: ConfluenceConnector;
  store: Store;
  clock: Clock;
  concurrency: number;
  progress?: ScanProgress;
  signal?: AbortSignal;
}): Promise<ScanOutcome> {
  const { connector, store, clock, signal } = deps;
  const progress: ScanProgress = deps.progress ?? (() => undefined);
  const probe = await connector.probe(signal);
  const startedAt = clock.now();
  const source = connector.capabilities.lastLogin;
  const scanId = await store.scans.start({ instance: connector.instance, startedAt, connectedAs: probe.connectedAs, lastLoginSource: source });

  try {
    const logins = new Map<string, LoginFact>();
    for await (const fact of connector.lastLogins(signal)) {
      logins.set(fact.username, fact);
      if (logins.size % 5000 === 0) progress({ phase: 'logins', done: logins.size, total: null });
    }
    const memory = await store.memory.recall(connector.instance);

    const users: UserSnapshot[] = [];
    let batch: UserSnapshot[] = [];
    for await (const listed of connector.listUsers(signal)) {
      const merged = mergeUser(listed, logins.get(listed.username), memory.get(listed.username), source, startedAt);
      users.push(merged);
      batch.push(merged);
      if (batch.length >= BATCH) {
        await store.scans.addUsers(scanId, batch);
        batch = [];
        progress({ phase: 'users', done: users.length, total: null });
      }
    }
    if (batch.length > 0) await store.scans.addUsers(scanId, batch);
    logins.clear();
    progress({ phase: 'users', done: users.length, total: users.length });

    const groups: string[] = [];
    for await (const group of connector.listGroups(signal)) groups.push(group);
    progress({ phase: 'groups', done: groups.length, total: groups.length });

    const memberships: Membership[] = [];
    const nesting: GroupNesting[] = [];
    let groupsDone = 0;
    await mapConcurrent(groups, deps.concurrency, async (group) => {
      // Pushed one by one: a spread of a 100k-member group would overflow the argument stack.
      for await (const m of connector.listGroupMembers(group, signal)) memberships.push(m);
      for await (const n of connector.listChildGroups(group, signal)) nesting.push(n);
      groupsDone += 1;
      progress({ phase: 'memberships', done: groupsDone, total: groups.length });
    });
    for (let i = 0; i < memberships.length; i += BATCH * 5) {
      await store.scans.addMemberships(scanId, memberships.slice(i, i + BATCH * 5));
    }
    if (nesting.length > 0) await store.scans.addNesting(scanId, nesting);

    const facts = (await connector.readDirectories?.(signal)) ?? null;
    const grants = await connector.readGrants(signal);
    const license = await connector.readLicense(signal);
    const finishedAt = clock.now();
    const snapshot: InstanceSnapshot = {
      instance: connector.instance,
      scanId,
      takenAt: startedAt,
      connectedAs: probe.connectedAs,
      lastLoginSource: source,
      users,
      groups: [...groups].sort(),
      memberships,
      nesting,
      grants,
      license,
      directories: facts?.directories ?? [],
      readOnlyGroups: facts?.readOnlyGroups ?? [],
    };
    const model = buildLicenceModel(snapshot);
    await store.memory.observe(
      connector.instance,
      users.map((u) => ({ username: u.username, seenAt: startedAt, lastLogin: u.lastLogin, licensed: model.seatOf(u).licensed })),
    );
    await store.scans.finish(scanId, {
      finishedAt,
      status: 'complete',
      error: null,
      grants,
      license,
      directories: snapshot.directories,
      groups: snapshot.groups,
      readOnlyGroups: snapshot.readOnlyGroups,
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
      directories: [],
      groups: [],
      readOnlyGroups: [],
    });
    return { scan: await requireScan(store, scanId), snapshot: null };
  }
}

async function requireScan(store: Store, scanId: string): Promise<ScanRecord> {
  const scan = await store.scans.get(scanId);
  if (scan === null) throw new Error(`scan ${scanId} vanished from the store`);
  return scan;
}
