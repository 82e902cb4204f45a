/**
 * The Jira DC subject of the InstanceConnector contract: CONTRACT_ORG as a Jira organisation (user keys in both of
 * Jira's forms, one internal directory, one application role, ADMINISTER and SYSTEM_ADMIN on the admin group), served
 * by the Jira emulator under a profile (readings, listing, login source, database), and read back from its JiraState.
 */

import type { TestDatabaseKind } from './test-databases.ts';
import { createScratchDatabase, TEST_DATABASE_ENV, type ScratchDatabase } from './test-databases.ts';
import { CONTRACT_ORG, type ContractGaps, type ContractOrg, type ContractSubject, type EmulatedAccount, type EmulatorView } from './instance-connector-contract.ts';
import { startJiraEmulator, type RunningJiraEmulator } from '../../src/emulators/jira-dc/jira-emulator.ts';
import { writeJiraDatabase } from '../../src/emulators/jira-dc/jira-database.ts';
import { JiraState } from '../../src/emulators/jira-dc/jira-state.ts';
import type { JiraOrgSeed } from '../../src/emulators/jira-dc/jira-org-generator.ts';
import type { JiraReadings } from '../../src/emulators/jira-dc/jira-readings.ts';
import type { EmulatorFaults } from '../../src/emulators/confluence-dc/emulator-faults.ts';
import { jiraDcConfigSchema, type JiraDcConfigInput } from '../../src/connectors/jira-dc/jira-dc-config.ts';
import { createJiraDcConnector, type JiraDcConnector } from '../../src/connectors/jira-dc/jira-dc-connector.ts';

/** How the emulator and the connector are set up. */
export interface JiraContractProfile {
  readonly readings?: Partial<JiraReadings>;
  readonly faults?: Partial<EmulatorFaults>;
  /** A database server: the state is mirrored there and the connector reads it (`lastLogin: database`). */
  readonly database?: { readonly kind: TestDatabaseKind; readonly serverUrl: string };
  /** Config keys beyond url, auth, lastLogin and database. */
  readonly config?: Partial<JiraDcConfigInput>;
  /** Accounts added to CONTRACT_ORG's (`filler001`, …: active, no group, never logged in). */
  readonly fillerUsers?: number;
  readonly gaps?: ContractGaps;
  readonly listingRefused?: string;
}

/** A started subject, with the emulator for tests that look further than the contract. */
export interface JiraContractSubject extends ContractSubject {
  readonly connector: JiraDcConnector;
  readonly jira: RunningJiraEmulator;
}

const INTERNAL = { id: 1, name: 'Jira Internal Directory', order: 0, active: true, writable: true, type: 'INTERNAL' } as const;
const CREATED = new Date('2023-01-01T00:00:00Z');

/** CONTRACT_ORG as a JiraOrgSeed; even-numbered accounts keep a legacy key (their first username), the others JIRAUSER<id>. */
export function jiraSeedOf(org: ContractOrg, fillerUsers = 0): JiraOrgSeed {
  const people = [
    ...org.users,
    ...Array.from({ length: fillerUsers }, (_, i) => {
      const username = `filler${String(i + 1).padStart(3, '0')}`;
      return { username, displayName: `Filler ${i + 1}`, email: `${username}@example.com`, active: true, lastLogin: null };
    }),
  ];
  const users = people.map((u, i) => {
    const [first = '', ...rest] = u.displayName.split(' ');
    return {
      id: 10_000 + i,
      appUserId: 10_100 + i,
      username: u.username,
      key: i % 2 === 0 ? u.username.toLowerCase() : `JIRAUSER${10_100 + i}`,
      firstName: first,
      lastName: rest.join(' '),
      displayName: u.displayName,
      email: u.email,
      directory: INTERNAL.name,
      active: u.active,
      createdAt: CREATED,
      lastLogin: u.lastLogin,
      role: u.username === org.adminUser ? ('administrator' as const) : ('person' as const),
    };
  });
  const credential = (username: string) => ({ username, password: `${username}-secret`, token: `${username}-token-${'x'.repeat(32)}` });
  return {
    seed: 1,
    generatedAt: CREATED,
    directories: [INTERNAL],
    users,
    groups: org.groups.map((name, i) => ({ id: 20_000 + i, name, directory: INTERNAL.name, local: false, description: name })),
    memberships: org.memberships,
    nesting: org.nesting,
    applications: org.applications.map((app, i) => ({
      key: i === 0 ? 'jira-software' : `jira-contract-${i}`,
      name: app.name,
      groups: app.groups,
      defaultGroups: app.groups.slice(0, 1),
      numberOfSeats: app.seats ?? -1,
    })),
    globalPermissions: [
      { permission: 'ADMINISTER', group: org.adminGroup },
      { permission: 'SYSTEM_ADMIN', group: org.adminGroup },
    ],
    credentials: { admin: credential(org.adminUser), user: credential('alice') },
  };
}

/** The emulator's state as the contract reads it. */
export function jiraView(state: JiraState): EmulatorView {
  const names = (groups: readonly { name: string }[]): string[] => groups.map((g) => g.name);
  return {
    accounts: () =>
      state.allUsers().map((u): EmulatedAccount => ({
        accountId: u.key,
        username: u.username,
        status: u.active ? 'active' : 'disabled',
        displayName: u.displayName,
        email: u.email,
        groups: names(state.groupsOf(u.username)),
        effectiveGroups: names(state.effectiveGroupsOf(u.username)),
        lastLogin: u.lastLogin,
      })),
    directMembers: (group) => state.membersOf(group).map((u) => u.username),
    applications: () =>
      state.applicationRoles().map((role) => ({
        key: role.key,
        name: role.name,
        groups: role.groups,
        seatsUsed: role.userCount,
        seatsMax: role.numberOfSeats < 0 ? null : role.numberOfSeats,
        unlimited: role.numberOfSeats < 0,
      })),
    changeCount: () => state.changes.length,
  };
}

/** Starts the emulator (and the database mirror) for a profile and connects to it as CONTRACT_ORG's administrator. */
export async function startJiraContractSubject(profile: JiraContractProfile = {}, org: ContractOrg = CONTRACT_ORG): Promise<JiraContractSubject> {
  const seed = jiraSeedOf(org, profile.fillerUsers ?? 0);
  const state = new JiraState(seed, { clock: () => new Date('2026-01-15T12:00:00Z') });
  let scratch: ScratchDatabase | null = null;
  if (profile.database !== undefined) {
    scratch = await createScratchDatabase(profile.database.kind, profile.database.serverUrl);
    await writeJiraDatabase(scratch.url, state);
  }
  const jira = await startJiraEmulator({ org: seed, state, readings: profile.readings, faults: profile.faults });
  const config = jiraDcConfigSchema.parse({
    product: 'jira-dc',
    url: jira.url,
    auth: { token: seed.credentials.admin.token },
    ...(scratch === null ? {} : { lastLogin: 'database', database: scratch.url }),
    // REST cannot read which groups hold the admin permissions: an instance without a database configures them.
    adminGroups: [org.adminGroup],
    ...profile.config,
  });
  const connector = createJiraDcConnector('jira-contract', config, { sleep: async () => undefined });
  return {
    connector,
    jira,
    view: jiraView(state),
    ...(profile.gaps === undefined ? {} : { gaps: profile.gaps }),
    ...(profile.listingRefused === undefined ? {} : { listingRefused: profile.listingRefused }),
    close: async () => {
      await connector.close();
      await jira.close();
      await scratch?.drop();
    },
  };
}

/**
 * The server URL of a database kind for a suite (not a single test): null when it is unset outside CI, so the caller
 * registers a skipped test instead; in CI a missing URL throws, as testDatabaseUrl does.
 */
export function suiteDatabaseUrl(kind: TestDatabaseKind): string | null {
  const url = process.env[TEST_DATABASE_ENV[kind]];
  if (url !== undefined && url !== '') return url;
  if (process.env['CI'] === 'true') throw new Error(`${TEST_DATABASE_ENV[kind]} is not set; CI must provide a ${kind} server for this suite`);
  return null;
}
