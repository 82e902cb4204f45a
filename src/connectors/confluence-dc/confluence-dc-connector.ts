/**
 * The Confluence Data Center connector: implements the InstanceConnector port over the REST API
 * (8.4+), with the permissions API on 9.3+, REST last logins on 10.2+ and the read-only database
 * source below that. Accounts are addressed by user key (the account id) and username; Confluence has one application,
 * `confluence`, whose individual grant is the global "can use" permission. Version gates live here; HTTP lives in the
 * client; payload shapes in the mapping.
 */

import { ConnectorError, WriteRefused } from '../../app/connector-error.ts';
import type {
  AccessFacts,
  AccountState,
  DirectoryFacts,
  GroupMember,
  GroupNestingFact,
  InstanceConnector,
  InstanceProbe,
  ListedAccount,
  LoginFact,
} from '../../app/instance-port.ts';
import { isUnresolvedAccountId, type AccountRef } from '../../domain/account.ts';
import type { InstanceCapabilities } from '../../domain/instance-capabilities.ts';
import { ConfluenceDcClient, restPath, type ConfluenceDcClientDeps } from './confluence-dc-client.ts';
import { VERSION_ROUTES, readConfluenceVersion, type KnownVersion } from './confluence-dc-version.ts';
import type { ConfluenceDcConfig } from './confluence-dc-config.ts';
import { createConfluenceDatabaseSource, type ConfluenceDatabaseSource } from './confluence-dc-database.ts';
import {
  PayloadError,
  atLeast,
  classifyGlobalPermissions,
  individualPermissions,
  mapActiveUserLogin,
  mapChildGroup,
  mapCurrentUser,
  mapGroupName,
  mapLicenseCount,
  mapMember,
  mapPerson,
  type UserRef,
  type Version,
} from './confluence-dc-mapping.ts';

/** Seams for tests: the client's (fetch, clock, randomness) and a ready-made database source. */
export interface ConfluenceDcConnectorDeps extends ConfluenceDcClientDeps {
  readonly database?: ConfluenceDatabaseSource;
}

/** The port plus what the benchmark reads. */
export interface ConfluenceDcConnector extends InstanceConnector {
  /** HTTP requests sent so far, retries included. */
  readonly requestCount: number;
}

const USER_LIST_SINCE: Version = [8, 4, 0];
const PERMISSIONS_API_SINCE: Version = [9, 3, 0];
const REST_LAST_LOGIN_SINCE: Version = [10, 2, 0];
/** `PUT /rest/api/admin/user/{username}` (display name): in the 10.0.3 spec; no older spec is published. */
const PROFILE_UPDATE_SINCE: Version = [10, 0, 0];
/**
 * Before 9.3 nothing over REST says which groups administer Confluence, so the two group names
 * Confluence installs by default are protected by convention. Administrators granted individually
 * cannot be seen there; the connecting account is protected anyway through `connectedAs`.
 */
const CONVENTIONAL_ADMIN_GROUPS = ['confluence-administrators', 'system-administrators'];
const USE_PERMISSION = 'application/use';
const USE = operations([USE_PERMISSION]);
/** Confluence's one application: its seat is the global "can use" permission. */
export const CONFLUENCE_APPLICATION = 'confluence';

/**
 * What a Confluence DC instance can do, for its version once read (null before: the cautious reading, what every
 * supported version can do).
 */
export function confluenceDcCapabilities(lastLogin: ConfluenceDcConfig['lastLogin'], version: Version | null): InstanceCapabilities {
  const since = (threshold: Version): boolean => version !== null && atLeast(version, threshold);
  return {
    productName: 'Confluence',
    lastLogin,
    // REST member lists may include child groups' members (undocumented); the database source's readMemberships gives
    // cwd_membership's direct memberships, and the scan reads those instead of any member list.
    memberLists: lastLogin === 'database' ? 'direct' : 'maybe-flattened',
    // Before 9.3 there is no REST view of, and no REST way to change, an individual "can use" grant.
    directGrants: since(PERMISSIONS_API_SINCE),
    revokeTakesOtherPermissions: true,
    disable: true,
    // Confluence DC's REST API has no username rename.
    rename: false,
    // "The following fields can be updated: email, full name" (10.0.3 spec; the first version with the route is not
    // published, older ones answer 404): only the full name is changed, and only from 10.0 on.
    updateDisplayName: since(PROFILE_UPDATE_SINCE),
    updateEmail: false,
  };
}

/** `['application/use']` → the permissions API's body `[{targetType, operationKey}]`. */
function operations(permissions: readonly string[]): { targetType: string; operationKey: string }[] {
  return permissions.map((permission) => {
    const [targetType = '', operationKey = ''] = permission.split('/');
    return { targetType, operationKey };
  });
}


/** Creates the connector for one configured instance; nothing is contacted until a method is called. */
export function createConfluenceDcConnector(
  instanceId: string,
  config: ConfluenceDcConfig,
  deps: ConfluenceDcConnectorDeps = {},
): ConfluenceDcConnector {
  const client = new ConfluenceDcClient({ instanceId, ...config }, deps);
  const target = (method: string, path: string): string => `${instanceId} ${method} ${path}`;
  let known: KnownVersion | null = null;
  let pendingVersion: Promise<KnownVersion> | null = null;
  let database: ConfluenceDatabaseSource | null = deps.database ?? null;

  /** The server version, read once (probe reads it first; any method may be the first call). */
  const version = (signal?: AbortSignal): Promise<KnownVersion> => {
    if (known !== null) return Promise.resolve(known);
    pendingVersion ??= readConfluenceVersion(client, signal)
      .then((read) => {
        known = read;
        return read;
      })
      .finally(() => {
        pendingVersion = null;
      });
    return pendingVersion;
  };

  const requireUserList = async (signal?: AbortSignal): Promise<Version> => {
    const v = await version(signal);
    if (!atLeast(v.parsed, USER_LIST_SINCE)) {
      throw new ConnectorError(`Confluence 8.4 or later is needed for /rest/api/user/list; this is ${v.text}`, {
        target: target('GET', VERSION_ROUTES[v.source]),
        fixable: true,
      });
    }
    return v.parsed;
  };

  const databaseSource = (): ConfluenceDatabaseSource => {
    if (database !== null) return database;
    if (config.database === undefined) {
      throw new ConnectorError('lastLogin: database needs a database: URL in the instance config', { target: `${instanceId} database`, fixable: true });
    }
    database = createConfluenceDatabaseSource(config.database, { target: `${instanceId} database` });
    return database;
  };

  /** Problems between the configuration and this version, all named at once. */
  const configProblems = (v: KnownVersion): string[] => {
    const problems: string[] = [];
    if (config.lastLogin === 'rest' && !atLeast(v.parsed, REST_LAST_LOGIN_SINCE)) problems.push(restLastLoginMissing(v.text));
    if (config.licenseGroups === 'auto' && !atLeast(v.parsed, PERMISSIONS_API_SINCE)) problems.push(licenseGroupsNeeded(v.text));
    return problems;
  };

  const accountIdsOf = async (refs: readonly UserRef[], signal?: AbortSignal): Promise<string[]> => {
    const keys = await Promise.all(
      refs.map(async (ref) => {
        if (ref.userKey !== null) return ref.userKey;
        if (ref.username === null) return null;
        // The permissions API may name a user by username only; accounts are keyed by user key.
        const response = await client.request('GET', '/rest/api/user', { query: { username: ref.username }, accept: [404], signal });
        if (response.status === 404) return null;
        return mapped(target('GET', '/rest/api/user'), false, () => mapPerson(response.body))?.accountId ?? null;
      }),
    );
    return sortedUnique(keys.filter((key): key is string => key !== null));
  };

  const write = async (method: 'PUT' | 'DELETE', path: string, what: string, body?: unknown, signal?: AbortSignal): Promise<void> => {
    try {
      await client.request(method, path, { body, signal });
    } catch (error) {
      if (!(error instanceof ConnectorError) || error.status === null) throw error;
      const status = error.status;
      // A 4xx the server understood is its answer to this write: say what it said, and let the runner judge the row.
      // Confluence does not document why a write is refused (a read-only directory, a missing permission, a secure
      // administrator session), and 402 is documented only for creating users, so nothing more is read into it.
      // 408, 409 and 423 say "not now", not "never": they stay failures that a resume tries again.
      if (status >= 400 && status < 500 && ![401, 404, 408, 409, 423, 429].includes(status)) {
        const said = error.said === null ? '' : ` (Confluence said: ${error.said})`;
        throw new WriteRefused(`${what}: Confluence refused it (${status})${said}`, { target: error.target, status, said: error.said, cause: error });
      }
      throw error;
    }
  };

  /**
   * A later write of a step whose earlier write went out: a refusal here is no "not possible" (the step half-ran and the
   * user's state changed), so it is reported as a failure a resume judges from the user's state.
   */
  const followUp = async (run: () => Promise<void>, what: string): Promise<void> => {
    try {
      await run();
    } catch (error) {
      if (!(error instanceof WriteRefused)) throw error;
      throw new ConnectorError(`${error.message}; the step's earlier write went through (${what})`, { target: error.target, status: error.status, said: error.said, cause: error });
    }
  };

  /**
   * The account as Confluence has it now: by user key, which a rename leaves as it is; by username where the key is not
   * known (an account id from before account ids, see domain/account.ts).
   */
  const personOf = async (account: AccountRef, signal?: AbortSignal) => {
    const byKey = account.accountId !== '' && !isUnresolvedAccountId(account.accountId);
    const query = byKey || account.username === null ? { key: account.accountId, expand: 'status' } : { username: account.username, expand: 'status' };
    const found = await client.request('GET', '/rest/api/user', { query, accept: [404], signal });
    return found.status === 404 ? null : mapped(target('GET', '/rest/api/user'), false, () => mapPerson(found.body));
  };

  /** The username write paths take, read by user key where the reference has none. */
  const usernameOf = async (account: AccountRef, signal?: AbortSignal): Promise<string> => {
    if (account.username !== null) return account.username;
    const user = await personOf(account, signal);
    if (user === null) throw new ConnectorError(`no user with key ${account.accountId}`, { target: target('GET', '/rest/api/user'), status: 404 });
    return user.username;
  };

  /** The user key for an account, read over a query parameter (keys go into the permissions routes' paths). */
  const userKeyOf = async (account: AccountRef, signal?: AbortSignal): Promise<string> => {
    const user = await personOf(account, signal);
    if (user === null) throw new ConnectorError(`no user ${account.username ?? account.accountId}`, { target: target('GET', '/rest/api/user'), status: 404 });
    return user.accountId;
  };

  const requireConfluence = (application: string, what: string): void => {
    if (application !== CONFLUENCE_APPLICATION) {
      throw new ConnectorError(`${what}: Confluence has one application, ${CONFLUENCE_APPLICATION}, not ${JSON.stringify(application)}`, {
        target: target('PUT', '/rest/api/permissions/user/{user}'),
      });
    }
  };

  /** "can use" and administration grants, from the permissions API (9.3+) or from configured licence groups. */
  const readGrants = async (signal?: AbortSignal) => {
    const v = await version(signal);
    const configured = config.licenseGroups === 'auto' ? null : config.licenseGroups;
    if (!atLeast(v.parsed, PERMISSIONS_API_SINCE)) {
      if (configured === null) throw new ConnectorError(licenseGroupsNeeded(v.text), { target: target('GET', '/rest/api/permissions'), fixable: true });
      return { useGroups: sortedUnique(configured), adminGroups: CONVENTIONAL_ADMIN_GROUPS, useUsers: [], adminUsers: [], source: 'config' };
    }
    const path = '/rest/api/permissions';
    const body = await client.getJson(path, { signal });
    const classified = mapped(target('GET', path), false, () => classifyGlobalPermissions(body));
    const [useUsers, adminUsers] = await Promise.all([accountIdsOf(classified.useUsers, signal), accountIdsOf(classified.adminUsers, signal)]);
    return {
      useGroups: sortedUnique(configured ?? classified.useGroups),
      adminGroups: sortedUnique(classified.adminGroups),
      useUsers,
      adminUsers,
      source: configured === null ? 'permissions-api' : 'config',
    };
  };

  const readLicense = async (signal?: AbortSignal): Promise<{ used: number | null; max: number | null }> => {
    const count = async (path: string): Promise<number | null> => {
      // The licence REST plugin is not part of the documented API; its absence is "not said", not an error.
      const response = await client.request('GET', path, { accept: [404], signal });
      return response.status === 404 ? null : mapLicenseCount(response.body);
    };
    const [used, max] = await Promise.all([count('/rest/license/1.0/license/userCount'), count('/rest/license/1.0/license/maxUsers')]);
    return { used, max };
  };

  /** The user's individual global permissions as `targetType/operationKey`, sorted (9.3+). */
  const permissionsOf = async (userKey: string, signal?: AbortSignal): Promise<string[]> => {
    const path = restPath`/rest/api/permissions/user/${userKey}`;
    const body = await client.getJson(path, { signal });
    return mapped(target('GET', path), false, () => individualPermissions(body));
  };

  const requirePermissionsApi = async (what: string, signal?: AbortSignal): Promise<void> => {
    const v = await version(signal);
    if (!atLeast(v.parsed, PERMISSIONS_API_SINCE)) {
      throw new ConnectorError(`${what} needs the global permissions API of Confluence 9.3 or later; this is ${v.text}`, {
        target: target('PUT', '/rest/api/permissions/user/{user}'),
      });
    }
  };

  return {
    instance: instanceId,

    get capabilities(): InstanceCapabilities {
      // Unknown until the version is read (probe does that first); until then, the cautious reading.
      return confluenceDcCapabilities(config.lastLogin, known?.parsed ?? null);
    },

    get requestCount(): number {
      return client.requestCount;
    },

    async probe(signal): Promise<InstanceProbe> {
      known = null;
      const v = await version(signal);
      await requireUserList(signal);
      const current = await client.getJson('/rest/api/user/current', { probe: true, signal });
      const me = mapped(target('GET', '/rest/api/user/current'), true, () => mapCurrentUser(current));
      await confirmAdministrator(client, v.parsed, signal);
      const problems = configProblems(v);
      if (problems.length > 0) {
        throw new ConnectorError(problems.join('; '), { target: target('GET', VERSION_ROUTES[v.source]), fixable: true });
      }
      if (config.lastLogin === 'database') await databaseSource().check(signal);
      const accountId = me.userKey ?? (await userKeyOf({ accountId: '', username: me.username }, signal));
      return {
        version: v.text,
        versionSource: v.source,
        connectedAs: { accountId, username: me.username },
        baseUrl: client.baseUrl,
        capabilities: confluenceDcCapabilities(config.lastLogin, v.parsed),
      };
    },

    async *listAccounts(signal): AsyncIterable<ListedAccount> {
      await requireUserList(signal);
      const path = '/rest/api/user/list';
      yield* mapEach(client.paginate(path, { expand: 'status' }, signal), target('GET', path), mapPerson);
    },

    async *listGroups(signal): AsyncIterable<string> {
      const path = '/rest/api/group';
      yield* mapEach(client.paginate(path, {}, signal), target('GET', path), mapGroupName);
    },

    async *listGroupMembers(group, signal): AsyncIterable<GroupMember> {
      const path = restPath`/rest/api/group/${group}/member`;
      yield* mapEach(client.paginate(path, {}, signal), target('GET', path), (raw) => mapMember(group, raw));
    },

    async *listChildGroups(group, signal): AsyncIterable<GroupNestingFact> {
      const path = restPath`/rest/api/group/${group}/groupmember`;
      yield* mapEach(client.paginate(path, {}, signal), target('GET', path), (raw) => mapChildGroup(group, raw));
    },

    async readAccess(signal): Promise<AccessFacts> {
      const [grants, license] = await Promise.all([readGrants(signal), readLicense(signal)]);
      return {
        applications: [
          {
            key: CONFLUENCE_APPLICATION,
            name: 'Confluence',
            groups: grants.useGroups,
            users: grants.useUsers,
            // Nothing over REST says which groups new users are put in.
            defaultGroups: [],
            seatsUsed: license.used,
            seatsMax: license.max,
            // The licence endpoint's negative "unlimited" count is read as not said (mapLicenseCount).
            unlimited: false,
          },
        ],
        adminGroups: grants.adminGroups,
        adminUsers: grants.adminUsers,
        source: grants.source,
      };
    },

    async *lastLogins(signal): AsyncIterable<LoginFact> {
      if (config.lastLogin === 'database') {
        yield* databaseSource().readLogins(signal);
        return;
      }
      const v = await version(signal);
      const path = '/rest/api/admin/users/list/active';
      if (!atLeast(v.parsed, REST_LAST_LOGIN_SINCE)) {
        throw new ConnectorError(restLastLoginMissing(v.text), { target: target('GET', path), fixable: true });
      }
      // Only licensed, active users are listed: unlicensed and disabled accounts get no fact here, and
      // Seatkeeper's own memory of their last login is what keeps it.
      let start = 0;
      for await (const results of client.paginatePages(path, { expand: 'lastLogin' }, signal)) {
        const entries = results.flatMap((raw) => mapped(target('GET', path), false, () => mapActiveUserLogin(raw)) ?? []);
        if (entries.length > 0 && !entries.some((entry) => entry.lastLoginSent)) {
          // Read as "never logged in", a missing field would make every licensed user reclaimable.
          throw new ConnectorError(
            `Confluence did not send lastLogin on the page at start=${start} of ${path}?expand=lastLogin: ` +
              'the expansion is not honoured here; set lastLogin: database with a read-only database: URL',
            { target: target('GET', path) },
          );
        }
        for (const entry of entries) yield entry.fact;
        start += results.length;
      }
    },

    async readMemberships(signal) {
      // The database knows direct memberships; REST member lists may be flattened (undocumented).
      if (config.lastLogin !== 'database') return null;
      return databaseSource().readMemberships(signal);
    },

    async readDirectories(signal): Promise<DirectoryFacts | null> {
      // REST never says which directory a user or group belongs to, nor whether it is writable.
      if (config.lastLogin !== 'database') return null;
      return databaseSource().readDirectories(signal);
    },

    async readAccountState(account, signal): Promise<AccountState | null> {
      const user = await personOf(account, signal);
      if (user === null) return null;
      const groups: string[] = [];
      const memberOf = '/rest/api/user/memberof';
      for await (const group of mapEach(client.paginate(memberOf, { username: user.username }, signal), target('GET', memberOf), mapGroupName)) {
        groups.push(group);
      }
      groups.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      let permissions: string[] = [];
      // Before 9.3 there is no REST view of (and no REST way to change) an individual grant.
      if (atLeast((await version(signal)).parsed, PERMISSIONS_API_SINCE)) permissions = await permissionsOf(user.accountId, signal);
      return {
        accountId: user.accountId,
        username: user.username,
        status: user.status,
        displayName: user.displayName,
        email: user.email,
        groups,
        directApplications: permissions.includes(USE_PERMISSION) ? [CONFLUENCE_APPLICATION] : [],
        otherPermissions: permissions.filter((p) => p !== USE_PERMISSION),
      };
    },

    async addToGroup(account, group, signal) {
      const username = await usernameOf(account, signal);
      await write('PUT', restPath`/rest/api/user/${username}/group/${group}`, `adding ${username} to ${group}`, undefined, signal);
    },

    async removeFromGroup(account, group, signal) {
      const username = await usernameOf(account, signal);
      await write('DELETE', restPath`/rest/api/user/${username}/group/${group}`, `removing ${username} from ${group}`, undefined, signal);
    },

    async revokeApplication(account, application, signal, restore = []) {
      const name = account.username ?? account.accountId;
      requireConfluence(application, `revoking ${application} of ${name}`);
      await requirePermissionsApi(`revoking the "can use" grant of ${name}`, signal);
      const key = await userKeyOf(account, signal);
      // Confluence removes every other individual permission with "can use"; `restore` puts the kept ones back.
      await write('PUT', restPath`/rest/api/permissions/user/${key}/revoke`, `revoking "can use" of ${name}`, USE, signal);
      if (restore.length > 0) {
        await followUp(
          () => write('PUT', restPath`/rest/api/permissions/user/${key}/grant`, `granting ${restore.join(', ')} back to ${name}`, operations(restore), signal),
          '"can use" was revoked',
        );
      }
    },

    async grantApplication(account, application, signal, restore = []) {
      const name = account.username ?? account.accountId;
      requireConfluence(application, `granting ${application} to ${name}`);
      await requirePermissionsApi(`granting "can use" to ${name}`, signal);
      const key = await userKeyOf(account, signal);
      // The step leaves exactly "can use" + restore: permissions held beyond those go first, with a revoke of "can use".
      const held = await permissionsOf(key, signal);
      const wanted = new Set([USE_PERMISSION, ...restore]);
      const grant = () => write('PUT', restPath`/rest/api/permissions/user/${key}/grant`, `granting "can use" to ${name}`, operations([...wanted]), signal);
      if (held.some((p) => !wanted.has(p))) {
        await write('PUT', restPath`/rest/api/permissions/user/${key}/revoke`, `revoking "can use" of ${name}`, USE, signal);
        await followUp(grant, '"can use" and the permissions beyond the journaled set were revoked');
        return;
      }
      await grant();
    },

    async disable(account, signal) {
      const username = await usernameOf(account, signal);
      await write('PUT', restPath`/rest/api/admin/user/${username}/disable`, `disabling ${username}`, undefined, signal);
    },

    async enable(account, signal) {
      const username = await usernameOf(account, signal);
      await write('PUT', restPath`/rest/api/admin/user/${username}/enable`, `enabling ${username}`, undefined, signal);
    },

    async rename(account) {
      // capabilities.rename is false: the planner never plans a rename here.
      throw new ConnectorError(`renaming ${account.username ?? account.accountId}: Confluence DC's REST API cannot rename users`, {
        target: target('PUT', '/rest/api/admin/user/{username}'),
      });
    },

    async updateProfile(account, changes, signal) {
      const username = await usernameOf(account, signal);
      if (changes.email !== undefined) {
        throw new ConnectorError(`changing ${username}'s e-mail: not supported through Confluence here`, { target: target('PUT', '/rest/api/admin/user/{username}') });
      }
      if (changes.displayName === undefined) return;
      const v = await version(signal);
      if (!atLeast(v.parsed, PROFILE_UPDATE_SINCE)) {
        // capabilities.updateDisplayName is false here: refused before anything is sent, not a 404 from a missing route.
        throw new ConnectorError(`changing ${username}'s display name needs Confluence 10.0 or later; this is ${v.text}`, { target: target('PUT', '/rest/api/admin/user/{username}') });
      }
      // "The following fields can be updated: email, full name" (10.0.3 spec); e-mail is left as it is.
      await write('PUT', restPath`/rest/api/admin/user/${username}`, `renaming ${username}'s display name`, { fullName: changes.displayName }, signal);
    },

    async close() {
      await database?.close();
    },
  };
}

/**
 * Confirms administrator rights with a call only administrators may make: `/user/list` answers any
 * licensed user, so it cannot tell. 9.3+ has the admin user list; before it, a group's member list.
 */
async function confirmAdministrator(client: ConfluenceDcClient, version: Version, signal?: AbortSignal): Promise<void> {
  if (atLeast(version, PERMISSIONS_API_SINCE)) {
    await client.getJson('/rest/api/admin/users/list/active', { query: { limit: 1 }, signal });
    return;
  }
  const groups = await client.getJson('/rest/api/group', { query: { limit: 1 }, signal });
  const first = mapped(`${client.instanceId} GET /rest/api/group`, false, () => firstGroupName(groups));
  if (first !== null) await client.getJson(restPath`/rest/api/group/${first}/member`, { query: { limit: 1 }, signal });
}

function firstGroupName(page: unknown): string | null {
  if (typeof page !== 'object' || page === null || !('results' in page) || !Array.isArray(page.results)) return null;
  const [first] = page.results;
  return first === undefined ? null : mapGroupName(first);
}

function restLastLoginMissing(version: string): string {
  return `Confluence ${version} has no last-login REST field (10.2 or later is needed): set lastLogin: database with a database: URL (read-only account)`;
}

function licenseGroupsNeeded(version: string): string {
  return `Confluence ${version} has no global permissions API (9.3 or later is needed): list the groups that grant "can use" under licenseGroups: in the instance config`;
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Runs a mapping; a payload that does not fit becomes a ConnectorError naming the request. */
function mapped<T>(target: string, fixable: boolean, map: () => T): T {
  try {
    return map();
  } catch (error) {
    if (error instanceof PayloadError) throw new ConnectorError(error.message, { target, fixable, cause: error });
    throw error;
  }
}

/** Maps every item of a listing, dropping the ones the mapping says to skip (null). */
async function* mapEach<T>(items: AsyncIterable<unknown>, target: string, map: (raw: unknown) => T | null): AsyncGenerator<T> {
  for await (const raw of items) {
    const value = mapped(target, false, () => map(raw));
    if (value !== null) yield value;
  }
}
