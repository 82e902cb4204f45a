/**
 * The Confluence DC subject of the InstanceConnector contract: CONTRACT_ORG as a Confluence organisation (one internal
 * directory, "can use" on the application's groups, system and Confluence administration on the admin group, the
 * licence tier as the application's seats), served by the Confluence emulator under a version profile and its
 * readings, with the database mirror where a profile reads one, and read back from its EmulatorState.
 */

import type { TestDatabaseKind } from './test-databases.ts';
import { createScratchDatabase, type ScratchDatabase } from './test-databases.ts';
import { CONTRACT_ORG, type ContractGaps, type ContractOrg, type ContractSubject, type EmulatedAccount, type EmulatorView } from './instance-connector-contract.ts';
import { startConfluenceEmulator, type ConfluenceEmulatorOptions, type RunningConfluenceEmulator } from '../../src/emulators/confluence-dc/confluence-emulator.ts';
import { writeConfluenceDatabase } from '../../src/emulators/confluence-dc/emulator-database.ts';
import { EmulatorState } from '../../src/emulators/confluence-dc/emulator-state.ts';
import { versionAtLeast, type EmulatedVersion } from '../../src/emulators/confluence-dc/emulator-versions.ts';
import type { GrantSeed, OrgSeed } from '../../src/emulators/confluence-dc/org-generator.ts';
import { confluenceDcConfigSchema, type ConfluenceDcConfigInput } from '../../src/connectors/confluence-dc/confluence-dc-config.ts';
import { CONFLUENCE_APPLICATION, createConfluenceDcConnector, type ConfluenceDcConnector } from '../../src/connectors/confluence-dc/confluence-dc-connector.ts';

/** How the emulator and the connector are set up. */
export interface ConfluenceContractProfile {
  readonly version: EmulatedVersion;
  /** The emulator's undocumented readings (emulator-readings.ts), as its options name them. */
  readonly readings?: Omit<Partial<ConfluenceEmulatorOptions>, 'org' | 'version' | 'state'>;
  /** A database server: the state is mirrored there and the connector reads it (`lastLogin: database`). */
  readonly database?: { readonly kind: TestDatabaseKind; readonly serverUrl: string };
  /** Config keys beyond url, auth, lastLogin, database and licenseGroups. */
  readonly config?: Partial<ConfluenceDcConfigInput>;
  readonly gaps?: ContractGaps;
}

/** A started subject, with the emulator for tests that look further than the contract. */
export interface ConfluenceContractSubject extends ContractSubject {
  readonly connector: ConfluenceDcConnector;
  readonly confluence: RunningConfluenceEmulator;
}

const INTERNAL = { id: 1, name: 'Confluence Internal Directory', order: 0, active: true, writable: true, type: 'INTERNAL' } as const;
const CREATED = new Date('2023-01-01T00:00:00Z');
const USE = 'application/use';

/** CONTRACT_ORG as an OrgSeed: user keys in Confluence's 32-hex form, the first application as "can use". */
export function confluenceSeedOf(org: ContractOrg): OrgSeed {
  const users = org.users.map((u, i) => {
    const [first = '', ...rest] = u.displayName.split(' ');
    return {
      id: 10_000 + i,
      username: u.username,
      userKey: `8a7f808a00000000${(0x100 + i).toString(16).padStart(16, '0')}`,
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
  const [application, ...others] = org.applications;
  if (application === undefined || others.length > 0) throw new RangeError('Confluence has exactly one application ("can use")');
  const grants: GrantSeed[] = [
    ...application.groups.map((name): GrantSeed => ({ subject: { type: 'group', name }, permission: USE })),
    { subject: { type: 'group', name: org.adminGroup }, permission: 'system/administer' },
    { subject: { type: 'group', name: org.adminGroup }, permission: 'application/administer' },
  ];
  const credential = (username: string) => ({ username, password: `${username}-secret`, token: `${username}-token-${'x'.repeat(32)}` });
  return {
    seed: 1,
    generatedAt: CREATED,
    directories: [INTERNAL],
    users,
    groups: org.groups.map((name, i) => ({ id: 20_000 + i, name, directory: INTERNAL.name, local: false, description: name })),
    memberships: org.memberships,
    nesting: org.nesting,
    grants,
    // Confluence has no unlimited tier here: the licence's seats are the application's.
    maxUsers: application.seats ?? 10_000,
    credentials: { admin: credential(org.adminUser), user: credential('alice') },
  };
}

/** The emulator's state as the contract reads it; the groups granting "can use" are the groups holding it directly. */
export function confluenceView(state: EmulatorState): EmulatorView {
  const names = (groups: readonly { name: string }[]): string[] => groups.map((g) => g.name);
  /** The user's groups and every group above them, sorted case-insensitively. */
  const effective = (username: string): string[] => {
    const seen = new Map<string, string>();
    const stack = names(state.groupsOf(username));
    while (stack.length > 0) {
      const group = stack.pop();
      if (group === undefined || seen.has(group.toLowerCase())) continue;
      seen.set(group.toLowerCase(), group);
      stack.push(...names(state.parentGroupsOf(group)));
    }
    return [...seen.values()].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));
  };
  return {
    accounts: () =>
      state.allUsers().map((u): EmulatedAccount => ({
        accountId: u.userKey,
        username: u.username,
        status: u.active ? 'active' : 'disabled',
        displayName: u.displayName,
        email: u.email,
        groups: names(state.groupsOf(u.username)),
        effectiveGroups: effective(u.username),
        lastLogin: u.lastLogin,
      })),
    directMembers: (group) => state.membersOf(group).map((u) => u.username),
    applications: () => [
      {
        key: CONFLUENCE_APPLICATION,
        name: 'Confluence',
        groups: state.allGroups().filter((g) => state.groupPermissions(g.name).includes(USE)).map((g) => g.name),
        seatsUsed: state.licensedCount(),
        seatsMax: state.maxUsers,
        unlimited: false,
      },
    ],
    directApplications: (accountId) => {
      const user = state.findUserByKey(accountId);
      return user !== undefined && state.userPermissions(user.username).includes(USE) ? [CONFLUENCE_APPLICATION] : [];
    },
    changeCount: () => state.changes.length,
  };
}

/** Starts the emulator (and the database mirror) for a profile and connects to it as CONTRACT_ORG's administrator. */
export async function startConfluenceContractSubject(profile: ConfluenceContractProfile, org: ContractOrg = CONTRACT_ORG): Promise<ConfluenceContractSubject> {
  const seed = confluenceSeedOf(org);
  const state = new EmulatorState(seed, { clock: () => new Date('2026-01-15T12:00:00Z') });
  let scratch: ScratchDatabase | null = null;
  if (profile.database !== undefined) {
    scratch = await createScratchDatabase(profile.database.kind, profile.database.serverUrl);
    await writeConfluenceDatabase(scratch.url, state);
  }
  const confluence = await startConfluenceEmulator({ ...profile.readings, org: seed, state, version: profile.version });
  const config = confluenceDcConfigSchema.parse({
    product: 'confluence-dc',
    url: confluence.url,
    auth: { token: seed.credentials.admin.token },
    ...(scratch === null ? {} : { lastLogin: 'database', database: scratch.url }),
    // Before 9.3 no REST route says which groups grant "can use": an instance that old names them.
    ...(versionAtLeast(profile.version, '9.3') ? {} : { licenseGroups: org.applications[0]?.groups ?? [] }),
    ...profile.config,
  });
  const connector = createConfluenceDcConnector('confluence-contract', config, { sleep: async () => undefined });
  return {
    connector,
    confluence,
    view: confluenceView(state),
    ...(profile.gaps === undefined ? {} : { gaps: profile.gaps }),
    close: async () => {
      await connector.close();
      await confluence.close();
      await scratch?.drop();
    },
  };
}
