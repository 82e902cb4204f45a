/**
 * A seeded, realistic Jira Data Center organisation as plain data: directories, users (with Jira user
 * keys), groups, nesting, applications with their seats and granting groups, global permissions and
 * credentials. The Jira emulator, its database mirror and the benchmarks start from this one description.
 *
 * Shapes: user keys `JIRAUSER<n>` (spec UserBean example "JIRAUSER10100"; Atlassian KB "How to list
 * inactive users by Project Role" sample row "JIRAUSER12401": VERIFIED form). Users created before Jira 8
 * keep their lower-case username of the time as key, which a rename does not change (Jira's rename keeps
 * the key: UserWriteBean/`app_user`; 3RD-PARTY for the legacy form). Application keys `jira-software` and
 * `jira-servicedesk`, default groups `jira-software-users` / `jira-servicedesk-users` (spec
 * ApplicationRoleBean example; "Assign users to groups, project roles, and applications", Jira 9.9 docs).
 */

import { seededRandom, type SeededRandom } from '../seeded-random.ts';
import { FIRST_NAMES, LAST_NAMES } from '../confluence-dc/org-names.ts';
import type { CredentialSeed, DirectorySeed, UserRole } from '../confluence-dc/org-generator.ts';

/** Jira's global permissions an admin connector reads (the two that make an administrator). */
export type JiraGlobalPermission = 'ADMINISTER' | 'SYSTEM_ADMIN';

/** One user account; `lastLogin: null` = never logged in; `appUserId` is app_user.id (and the stream cursor). */
export interface JiraUserSeed {
  readonly id: number;
  readonly appUserId: number;
  readonly username: string;
  readonly key: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly displayName: string;
  readonly email: string;
  readonly directory: string;
  readonly active: boolean;
  readonly createdAt: Date;
  readonly lastLogin: Date | null;
  readonly role: UserRole;
}

/** A group; `local` = created in Jira inside a read-only LDAP directory (writable there). */
export interface JiraGroupSeed {
  readonly id: number;
  readonly name: string;
  readonly directory: string;
  readonly local: boolean;
  readonly description: string;
}

/** An application (licence) with its seats; `numberOfSeats: -1` = unlimited. */
export interface JiraApplicationSeed {
  readonly key: string;
  readonly name: string;
  readonly groups: readonly string[];
  readonly defaultGroups: readonly string[];
  readonly numberOfSeats: number;
}

/** The whole Jira organisation, as plain data. */
export interface JiraOrgSeed {
  readonly seed: number;
  readonly generatedAt: Date;
  readonly directories: readonly DirectorySeed[];
  readonly users: readonly JiraUserSeed[];
  readonly groups: readonly JiraGroupSeed[];
  readonly memberships: readonly { readonly group: string; readonly username: string }[];
  readonly nesting: readonly { readonly parent: string; readonly child: string }[];
  readonly applications: readonly JiraApplicationSeed[];
  readonly globalPermissions: readonly { readonly permission: JiraGlobalPermission; readonly group: string }[];
  /** `admin` administers Jira (Seatkeeper's account); `user` holds a Jira Software seat, no admin rights. */
  readonly credentials: { readonly admin: CredentialSeed; readonly user: CredentialSeed };
}

/** Options of {@link generateJiraOrganisation}; only `seed`, `users` and `now` are required. */
export interface JiraOrganisationOptions {
  readonly seed: number;
  /** Total accounts, fixed ones included; at least 20. */
  readonly users: number;
  readonly now: Date;
  /** Jira Software seats; default: the smallest user tier that fits. -1 = unlimited. */
  readonly softwareSeats?: number;
  /** Jira Service Management agent seats; default: the smallest tier that fits. */
  readonly serviceDeskSeats?: number;
  /** Share of people who never logged in (default 0.05). */
  readonly neverLoggedInShare?: number;
  /** Share of inactive (deactivated) accounts (default 0.03). */
  readonly inactiveShare?: number;
  /** Share of people from the read-only LDAP directory (default 0.6). */
  readonly ldapShare?: number;
  /** Share of people whose key is a legacy (pre-Jira-8) lower-case username (default 0.2). */
  readonly legacyKeyShare?: number;
  /** Share of people who are service desk agents (default 0.12). */
  readonly agentShare?: number;
}

export const JIRA_INTERNAL_DIRECTORY = 'Jira Internal Directory';
export const JIRA_LDAP_DIRECTORY = 'Corporate LDAP';

const DAY = 86_400_000;
/** Jira DC user tiers (Atlassian pricing pages list tiers in these steps; exact list 3RD-PARTY). */
const USER_TIERS = [25, 50, 100, 250, 500, 750, 1000, 2000, 3000, 4000, 5000, 7500, 10000, 15000, 20000, 25000, 30000,
  35000, 40000, 45000, 50000, 60000, 70000, 80000, 90000, 100000, 125000, 150000, 200000, 250000, 500000];
const DEPARTMENTS: readonly (readonly [string, number])[] = [
  ['engineering', 34], ['product', 8], ['support', 16], ['operations', 10], ['sales', 12], ['finance', 6], ['hr', 4], ['legal', 3],
];
const SERVICE_ACCOUNTS = [
  { username: 'svc-automation', displayName: 'Automation Bot', neverLoggedIn: false },
  { username: 'svc-backup', displayName: 'Backup Service', neverLoggedIn: true },
  { username: 'svc-confluence-link', displayName: 'Confluence Application Link', neverLoggedIn: false },
];
/** First app_user.id / cwd_user.id: Jira's entity ids start at 10000 (spec example JIRAUSER10100). */
const FIRST_ID = 10_000;

/** Builds the organisation for a seed; the same options always give the same organisation. */
export function generateJiraOrganisation(options: JiraOrganisationOptions): JiraOrgSeed {
  if (!Number.isInteger(options.users) || options.users < 20) throw new RangeError('users must be an integer of at least 20');
  const random = seededRandom(options.seed);
  const now = options.now.getTime();
  const internal: DirectorySeed = { id: 1, name: JIRA_INTERNAL_DIRECTORY, order: 0, active: true, writable: true, type: 'INTERNAL' };
  const ldap: DirectorySeed = { id: 10_000, name: JIRA_LDAP_DIRECTORY, order: 1, active: true, writable: false, type: 'CONNECTOR' };
  const b = new JiraOrgBuilder(random);

  b.group('jira-administrators', internal, false, 'Jira administrators');
  b.group('jira-software-users', internal, false, 'Default group of Jira Software');
  b.group('jira-servicedesk-users', internal, false, 'Default group of Jira Service Management (agents)');
  b.group('jira-inactive-users', internal, false, 'Tracking group for reclaimed licences (starts empty)');
  b.group('release managers', internal, false, 'Grants nothing; its name has a space');
  b.group('staff', ldap, true, 'All staff; grants Jira Software and holds the departments');
  for (const [department] of DEPARTMENTS) {
    b.group(department, ldap, true, `Department: ${department}`);
    b.nest('staff', department);
  }
  b.group('support-agents', ldap, true, 'Grants Jira Service Management; nested in it: support');
  b.nest('support-agents', 'support');
  b.group('all-employees', ldap, false, 'LDAP-synchronised; read-only; grants nothing');
  b.group('ldap-jira-users', ldap, false, 'LDAP-synchronised; read-only; grants Jira Software');

  const admin = b.user({ first: 'Jira', last: 'Administrator', username: 'admin', directory: internal, active: true, role: 'administrator',
    createdAt: new Date(now - 7 * 365 * DAY), lastLogin: new Date(now - 3_600_000), legacyKey: true });
  b.member('jira-administrators', admin.username);
  b.member('jira-software-users', admin.username);
  for (const account of SERVICE_ACCOUNTS) {
    const user = b.user({ first: account.displayName, last: '', username: account.username, directory: internal, active: true, role: 'service',
      createdAt: new Date(now - random.int(400, 2000) * DAY), lastLogin: account.neverLoggedIn ? null : new Date(now - random.int(60_000, 2 * DAY)),
      legacyKey: false });
    b.member('jira-software-users', user.username);
  }

  const neverShare = options.neverLoggedInShare ?? 0.05;
  const inactiveShare = options.inactiveShare ?? 0.03;
  const ldapShare = options.ldapShare ?? 0.6;
  const legacyShare = options.legacyKeyShare ?? 0.2;
  const agentShare = options.agentShare ?? 0.12;
  let regular: JiraUserSeed | null = null;
  while (b.users.length < options.users) {
    const fromLdap = random.chance(ldapShare);
    const active = !random.chance(inactiveShare);
    const lastLogin = random.chance(neverShare) ? null : lastLoginFor(random, now, active);
    const createdAt = createdAtFor(random, now, lastLogin);
    const user = b.user({ first: random.pick(FIRST_NAMES), last: random.pick(LAST_NAMES), directory: fromLdap ? ldap : internal, active,
      role: 'person', createdAt, lastLogin, legacyKey: random.chance(legacyShare) });
    const path = random.next();
    if (path < 0.04) {
      // No application: an account that exists and holds no seat (e.g. a customer of a service desk).
    } else if (fromLdap && path < 0.12) {
      b.member('ldap-jira-users', user.username);
    } else {
      const direct = random.chance(fromLdap ? 0.4 : 0.85);
      if (direct) b.member('jira-software-users', user.username);
      if (fromLdap && (!direct || random.chance(0.9))) b.member(random.weighted(DEPARTMENTS), user.username);
      if (direct && active && regular === null && !fromLdap) regular = user;
    }
    if (random.chance(agentShare)) b.member(fromLdap ? 'support' : 'jira-servicedesk-users', user.username);
    if (fromLdap) b.member('all-employees', user.username);
    if (random.chance(0.03)) b.member('release managers', user.username);
  }
  if (regular === null) throw new RangeError('the organisation is too small to hold a licensed non-admin user');

  const applications: JiraApplicationSeed[] = [
    { key: 'jira-software', name: 'Jira Software', groups: ['jira-software-users', 'jira-administrators', 'staff', 'ldap-jira-users'],
      defaultGroups: ['jira-software-users'], numberOfSeats: 0 },
    { key: 'jira-servicedesk', name: 'Jira Service Management', groups: ['jira-servicedesk-users', 'support-agents'],
      defaultGroups: ['jira-servicedesk-users'], numberOfSeats: 0 },
  ];
  const seats = [options.softwareSeats, options.serviceDeskSeats];
  const sized = applications.map((application, index) => {
    const used = countSeats(b, application.groups);
    return { ...application, numberOfSeats: seats[index] ?? USER_TIERS.find((tier) => tier >= used) ?? used };
  });
  return {
    seed: options.seed,
    generatedAt: new Date(now),
    directories: [internal, ldap],
    users: b.users,
    groups: b.groups,
    memberships: b.memberships,
    nesting: b.nesting,
    applications: sized,
    globalPermissions: [{ permission: 'ADMINISTER', group: 'jira-administrators' }, { permission: 'SYSTEM_ADMIN', group: 'jira-administrators' }],
    credentials: { admin: credentialFor(random, admin.username), user: credentialFor(random, regular.username) },
  };
}

/** Active users who are members, directly or through nesting, of any of `groups`. */
function countSeats(b: JiraOrgBuilder, groups: readonly string[]): number {
  const granting = new Set(groups);
  for (let grew = true; grew;) {
    grew = false;
    for (const { parent, child } of b.nesting) {
      if (granting.has(parent) && !granting.has(child)) {
        granting.add(child);
        grew = true;
      }
    }
  }
  const holders = new Set(b.memberships.filter((m) => granting.has(m.group)).map((m) => m.username));
  return b.users.filter((user) => user.active && holders.has(user.username)).length;
}

/** Skewed: most people logged in this month, a long tail reaches three years back; inactive accounts skew old. */
function lastLoginFor(random: SeededRandom, now: number, active: boolean): Date {
  const bucket = active ? random.next() : 0.7 + random.next() * 0.3;
  const days = bucket < 0.65 ? 30 * random.next() ** 2 : bucket < 0.77 ? 30 + 60 * random.next()
    : bucket < 0.9 ? 90 + 275 * random.next() : 365 + 730 * random.next();
  return new Date(now - Math.round(days * DAY) - random.int(0, 3_600_000));
}

function createdAtFor(random: SeededRandom, now: number, lastLogin: Date | null): Date {
  if (lastLogin === null) {
    const days = random.chance(0.4) ? random.int(0, 30) : random.int(31, 3 * 365);
    return new Date(now - days * DAY - random.int(0, DAY - 1));
  }
  return new Date(lastLogin.getTime() - random.int(1, 5 * 365) * DAY - random.int(0, DAY - 1));
}

function credentialFor(random: SeededRandom, username: string): CredentialSeed {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let token = '';
  // Jira DC personal access tokens are 44 base64 characters, like Confluence's (same platform feature; 3RD-PARTY).
  for (let i = 0; i < 44; i++) token += alphabet.charAt(random.int(0, 63));
  return { username, password: `${username}-${random.int(100000, 999999)}`, token };
}

/** Accumulates the organisation and keeps usernames unique. */
class JiraOrgBuilder {
  readonly users: JiraUserSeed[] = [];
  readonly groups: JiraGroupSeed[] = [];
  readonly memberships: { group: string; username: string }[] = [];
  readonly nesting: { parent: string; child: string }[] = [];
  private readonly taken = new Set<string>();
  private readonly memberKeys = new Set<string>();

  constructor(private readonly random: SeededRandom) {}

  group(name: string, directory: DirectorySeed, local: boolean, description: string): void {
    this.groups.push({ id: FIRST_ID + this.groups.length, name, directory: directory.name, local, description });
  }

  nest(parent: string, child: string): void {
    this.nesting.push({ parent, child });
  }

  member(group: string, username: string): void {
    const key = `${group}\u0000${username}`;
    if (this.memberKeys.has(key)) return;
    this.memberKeys.add(key);
    this.memberships.push({ group, username });
  }

  user(input: {
    first: string; last: string; username?: string; directory: DirectorySeed; active: boolean; role: UserRole;
    createdAt: Date; lastLogin: Date | null; legacyKey: boolean;
  }): JiraUserSeed {
    const username = input.username ?? this.uniqueUsername(input.first, input.last);
    this.taken.add(username);
    const appUserId = FIRST_ID + 100 + this.users.length;
    const user: JiraUserSeed = {
      id: FIRST_ID + this.users.length,
      appUserId,
      username,
      key: input.legacyKey ? username.toLowerCase() : `JIRAUSER${appUserId}`,
      firstName: input.first,
      lastName: input.last,
      displayName: input.last === '' ? input.first : `${input.first} ${input.last}`,
      email: `${username}@${input.directory.writable ? 'example.com' : 'corp.example.com'}`,
      directory: input.directory.name,
      active: input.active,
      createdAt: input.createdAt,
      lastLogin: input.lastLogin,
      role: input.role,
    };
    this.users.push(user);
    return user;
  }

  private uniqueUsername(first: string, last: string): string {
    const base = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
    if (!this.taken.has(base)) return base;
    for (;;) {
      const candidate = `${base}${this.random.int(2, 99999)}`;
      if (!this.taken.has(candidate)) return candidate;
    }
  }
}
