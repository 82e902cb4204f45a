/** Applications of a snapshot: the legacy reading of a scan stored before them, and how a plan names one. */

import type { ApplicationSnapshot, LicenseUsage, PermissionGrants } from './snapshot.ts';

/** The key a scan stored before applications were recorded is read with: every such scan was of a Confluence DC instance. */
export const LEGACY_APPLICATION_KEY = 'confluence';

/** A scan stored before applications were recorded, read as its one `confluence` application from the stored grants. */
export function legacyApplication(grants: Pick<PermissionGrants, 'useGroups' | 'useUsers'>, license: LicenseUsage): ApplicationSnapshot {
  return {
    key: LEGACY_APPLICATION_KEY,
    name: 'Confluence',
    groups: [...grants.useGroups],
    users: [...grants.useUsers],
    defaultGroups: [],
    seatsUsed: license.used,
    seatsMax: license.max,
    unlimited: false,
  };
}

/** The name people know an application by, or its key when the snapshot does not have it. */
export function applicationName(applications: readonly Pick<ApplicationSnapshot, 'key' | 'name'>[], key: string): string {
  return applications.find((a) => a.key === key)?.name ?? key;
}
