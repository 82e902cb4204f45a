/**
 * A seeded, realistic Confluence Data Center organisation as plain data: directories, users, groups,
 * nesting, global permissions and credentials. The emulator, the database mirror and the benchmark all
 * start from this one description, so a seed means the same organisation everywhere.
 */

import { seededRandom, type SeededRandom } from '../seeded-random.ts';
import { FIRST_NAMES, LAST_NAMES } from './org-names.ts';

/** A global permission as `targetType/operationKey`, the pairs Confluence's permissions API accepts. */
export type PermissionKey =
  | 'application/use'
  | 'application/administer'
  | 'system/administer'
  | 'personal_space/create'
  | 'space/create';

/** Every permission pair Confluence's global permissions API supports. */
export const PERMISSION_KEYS: readonly PermissionKey[] = [
  'application/use',
  'application/administer',
  'system/administer',
  'personal_space/create',
  'space/create',
];

/** A user directory; `writable: false` is LDAP "read only, with local groups". */
export interface DirectorySeed {
  readonly id: number;
  readonly name: string;
  readonly order: number;
  readonly active: boolean;
  readonly writable: boolean;
  /** cwd_directory.directory_type as Confluence stores it. */
  readonly type: 'INTERNAL' | 'CONNECTOR';
}

/** Why a generated account exists; for tests and demos, never served over REST. */
export type UserRole = 'person' | 'administrator' | 'service';

/** One user account. Dates are instants; `lastLogin: null` = never logged in. */
export interface UserSeed {
  readonly id: number;
  readonly username: string;
  readonly userKey: string;
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

/** A group; `local` marks a Confluence-local group inside a read-only LDAP directory (writable there). */
export interface GroupSeed {
  readonly id: number;
  readonly name: string;
  readonly directory: string;
  readonly local: boolean;
  readonly description: string;
}

/** A global permission held by a group or by one user directly. */
export interface GrantSeed {
  readonly subject: { readonly type: 'group'; readonly name: string } | { readonly type: 'user'; readonly username: string };
  readonly permission: PermissionKey;
}

/** How a test or the demo logs in: Basic with `password`, or `Authorization: Bearer <token>`. */
export interface CredentialSeed {
  readonly username: string;
  readonly password: string;
  readonly token: string;
}

/** The whole organisation, as plain data. */
export interface OrgSeed {
  readonly seed: number;
  readonly generatedAt: Date;
  readonly directories: readonly DirectorySeed[];
  readonly users: readonly UserSeed[];
  readonly groups: readonly GroupSeed[];
  readonly memberships: readonly { readonly group: string; readonly username: string }[];
  readonly nesting: readonly { readonly parent: string; readonly child: string }[];
  readonly grants: readonly GrantSeed[];
  /** Licence tier: seats the instance may use. */
  readonly maxUsers: number;
  /** `admin` is the system administrator Seatkeeper connects as; `user` is a licensed non-admin (for 403 tests). */
  readonly credentials: { readonly admin: CredentialSeed; readonly user: CredentialSeed };
}

/** Options of {@link generateOrganisation}; only `seed`, `users` and `now` are required. */
export interface OrganisationOptions {
  readonly seed: number;
  /** Total accounts, fixed ones (admin, service accounts) included; at least 20. */
  readonly users: number;
  readonly now: Date;
  /** Licence seats; default: the smallest Data Center tier that fits the licensed users. */
  readonly maxUsers?: number;
  /** Share of people who never logged in (default 0.05). */
  readonly neverLoggedInShare?: number;
  /** Share of disabled accounts (default 0.03). */
  readonly disabledShare?: number;
  /** Share of administrators (default 0.01). */
  readonly administratorShare?: number;
  /** Share of people from the read-only LDAP directory (default 0.7). */
  readonly ldapShare?: number;
  /**
   * Extra internal groups whose names contain '/' (e.g. `eng/platform`), each with a few members; default 0.
   * Public client code reports group routes cannot address such names. Drawn from a generator of their
   * own, so the rest of the organisation is the same whatever this is.
   */
  readonly slashGroups?: number;
}

/** Directory names, as the rest of the emulator and the tests refer to them. */
export const INTERNAL_DIRECTORY = 'Confluence Internal Directory';
export const LDAP_DIRECTORY = 'Corporate LDAP';

const DAY = 86_400_000;
const LICENCE_TIERS = [10, 25, 50, 100, 250, 500, 1000, 2000, 3000, 4000, 5000, 7500, 10000, 15000, 20000, 25000, 30000,
  35000, 40000, 45000, 50000, 60000, 70000, 80000, 90000, 100000, 125000, 150000, 200000, 250000, 500000];

/** Department groups: local groups nested inside `staff`, so their members hold a seat only through nesting. */
const DEPARTMENTS: readonly (readonly [string, number])[] = [
  ['engineering', 30], ['sales', 14], ['support', 14], ['operations', 12], ['marketing', 9],
  ['finance', 7], ['hr', 5], ['legal', 3], ['research', 6],
];

const SERVICE_ACCOUNTS: readonly { readonly username: string; readonly displayName: string; readonly neverLoggedIn: boolean }[] = [
  { username: 'svc-backup', displayName: 'Backup Service', neverLoggedIn: true },
  { username: 'svc-jira-link', displayName: 'Jira Application Link', neverLoggedIn: false },
  { username: 'svc-monitoring', displayName: 'Monitoring Probe', neverLoggedIn: false },
  { username: 'svc-ci', displayName: 'CI Publisher', neverLoggedIn: false },
];

/** Builds the organisation for a seed; the same options always give the same organisation. */
export function generateOrganisation(options: OrganisationOptions): OrgSeed {
  if (!Number.isInteger(options.users) || options.users < 20) throw new RangeError('users must be an integer of at least 20');
  const random = seededRandom(options.seed);
  const now = options.now.getTime();
  const builder = new OrgBuilder(random, options.seed);

  const internal: DirectorySeed = { id: 98305, name: INTERNAL_DIRECTORY, order: 0, active: true, writable: true, type: 'INTERNAL' };
  const ldap: DirectorySeed = { id: 5111809, name: LDAP_DIRECTORY, order: 1, active: true, writable: false, type: 'CONNECTOR' };

  builder.group('confluence-users', internal, false, 'Default licence group');
  builder.group('confluence-administrators', internal, false, 'System administrators');
  builder.group('confluence-inactive-users', internal, false, 'Tracking group for reclaimed licences (starts empty)');
  builder.group('newsletter', internal, false, 'Mailing list; grants nothing');
  builder.group('project phoenix', internal, false, 'Project team; its name has a space (URL-encoding in paths)');
  builder.group('staff', ldap, true, 'All staff; grants "can use" and holds the departments');
  for (const [department] of DEPARTMENTS) {
    builder.group(department, ldap, true, `Department: ${department}`);
    builder.nest('staff', department);
  }
  builder.group('all-employees', ldap, false, 'LDAP-synchronised; read-only; grants nothing');
  builder.group('wiki-access', ldap, false, 'LDAP-synchronised; read-only; grants "can use"');

  const userPermissions: readonly PermissionKey[] = ['application/use', 'personal_space/create', 'space/create'];
  const adminPermissions: readonly PermissionKey[] = ['system/administer', 'application/administer', 'application/use'];
  const grants: GrantSeed[] = [
    ...userPermissions.map((permission) => groupGrant('confluence-users', permission)),
    ...adminPermissions.map((permission) => groupGrant('confluence-administrators', permission)),
    groupGrant('staff', 'application/use'),
    groupGrant('wiki-access', 'application/use'),
  ];

  const admin = builder.user({
    first: 'Confluence', last: 'Administrator', username: 'admin', directory: internal, active: true, role: 'administrator',
    createdAt: new Date(now - 6 * 365 * DAY), lastLogin: new Date(now - 3_600_000),
  });
  builder.member('confluence-administrators', admin.username);
  builder.member('confluence-users', admin.username);

  for (const account of SERVICE_ACCOUNTS) {
    const created = now - random.int(400, 2000) * DAY;
    const user = builder.user({
      first: account.displayName, last: '', username: account.username, directory: internal, active: true, role: 'service',
      createdAt: new Date(created), lastLogin: account.neverLoggedIn ? null : new Date(now - random.int(60_000, 2 * DAY)),
    });
    builder.member('confluence-users', user.username);
  }

  const neverShare = options.neverLoggedInShare ?? 0.05;
  const disabledShare = options.disabledShare ?? 0.03;
  const adminShare = options.administratorShare ?? 0.01;
  const ldapShare = options.ldapShare ?? 0.7;
  let regularUser: UserSeed | null = null;

  while (builder.users.length < options.users) {
    const fromLdap = random.chance(ldapShare);
    const directory = fromLdap ? ldap : internal;
    const active = !random.chance(disabledShare);
    const lastLogin = random.chance(neverShare) ? null : lastLoginFor(random, now, active);
    const createdAt = createdAtFor(random, now, lastLogin);
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    const isAdmin = active && lastLogin !== null && random.chance(adminShare);
    const user = builder.user({ first, last, directory, active, role: isAdmin ? 'administrator' : 'person', createdAt, lastLogin });

    if (isAdmin) builder.member('confluence-administrators', user.username);
    const path = random.next();
    if (path < 0.03) {
      // Unlicensed account: exists, may log in somewhere else, holds no seat here.
    } else if (path < 0.032) {
      grants.push({ subject: { type: 'user', username: user.username }, permission: 'application/use' });
    } else if (fromLdap && path < 0.1) {
      builder.member('wiki-access', user.username);
    } else {
      const inConfluenceUsers = random.chance(fromLdap ? 0.45 : 0.8);
      if (inConfluenceUsers) builder.member('confluence-users', user.username);
      // Without a department, a user outside confluence-users would hold no seat; give them one.
      if (!inConfluenceUsers || random.chance(0.9)) builder.member(random.weighted(DEPARTMENTS), user.username);
      if (random.chance(0.08)) builder.member(random.weighted(DEPARTMENTS), user.username);
      if (inConfluenceUsers && !isAdmin && active && regularUser === null) regularUser = user;
    }
    if (fromLdap) builder.member('all-employees', user.username);
    if (random.chance(0.28)) builder.member('newsletter', user.username);
    if (random.chance(0.03)) builder.member('project phoenix', user.username);
  }

  addSlashGroups(builder, internal, options.slashGroups ?? 0, options.seed);

  if (regularUser === null) throw new RangeError('the organisation is too small to hold a licensed non-admin user');
  const licensed = countLicensed(builder, grants);
  const maxUsers = options.maxUsers ?? LICENCE_TIERS.find((tier) => tier >= licensed) ?? licensed;

  return {
    seed: options.seed,
    generatedAt: new Date(now),
    directories: [internal, ldap],
    users: builder.users,
    groups: builder.groups,
    memberships: builder.memberships,
    nesting: builder.nesting,
    grants,
    maxUsers,
    credentials: { admin: credentialFor(random, admin.username), user: credentialFor(random, regularUser.username) },
  };
}

const SLASH_GROUPS = ['eng/platform', 'eng/mobile', 'sales/emea', 'support/tier-2', 'ops/on-call', 'research/labs'];

/** `count` groups named with a '/', after every other draw, each with 2–6 members picked from the people. */
function addSlashGroups(builder: OrgBuilder, directory: DirectorySeed, count: number, seed: number): void {
  if (!Number.isInteger(count) || count < 0) throw new RangeError('slashGroups must be a non-negative integer');
  if (count === 0) return;
  const random = seededRandom((seed ^ 0x2f2f2f2f) >>> 0);
  const people = builder.users.filter((user) => user.role === 'person');
  for (let index = 0; index < count; index++) {
    const name = SLASH_GROUPS[index] ?? `team/${index + 1}`;
    builder.group(name, directory, false, 'Its name has a "/", which group routes cannot address');
    const chosen = new Set<string>();
    const wanted = Math.min(random.int(2, 6), people.length);
    while (chosen.size < wanted) chosen.add(random.pick(people).username);
    for (const username of chosen) builder.member(name, username);
  }
}

function groupGrant(name: string, permission: PermissionKey): GrantSeed {
  return { subject: { type: 'group', name }, permission };
}

/** Skewed: most people logged in this month, a long tail reaches three years back; disabled accounts skew old. */
function lastLoginFor(random: SeededRandom, now: number, active: boolean): Date {
  const bucket = active ? random.next() : 0.7 + random.next() * 0.3;
  let days: number;
  if (bucket < 0.65) days = 30 * random.next() ** 2;
  else if (bucket < 0.77) days = 30 + 60 * random.next();
  else if (bucket < 0.9) days = 90 + 275 * random.next();
  else days = 365 + 730 * random.next();
  return new Date(now - Math.round(days * DAY) - random.int(0, 3_600_000));
}

/** Created before the last login; people who never logged in include fresh hires (< 30 days). */
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
  // Confluence DC personal access tokens are 44 base64 characters.
  for (let i = 0; i < 44; i++) token += alphabet.charAt(random.int(0, 63));
  return { username, password: `${username}-${random.int(100000, 999999)}`, token };
}

/** Seats held at generation time; the same rule as the emulator state, without its indexes. */
function countLicensed(builder: OrgBuilder, grants: readonly GrantSeed[]): number {
  const useGroups = new Set<string>();
  const useUsers = new Set<string>();
  for (const grant of grants) {
    if (grant.permission !== 'application/use') continue;
    if (grant.subject.type === 'group') useGroups.add(grant.subject.name);
    else useUsers.add(grant.subject.username);
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const { parent, child } of builder.nesting) {
      if (useGroups.has(parent) && !useGroups.has(child)) {
        useGroups.add(child);
        grew = true;
      }
    }
  }
  const licensed = new Set<string>(useUsers);
  for (const { group, username } of builder.memberships) if (useGroups.has(group)) licensed.add(username);
  return builder.users.filter((user) => user.active && licensed.has(user.username)).length;
}

/** Accumulates the organisation and keeps usernames unique. */
class OrgBuilder {
  readonly users: UserSeed[] = [];
  readonly groups: GroupSeed[] = [];
  readonly memberships: { group: string; username: string }[] = [];
  readonly nesting: { parent: string; child: string }[] = [];
  private readonly taken = new Set<string>();
  private readonly memberKeys = new Set<string>();
  private readonly keyPrefix: string;

  constructor(
    private readonly random: SeededRandom,
    seed: number,
  ) {
    this.keyPrefix = (seed >>> 0).toString(16).padStart(8, '0');
  }

  group(name: string, directory: DirectorySeed, local: boolean, description: string): void {
    this.groups.push({ id: 819201 + this.groups.length, name, directory: directory.name, local, description });
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
    createdAt: Date; lastLogin: Date | null;
  }): UserSeed {
    const username = input.username ?? this.uniqueUsername(input.first, input.last);
    this.taken.add(username);
    const index = this.users.length;
    const displayName = input.last === '' ? input.first : `${input.first} ${input.last}`;
    const user: UserSeed = {
      id: 1_048_577 + index,
      username,
      // Confluence user keys are 32 hex characters, stable across renames.
      userKey: `8a7f808a${this.keyPrefix}${index.toString(16).padStart(16, '0')}`,
      firstName: input.first,
      lastName: input.last,
      displayName,
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
      const candidate = `${base}${this.random.int(2, 9999)}`;
      if (!this.taken.has(candidate)) return candidate;
    }
  }
}
