/** The port an organisation directory implements (LDAP/AD, Okta, Entra ID, Google, SCIM, Crowd, any HTTP source). */

import type { OrgStatus } from '../domain/policy.ts';

export type { OrgStatus };

export interface OrgDirectory {
  readonly id: string;
  /** Which field of a Confluence user is looked up in the directory. */
  readonly matchOn: 'username' | 'email';
  /**
   * Every person the directory knows, by the matched key (lower-cased), with their status. Throws ConnectorError when
   * the answer cannot be trusted (an empty or partial answer would make everyone a leaver).
   */
  people(signal?: AbortSignal): Promise<Map<string, Exclude<OrgStatus, 'not-found'>>>;
}
