/** Builds small instance snapshots for domain tests, with every field explicit and defaults that read well. */

import { LEGACY_CONFLUENCE_CAPABILITIES, type InstanceCapabilities } from '../../src/domain/instance-capabilities.ts';
import type { ApplicationSnapshot, InstanceSnapshot, UserSnapshot, PermissionGrants, DirectorySnapshot } from '../../src/domain/snapshot.ts';
import { legacyApplication } from '../../src/domain/applications.ts';

export const NOW = new Date('2026-11-26T12:00:00Z');

/** A date `days` whole days before NOW. */
export function daysAgo(days: number): Date {
  return new Date(NOW.getTime() - days * 86_400_000);
}

export function user(username: string, fields: Partial<UserSnapshot> = {}): UserSnapshot {
  return {
    username,
    userKey: `key-${username}`,
    displayName: username.toUpperCase(),
    email: `${username}@example.com`,
    status: 'active',
    directory: 'Confluence Internal Directory',
    lastLogin: daysAgo(1),
    loginKnown: true,
    createdAt: daysAgo(1000),
    firstSeen: daysAgo(400),
    ...fields,
  };
}

export const DIRECTORIES: readonly DirectorySnapshot[] = [
  { name: 'Confluence Internal Directory', order: 0, active: true, writable: true },
  { name: 'Corporate LDAP', order: 1, active: true, writable: false },
];

export function snapshot(input: {
  users: UserSnapshot[];
  memberships: Record<string, string[]>;
  nesting?: Array<[parent: string, child: string]>;
  grants?: Partial<PermissionGrants>;
  groups?: string[];
  directories?: readonly DirectorySnapshot[];
  readOnlyGroups?: string[];
  connectedAs?: string;
  capabilities?: InstanceCapabilities;
  /** Absent: one `confluence` application from `grants`. */
  applications?: readonly ApplicationSnapshot[];
}): InstanceSnapshot {
  const memberships = Object.entries(input.memberships).flatMap(([group, users]) => users.map((username) => ({ group, username })));
  const nesting = (input.nesting ?? []).map(([parent, child]) => ({ parent, child }));
  const groups = new Set<string>(input.groups ?? []);
  for (const m of memberships) groups.add(m.group);
  for (const n of nesting) {
    groups.add(n.parent);
    groups.add(n.child);
  }
  const grants = {
    useGroups: ['confluence-users'],
    useUsers: [],
    adminGroups: ['confluence-administrators'],
    adminUsers: [],
    source: 'permissions-api' as const,
    ...input.grants,
  };
  const license = { used: null, max: 100 };
  return {
    instance: 'wiki',
    scanId: 'scan_test',
    takenAt: NOW,
    connectedAs: input.connectedAs ?? 'admin',
    lastLoginSource: 'rest',
    capabilities: input.capabilities ?? LEGACY_CONFLUENCE_CAPABILITIES,
    users: input.users,
    groups: [...groups].sort(),
    readOnlyGroups: input.readOnlyGroups ?? [],
    memberships,
    nesting,
    applications: input.applications ?? [legacyApplication(grants, license)],
    grants,
    license,
    directories: input.directories ?? DIRECTORIES,
  };
}
