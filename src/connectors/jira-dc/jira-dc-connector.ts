/**
 * The Jira Data Center connector: implements the product-neutral InstanceConnector port (app/instance-port.ts) over
 * Jira's REST API, with the read-only database source for last logins, direct memberships, directories and admin
 * groups where one is configured. HTTP lives in the client, payload shapes in the mapping; the choices between
 * sources live here. Which Jira gets which listing and login source, with sources and certainty: README.md here.
 *
 * - accountId is the Jira user key: it survives a rename (UserWriteBean `name`), usernames do not.
 * - Licences are application roles; Jira DC grants them only through groups, so `directGrants` is false and the
 *   application writes are refused (see revokeApplication).
 * - REST cannot tell which groups hold the ADMINISTER / SYSTEM_ADMIN global permissions (the 10.3 spec has only
 *   `mypermissions`, for the caller); the database's globalpermissionentry can. Without a database the configured
 *   `adminGroups`, else the group Jira installs with those permissions (`jira-administrators`), are protected, and the
 *   access source says which.
 */

import { ConnectorError, NotDirectMember, UnaddressableName, WriteRefused } from '../../app/connector-error.ts';
import type {
  AccessFacts,
  AccountState,
  ApplicationAccess,
  DirectoryFacts,
  GroupMember,
  GroupNestingFact,
  InstanceConnector,
  InstanceProbe,
  ListedAccount,
  LoginFact,
} from '../../app/instance-port.ts';
import { unresolvedAccountId, type AccountRef } from '../../domain/account.ts';
import type { InstanceCapabilities } from '../../domain/instance-capabilities.ts';
import { JiraDcClient, queryNameProblem, type JiraDcClientDeps } from './jira-dc-client.ts';
import { readLoginsPerUser } from './jira-dc-login-reads.ts';
import type { JiraDcConfig } from './jira-dc-config.ts';
import { createJiraDatabaseSource, type JiraDatabaseSource } from './jira-dc-database.ts';
import { PayloadError, mapUserStreamPage, type JiraApplicationRole, type JiraUser } from './jira-dc-mapping.ts';

/** Seams for tests: the client's (fetch, clock, breaker events as `onCircuit`) and a ready-made database source. */
export interface JiraDcConnectorDeps extends JiraDcClientDeps {
  readonly database?: JiraDatabaseSource;
}

/** The port plus what the benchmark reads. */
export interface JiraDcConnector extends InstanceConnector {
  /** HTTP requests sent so far, retries included. */
  readonly requestCount: number;
}

/**
 * Groups protected as administrators when no database says which hold ADMINISTER / SYSTEM_ADMIN: the group Jira
 * creates at setup with both permissions ("jira-administrators"; Jira's docs "Managing global permissions" list it as
 * the default holder — VERIFIED for the name, an instance may have granted them elsewhere since: UNVERIFIED per
 * instance) and the name older Jira used for system administrators (3RD-PARTY).
 */
export const CONVENTIONAL_ADMIN_GROUPS: readonly string[] = ['jira-administrators', 'jira-system-administrators'];

/** The permissions of `mypermissions` that make the connecting account an administrator. */
const ADMIN_PERMISSIONS = ['ADMINISTER', 'SYSTEM_ADMIN'];

/** Creates the connector for one configured instance; nothing is contacted until a method is called. */
export function createJiraDcConnector(instanceId: string, config: JiraDcConfig, deps: JiraDcConnectorDeps = {}): JiraDcConnector {
  const client = new JiraDcClient({ instanceId, ...config }, deps);
  const target = (method: string, path: string): string => `${instanceId} ${method} ${path}`;
  const useDatabase = config.lastLogin === 'database';
  let database: JiraDatabaseSource | null = deps.database ?? null;
  let route: 'list' | 'search' | null = config.userListing === 'auto' ? null : config.userListing;
  /** Whether the listing carries lastLoginTime; null until a listing (or probe) has shown it. */
  let listingHasLogin: boolean | null = null;
  /** Whether the database has cwd_membership (direct member lists); null until probe or a member read has shown it. */
  let databaseMemberships: boolean | null = null;
  /** The accounts of the last complete listing: what per-user login reads go over without listing again. */
  let lastListing: { key: string; name: string }[] | null = null;

  const databaseSource = (): JiraDatabaseSource => {
    if (database !== null) return database;
    if (config.database === undefined) {
      throw new ConnectorError('lastLogin: database needs a database: URL in the instance config', { target: `${instanceId} database`, fixable: true });
    }
    database = createJiraDatabaseSource(config.database, { target: `${instanceId} database` });
    return database;
  };

  /** user/list where the instance has it (auto: a 404 on the route says it has not), else paged user search. */
  const listingRoute = async (signal?: AbortSignal): Promise<'list' | 'search'> => {
    route ??= (await client.hasUserList(signal)) ? 'list' : 'search';
    return route;
  };

  /** The account behind a ref, by key; a ConnectorError (404) when it is gone, so no write goes to another name. */
  const current = async (account: AccountRef, what: string, signal?: AbortSignal): Promise<JiraUser> => {
    const user = await client.user({ key: account.accountId }, signal);
    if (user === null) throw new ConnectorError(`${what}: no account with key ${JSON.stringify(account.accountId)}`, { target: target('GET', '/rest/api/2/user'), status: 404 });
    return user;
  };

  /**
   * Sends one write. A 4xx Jira understood is its answer to this write (a read-only directory, a full licence, a
   * taken name): it becomes WriteRefused quoting Jira. 401, 404, 408, 409, 423 and 429 stay failures a resume retries.
   */
  const write = async (what: string, send: () => Promise<unknown>): Promise<void> => {
    try {
      await send();
    } catch (error) {
      if (!(error instanceof ConnectorError) || error instanceof WriteRefused || error.status === null) throw error;
      const status = error.status;
      if (status >= 400 && status < 500 && ![401, 404, 408, 409, 423, 429].includes(status)) {
        const said = error.said === null ? '' : ` (Jira said: ${error.said})`;
        throw new WriteRefused(`${what}: Jira refused it (${status})${said}`, { target: error.target, status, said: error.said, cause: error });
      }
      throw error;
    }
  };

  /** Whether `groups` (names as Jira sent them) hold `group`; Jira compares group names case-insensitively. */
  const holds = (groups: readonly string[] | null, group: string): boolean | null =>
    groups === null ? null : groups.some((g) => g.toLowerCase() === group.toLowerCase());

  /**
   * A membership write Jira refused with 400: the spec's answer when the user already is (add) or is not (remove) a
   * member. Re-read, it is a no-op when the user's groups already say what was wanted; otherwise the refusal stands.
   */
  const membershipWrite = async (account: AccountRef, group: string, wanted: boolean, signal?: AbortSignal): Promise<void> => {
    const user = await current(account, wanted ? `adding to ${group}` : `removing from ${group}`, signal);
    const what = `${wanted ? 'adding' : 'removing'} ${user.name} ${wanted ? 'to' : 'from'} ${group}`;
    try {
      await write(what, () => (wanted ? client.addToGroup(group, user.name, { signal }) : client.removeFromGroup(group, user.name, { signal })));
    } catch (error) {
      if (!(error instanceof WriteRefused) || error.status !== 400) throw error;
      const after = await current(account, what, signal);
      if (holds(after.groups, group) === wanted) return;
      // Still a member after a refused removal: with effective `expand=groups` that is membership through a nested group,
      // unless Jira's answer says otherwise (a read-only directory answers 403 in the documented case).
      if (!wanted && holds(after.groups, group) === true) {
        throw new NotDirectMember(
          `${what}: Jira refused it (400) and still lists ${group} among the user's groups: the user is in ${group} through a group nested in it, ` +
            'which over REST looks like a direct membership (configure database: so scans read direct memberships)',
          group,
          { target: error.target, status: error.status, said: error.said, cause: error },
        );
      }
      throw error;
    }
  };

  const capabilities = (): InstanceCapabilities => ({
    productName: 'Jira',
    lastLogin: useDatabase ? 'database' : listingHasLogin === true ? 'rest' : 'rest-per-user',
    memberLists: useDatabase && databaseMemberships === true ? 'direct' : 'maybe-flattened',
    directGrants: false,
    revokeTakesOtherPermissions: false,
    disable: true,
    rename: true,
    updateDisplayName: true,
    updateEmail: true,
  });

  /** Every account from user/list or user search; remembers them (and whether they carried lastLoginTime) for lastLogins. */
  async function* listAccounts(signal?: AbortSignal): AsyncGenerator<ListedAccount> {
    const pages = (await listingRoute(signal)) === 'list' ? client.userListPages(signal) : client.userSearchPages(signal);
    const listed: { key: string; name: string }[] = [];
    let carried = false;
    for await (const page of pages) {
      for (const user of page) {
        listed.push({ key: user.key, name: user.name });
        if (user.lastLoginSent) carried = true;
        yield listedAccount(user);
      }
    }
    listingHasLogin = carried;
    lastListing = listed;
  }

  return {
    instance: instanceId,

    get capabilities(): InstanceCapabilities {
      return capabilities();
    },

    get requestCount(): number {
      return client.requestCount;
    },

    async probe(signal): Promise<InstanceProbe> {
      const info = await client.serverInfo(signal);
      const me = await client.myself(signal);
      const held = await client.myPermissions(signal);
      if (!ADMIN_PERMISSIONS.some((permission) => held.get(permission) === true)) {
        throw new ConnectorError(`the account ${me.name} is not a Jira administrator (neither ADMINISTER nor SYSTEM_ADMIN in mypermissions): connect as a Jira administrator`, {
          target: target('GET', '/rest/api/2/mypermissions'),
          fixable: true,
        });
      }
      if ((await listingRoute(signal)) === 'list') {
        // One record of the stream says whether the listing carries lastLoginTime (UserJsonBean does not, per the spec).
        const path = '/rest/api/2/user/list';
        const body = await client.getJson(path, { query: { maxResults: 1 }, signal });
        try {
          const first = mapUserStreamPage(body).users[0];
          if (first !== undefined) listingHasLogin = first.lastLoginSent;
        } catch (error) {
          if (error instanceof PayloadError) throw new ConnectorError(`unexpected answer: ${error.message}`, { target: target('GET', path), cause: error });
          throw error;
        }
      }
      if (useDatabase) {
        const source = databaseSource();
        await source.check(signal);
        databaseMemberships = (await source.readUserGroups(me.name, signal)) !== null;
      }
      return { version: info.version, versionSource: 'serverInfo', connectedAs: { accountId: me.key, username: me.name }, baseUrl: client.baseUrl, capabilities: capabilities() };
    },

    listAccounts,

    async *listGroups(signal): AsyncIterable<string> {
      if (useDatabase) {
        const rows = await databaseSource().readGroups(signal);
        if (rows !== null) {
          // The same name in two directories is one group to Jira.
          const seen = new Set<string>();
          for (const row of rows) {
            if (seen.has(row.name.toLowerCase())) continue;
            seen.add(row.name.toLowerCase());
            yield row.name;
          }
          return;
        }
      }
      yield* await client.groupNames('', 10_000, signal);
    },

    async *listGroupMembers(group, signal): AsyncIterable<GroupMember> {
      if (useDatabase && databaseMemberships !== false) {
        // The same check as over REST, so a name is refused alike whichever source reads it.
        const problem = queryNameProblem(group);
        if (problem !== null) throw new UnaddressableName(group, problem, `${instanceId} database cwd_membership`);
        const rows = await databaseSource().readGroupMembers(group, signal);
        databaseMemberships = rows !== null;
        if (rows !== null) {
          for (const row of rows) yield { group, accountId: row.userKey ?? unresolvedAccountId(row.username), username: row.username };
          return;
        }
      }
      // Jira's member list, documented as including the members of subgroups (capabilities.memberLists).
      for await (const page of client.groupMemberPages(group, signal)) {
        for (const user of page) yield { group, accountId: user.key, username: user.name };
      }
    },

    async *listChildGroups(group, signal): AsyncIterable<GroupNestingFact> {
      // Jira's REST API (10.3 spec) has no route for a group's child groups; only the database stores nesting.
      if (!useDatabase) return;
      const rows = await databaseSource().readMemberships(signal);
      const seen = new Set<string>();
      for (const row of rows ?? []) {
        if (row.kind !== 'group' || row.group.toLowerCase() !== group.toLowerCase() || seen.has(row.member.toLowerCase())) continue;
        seen.add(row.member.toLowerCase());
        yield { parent: group, child: row.member };
      }
    },

    async readAccess(signal): Promise<AccessFacts> {
      const roles = await client.applicationRoles(signal);
      const applications = roles.map(applicationAccess);
      const configured = config.adminGroups ?? null;
      const fallback = configured ?? CONVENTIONAL_ADMIN_GROUPS;
      const fallbackSource = configured === null ? 'conventional-admin-groups' : 'config';
      if (useDatabase) {
        const admins = await databaseSource().readAdminGroups(signal);
        // Configured groups are protected too: protecting one group more is safe, one less is not.
        if (admins !== null) return { applications, adminGroups: unionOf(admins, configured ?? []), adminUsers: [], source: 'application-roles+globalpermissionentry' };
      }
      return { applications, adminGroups: [...fallback], adminUsers: [], source: `application-roles+${fallbackSource}` };
    },

    async *lastLogins(signal): AsyncIterable<LoginFact> {
      if (useDatabase) {
        for await (const fact of databaseSource().readLogins(signal)) {
          yield {
            accountId: fact.userKey,
            username: fact.username,
            lastLogin: fact.lastLogin,
            createdAt: fact.createdAt,
            directory: fact.directory,
            email: fact.email,
          };
        }
        return;
      }
      if (lastListing === null) {
        // Not listed yet by this connector: list once to learn the accounts (and whether the listing has the field).
        for await (const account of listAccounts(signal)) void account;
      }
      if (listingHasLogin === true) return;
      yield* readLoginsPerUser(client, lastListing ?? [], { concurrency: config.concurrency, target: target('GET', '/rest/api/2/user') }, signal);
    },

    async readMemberships(signal) {
      if (!useDatabase) return null;
      const rows = await databaseSource().readMemberships(signal);
      if (rows === null) return null;
      const memberships: GroupMember[] = [];
      const nesting: GroupNestingFact[] = [];
      const seen = new Set<string>();
      for (const row of rows) {
        const accountId = row.kind === 'user' ? (row.userKey ?? unresolvedAccountId(row.member)) : row.member;
        const key = `${row.kind}\u0000${row.group.toLowerCase()}\u0000${row.kind === 'user' ? accountId : row.member.toLowerCase()}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (row.kind === 'user') memberships.push({ group: row.group, accountId, username: row.member });
        else nesting.push({ parent: row.group, child: row.member });
      }
      return { memberships, nesting };
    },

    async readDirectories(signal): Promise<DirectoryFacts | null> {
      // REST never says which directory a user or group belongs to, nor whether it is writable.
      if (!useDatabase) return null;
      const source = databaseSource();
      const [directories, groups] = await Promise.all([source.readDirectories(signal), source.readGroups(signal)]);
      return {
        // Only an internal directory counts as writable: an LDAP one may be read-write, but nothing here tells.
        directories: directories.map((d) => ({ name: d.name, order: d.position, active: d.active === true, writable: d.type?.toUpperCase() === 'INTERNAL' })),
        readOnlyGroups: (groups ?? []).filter((g) => !g.writable).map((g) => g.name),
      };
    },

    async readAccountState(account, signal): Promise<AccountState | null> {
      const user = await client.user({ key: account.accountId }, signal);
      if (user === null) return null;
      if (user.groups === null) {
        throw new ConnectorError(`Jira did not send the whole group list of ${user.name} (expand=groups): the state cannot be journaled`, {
          target: target('GET', '/rest/api/2/user'),
        });
      }
      return {
        accountId: user.key,
        username: user.name,
        status: user.status,
        displayName: user.displayName,
        email: user.emailAddress,
        groups: [...user.groups].sort(byName),
        directApplications: [],
        otherPermissions: [],
      };
    },

    // `expand=groups` may list groups reached through nesting as well as direct ones (jira-readings.ts userGroupsExpand).
    accountStateGroups: 'maybe-effective',

    async addToGroup(account, group, signal) {
      await membershipWrite(account, group, true, signal);
    },

    async removeFromGroup(account, group, signal) {
      await membershipWrite(account, group, false, signal);
    },

    async revokeApplication(account, application) {
      // POST/DELETE /rest/api/2/user/application exist (x-experimental in the 10.3 spec) but are group writes in
      // disguise: Jira's docs describe them as joining the application's default group and leaving "all the groups
      // that could grant" it. A plan reaches the same end through the group writes it journals one by one.
      throw noDirectGrants(account, application, 'revoking', target('DELETE', '/rest/api/2/user/application'));
    },

    async grantApplication(account, application) {
      throw noDirectGrants(account, application, 'granting', target('POST', '/rest/api/2/user/application'));
    },

    async disable(account, signal) {
      await write(`disabling ${account.username ?? account.accountId}`, () => client.updateUser(account.accountId, { active: false }, { signal }));
    },

    async enable(account, signal) {
      await write(`enabling ${account.username ?? account.accountId}`, () => client.updateUser(account.accountId, { active: true }, { signal }));
    },

    async rename(account, newUsername, signal) {
      await write(`renaming ${account.username ?? account.accountId} to ${newUsername}`, () => client.updateUser(account.accountId, { name: newUsername }, { signal }));
    },

    async updateProfile(account, changes, signal) {
      if (changes.displayName === undefined && changes.email === undefined) return;
      await write(`updating the profile of ${account.username ?? account.accountId}`, () =>
        client.updateUser(account.accountId, { displayName: changes.displayName, emailAddress: changes.email }, { signal }),
      );
    },

    async close() {
      await database?.close();
    },
  };
}

/** A listed Jira user as the port's account; `lastLogin` only where the listing carried the field. */
function listedAccount(user: JiraUser): ListedAccount {
  const account: ListedAccount = {
    accountId: user.key,
    username: user.name,
    displayName: user.displayName,
    email: user.emailAddress,
    status: user.status,
    statusWord: user.status === 'active' ? 'true' : user.status === 'disabled' ? 'false' : null,
    directory: user.directory,
  };
  return user.lastLoginSent ? { ...account, lastLogin: user.lastLoginTime } : account;
}

/** One application role as the port's application; the seat limit is read from hasUnlimitedSeats, never from -1. */
function applicationAccess(role: JiraApplicationRole): ApplicationAccess {
  const unlimited = role.hasUnlimitedSeats === true;
  return {
    key: role.key,
    name: role.name,
    groups: role.groups,
    users: [],
    defaultGroups: role.defaultGroups,
    seatsUsed: role.userCount,
    seatsMax: unlimited ? null : role.numberOfSeats,
    unlimited,
  };
}

function noDirectGrants(account: AccountRef, application: string, verb: string, where: string): WriteRefused {
  return new WriteRefused(
    `not possible: ${verb} ${application} for ${account.username ?? account.accountId} — Jira Data Center grants applications only through groups (no individual grant); change the granting groups instead`,
    { target: where },
  );
}

/** Names of both lists once each (case-insensitively), sorted. */
function unionOf(a: readonly string[], b: readonly string[]): string[] {
  const out = new Map<string, string>();
  for (const name of [...a, ...b]) if (!out.has(name.toLowerCase())) out.set(name.toLowerCase(), name);
  return [...out.values()].sort(byName);
}

function byName(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}
