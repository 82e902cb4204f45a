/**
 * The Confluence Data Center connector: implements the ConfluenceConnector port over the REST API
 * (8.4+), with the permissions API on 9.3+, REST last logins on 10.2+ and the read-only database
 * source below that. Version gates live here; HTTP lives in the client; payload shapes in the mapping.
 */

import { ConnectorError } from '../../app/connector-error.ts';
import type {
  ConfluenceCapabilities,
  ConfluenceConnector,
  DirectoryFacts,
  InstanceProbe,
  ListedUser,
  LoginFact,
} from '../../app/confluence-port.ts';
import type { UserState } from '../../domain/journal.ts';
import type { GroupNesting, LicenseUsage, Membership, PermissionGrants } from '../../domain/snapshot.ts';
import { ConfluenceDcClient, restPath, type ConfluenceDcClientDeps } from './confluence-dc-client.ts';
import type { ConfluenceDcConfig } from './confluence-dc-config.ts';
import { createConfluenceDatabaseSource, type ConfluenceDatabaseSource } from './confluence-dc-database.ts';
import {
  PayloadError,
  atLeast,
  classifyGlobalPermissions,
  hasDirectUseGrant,
  mapActiveUserLogin,
  mapChildGroup,
  mapCurrentUser,
  mapGroupName,
  mapLicenseCount,
  mapMember,
  mapPerson,
  mapServerInformation,
  toPermissionGrants,
  type UserRef,
  type Version,
} from './confluence-dc-mapping.ts';

/** Seams for tests: the client's (fetch, clock, randomness) and a ready-made database source. */
export interface ConfluenceDcConnectorDeps extends ConfluenceDcClientDeps {
  readonly database?: ConfluenceDatabaseSource;
}

/** The port plus what the benchmark reads. */
export interface ConfluenceDcConnector extends ConfluenceConnector {
  /** HTTP requests sent so far, retries included. */
  readonly requestCount: number;
}

const USER_LIST_SINCE: Version = [8, 4, 0];
const PERMISSIONS_API_SINCE: Version = [9, 3, 0];
const REST_LAST_LOGIN_SINCE: Version = [10, 2, 0];
/**
 * Before 9.3 nothing over REST says which groups administer Confluence, so the two group names
 * Confluence installs by default are protected by convention. Administrators granted individually
 * cannot be seen there; the connecting account is protected anyway through `connectedAs`.
 */
const CONVENTIONAL_ADMIN_GROUPS = ['confluence-administrators', 'system-administrators'];
const USE = [{ targetType: 'application', operationKey: 'use' }];

/** Creates the connector for one configured instance; nothing is contacted until a method is called. */
export function createConfluenceDcConnector(
  instanceId: string,
  config: ConfluenceDcConfig,
  deps: ConfluenceDcConnectorDeps = {},
): ConfluenceDcConnector {
  const client = new ConfluenceDcClient({ instanceId, ...config }, deps);
  const target = (method: string, path: string): string => `${instanceId} ${method} ${path}`;
  let known: { readonly text: string; readonly parsed: Version } | null = null;
  let pendingVersion: Promise<{ readonly text: string; readonly parsed: Version }> | null = null;
  let database: ConfluenceDatabaseSource | null = deps.database ?? null;

  /** The server version, read once (probe reads it first; any method may be the first call). */
  const version = (signal?: AbortSignal): Promise<{ readonly text: string; readonly parsed: Version }> => {
    if (known !== null) return Promise.resolve(known);
    pendingVersion ??= (async () => {
      const path = '/rest/api/server-information';
      const body = await client.getJson(path, { probe: true, signal });
      const parsed = mapped(target('GET', path), true, () => mapServerInformation(body));
      known = { text: parsed.version, parsed: parsed.parsed };
      return known;
    })().finally(() => {
      pendingVersion = null;
    });
    return pendingVersion;
  };

  const requireUserList = async (signal?: AbortSignal): Promise<Version> => {
    const v = await version(signal);
    if (!atLeast(v.parsed, USER_LIST_SINCE)) {
      throw new ConnectorError(`Confluence 8.4 or later is needed for /rest/api/user/list; this is ${v.text}`, {
        target: target('GET', '/rest/api/server-information'),
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
  const configProblems = (v: { text: string; parsed: Version }): string[] => {
    const problems: string[] = [];
    if (config.lastLogin === 'rest' && !atLeast(v.parsed, REST_LAST_LOGIN_SINCE)) problems.push(restLastLoginMissing(v.text));
    if (config.licenseGroups === 'auto' && !atLeast(v.parsed, PERMISSIONS_API_SINCE)) problems.push(licenseGroupsNeeded(v.text));
    return problems;
  };

  const usernamesOf = async (refs: readonly UserRef[], signal?: AbortSignal): Promise<string[]> => {
    const names = await Promise.all(
      refs.map(async (ref) => {
        if (ref.username !== null) return ref.username;
        if (ref.userKey === null) return null;
        // The permissions API may name a user by key only; the account list is keyed by username.
        const response = await client.request('GET', '/rest/api/user', { query: { key: ref.userKey }, accept: [404], signal });
        if (response.status === 404) return null;
        return mapped(target('GET', '/rest/api/user'), false, () => mapPerson(response.body))?.username ?? null;
      }),
    );
    return names.filter((name): name is string => name !== null);
  };

  const write = async (method: 'PUT' | 'DELETE', path: string, what: string, body?: unknown, signal?: AbortSignal): Promise<void> => {
    try {
      await client.request(method, path, { body, signal });
    } catch (error) {
      if (!(error instanceof ConnectorError)) throw error;
      if (error.status === 402) {
        throw new ConnectorError(`${what}: no licence seat left (402); free a seat or raise the licence tier first`, {
          target: error.target,
          status: 402,
          cause: error,
        });
      }
      if (error.status === 403) {
        // On a write, 403 usually means a read-only directory rather than missing admin rights.
        throw new ConnectorError(`${what}: Confluence refused (403); the user's directory may be read-only: ${error.message}`, {
          target: error.target,
          status: 403,
          cause: error,
        });
      }
      throw error;
    }
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

    get capabilities(): ConfluenceCapabilities {
      return {
        lastLogin: config.lastLogin,
        // Unknown until the version is read (probe does that first); false is the safe reading.
        permissionsApi: known !== null && atLeast(known.parsed, PERMISSIONS_API_SINCE),
        disable: true,
        rename: false,
        updateProfile: true,
      };
    },

    get requestCount(): number {
      return client.requestCount;
    },

    async probe(signal): Promise<InstanceProbe> {
      known = null;
      const v = await version(signal);
      await requireUserList(signal);
      const current = await client.getJson('/rest/api/user/current', { probe: true, signal });
      const connectedAs = mapped(target('GET', '/rest/api/user/current'), true, () => mapCurrentUser(current));
      await confirmAdministrator(client, v.parsed, signal);
      const problems = configProblems(v);
      if (problems.length > 0) {
        throw new ConnectorError(problems.join('; '), { target: target('GET', '/rest/api/server-information'), fixable: true });
      }
      if (config.lastLogin === 'database') await databaseSource().check(signal);
      return { version: v.text, connectedAs, baseUrl: client.baseUrl };
    },

    async *listUsers(signal): AsyncIterable<ListedUser> {
      await requireUserList(signal);
      const path = '/rest/api/user/list';
      yield* mapEach(client.paginate(path, { expand: 'status' }, signal), target('GET', path), mapPerson);
    },

    async *listGroups(signal): AsyncIterable<string> {
      const path = '/rest/api/group';
      yield* mapEach(client.paginate(path, {}, signal), target('GET', path), mapGroupName);
    },

    async *listGroupMembers(group, signal): AsyncIterable<Membership> {
      const path = restPath`/rest/api/group/${group}/member`;
      yield* mapEach(client.paginate(path, {}, signal), target('GET', path), (raw) => mapMember(group, raw));
    },

    async *listChildGroups(group, signal): AsyncIterable<GroupNesting> {
      const path = restPath`/rest/api/group/${group}/groupmember`;
      yield* mapEach(client.paginate(path, {}, signal), target('GET', path), (raw) => mapChildGroup(group, raw));
    },

    async readGrants(signal): Promise<PermissionGrants> {
      const v = await version(signal);
      const configured = config.licenseGroups === 'auto' ? null : config.licenseGroups;
      if (!atLeast(v.parsed, PERMISSIONS_API_SINCE)) {
        if (configured === null) throw new ConnectorError(licenseGroupsNeeded(v.text), { target: target('GET', '/rest/api/permissions'), fixable: true });
        return toPermissionGrants({ useGroups: configured, adminGroups: CONVENTIONAL_ADMIN_GROUPS, useUsers: [], adminUsers: [] }, 'config');
      }
      const path = '/rest/api/permissions';
      const body = await client.getJson(path, { signal });
      const classified = mapped(target('GET', path), false, () => classifyGlobalPermissions(body));
      const [useUsers, adminUsers] = await Promise.all([usernamesOf(classified.useUsers, signal), usernamesOf(classified.adminUsers, signal)]);
      return toPermissionGrants(
        { useGroups: configured ?? classified.useGroups, adminGroups: classified.adminGroups, useUsers, adminUsers },
        configured === null ? 'permissions-api' : 'config',
      );
    },

    async readLicense(signal): Promise<LicenseUsage> {
      const count = async (path: string): Promise<number | null> => {
        // The licence REST plugin is not part of the documented API; its absence is "not said", not an error.
        const response = await client.request('GET', path, { accept: [404], signal });
        return response.status === 404 ? null : mapLicenseCount(response.body);
      };
      const [used, max] = await Promise.all([count('/rest/license/1.0/license/userCount'), count('/rest/license/1.0/license/maxUsers')]);
      return { used, max };
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
      yield* mapEach(client.paginate(path, { expand: 'lastLogin' }, signal), target('GET', path), mapActiveUserLogin);
    },

    async readDirectories(signal): Promise<DirectoryFacts | null> {
      // REST never says which directory a user or group belongs to, nor whether it is writable.
      if (config.lastLogin !== 'database') return null;
      return databaseSource().readDirectories(signal);
    },

    async readUserState(username, signal): Promise<UserState | null> {
      const found = await client.request('GET', '/rest/api/user', { query: { username, expand: 'status' }, accept: [404], signal });
      if (found.status === 404) return null;
      const user = mapped(target('GET', '/rest/api/user'), false, () => mapPerson(found.body));
      if (user === null) return null;
      const groups: string[] = [];
      const memberOf = '/rest/api/user/memberof';
      for await (const group of mapEach(client.paginate(memberOf, { username: user.username }, signal), target('GET', memberOf), mapGroupName)) {
        groups.push(group);
      }
      groups.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      let useGrant = false;
      // Before 9.3 there is no REST view of (and no REST way to change) an individual grant.
      if (atLeast((await version(signal)).parsed, PERMISSIONS_API_SINCE)) {
        const path = restPath`/rest/api/permissions/user/${user.username}`;
        const body = await client.getJson(path, { signal });
        useGrant = mapped(target('GET', path), false, () => hasDirectUseGrant(body));
      }
      return { username: user.username, status: user.status, displayName: user.displayName, groups, useGrant };
    },

    async addToGroup(username, group, signal) {
      await write('PUT', restPath`/rest/api/user/${username}/group/${group}`, `adding ${username} to ${group}`, undefined, signal);
    },

    async removeFromGroup(username, group, signal) {
      await write('DELETE', restPath`/rest/api/user/${username}/group/${group}`, `removing ${username} from ${group}`, undefined, signal);
    },

    async revokeUseGrant(username, signal) {
      await requirePermissionsApi(`revoking the "can use" grant of ${username}`, signal);
      await write('PUT', restPath`/rest/api/permissions/user/${username}/revoke`, `revoking "can use" of ${username}`, USE, signal);
    },

    async grantUse(username, signal) {
      await requirePermissionsApi(`granting "can use" to ${username}`, signal);
      await write('PUT', restPath`/rest/api/permissions/user/${username}/grant`, `granting "can use" to ${username}`, USE, signal);
    },

    async disable(username, signal) {
      await write('PUT', restPath`/rest/api/admin/user/${username}/disable`, `disabling ${username}`, undefined, signal);
    },

    async enable(username, signal) {
      await write('PUT', restPath`/rest/api/admin/user/${username}/enable`, `enabling ${username}`, undefined, signal);
    },

    async updateDisplayName(username, displayName, signal) {
      // "The following fields can be updated: email, full name" (10.0.3 spec); e-mail is left as it is.
      await write('PUT', restPath`/rest/api/admin/user/${username}`, `renaming ${username}'s display name`, { fullName: displayName }, signal);
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
