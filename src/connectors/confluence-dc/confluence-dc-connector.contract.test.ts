import { test } from 'node:test';
import { describeInstanceConnectorContract } from '../../../test/support/instance-connector-contract.ts';
import { startConfluenceContractSubject } from '../../../test/support/instance-connector-contract-confluence.ts';
import { suiteDatabaseUrl } from '../../../test/support/instance-connector-contract-jira.ts';
import { TEST_DATABASE_ENV } from '../../../test/support/test-databases.ts';
import { EMULATED_VERSIONS, versionAtLeast } from '../../emulators/confluence-dc/emulator-versions.ts';

// Confluence DC under every emulated version and each source Seatkeeper reads it with; the readings are explained in
// src/emulators/confluence-dc/emulator-readings.ts.

/** REST's only last-login source, the admin list of active users, leaves unlicensed and disabled accounts out. */
const REST_LOGINS = 'REST reads last logins from /rest/api/admin/users/list/active, which lists licensed active users only';
/** Whether Confluence sends `email` to administrators is undocumented; the emulator's default reading sends none. */
const NO_EMAIL = 'this reading of Confluence sends no email on /rest/api/user (emailOnUserList: false)';
/** Before 9.3 no REST route says who administers Confluence. */
const NO_ADMIN_VIEW = 'before 9.3 no REST route names administrators: the conventional admin groups and the connecting account are protected';

describeInstanceConnectorContract('Confluence DC 10.2, REST (flattened member lists, last logins of licensed users)', () =>
  startConfluenceContractSubject({ version: '10.2', gaps: { lastLogins: REST_LOGINS, emails: NO_EMAIL } }),
);

describeInstanceConnectorContract('Confluence DC 10.2, REST with direct member lists (nesting through the child-group route)', () =>
  startConfluenceContractSubject({ version: '10.2', readings: { memberLists: 'direct', statusCase: 'upper', emailOnUserList: true }, gaps: { lastLogins: REST_LOGINS } }),
);

// Before 10.2 REST has no last login, so every older version is read with its database (lastLogin: database).
const postgres = suiteDatabaseUrl('postgres');
for (const version of EMULATED_VERSIONS) {
  if (postgres === null) {
    test(`InstanceConnector contract: Confluence DC ${version} with the postgres database`, (t) => t.skip(`${TEST_DATABASE_ENV.postgres} is not set`));
    continue;
  }
  describeInstanceConnectorContract(`Confluence DC ${version} with the postgres database (logins, direct memberships, directories)`, () =>
    startConfluenceContractSubject({
      version,
      database: { kind: 'postgres', serverUrl: postgres },
      gaps: { emails: NO_EMAIL, ...(versionAtLeast(version, '9.3') ? {} : { administrators: NO_ADMIN_VIEW }) },
    }),
  );
}

const mariadb = suiteDatabaseUrl('mariadb');
if (mariadb === null) {
  test('InstanceConnector contract: Confluence DC with the mariadb database', (t) => t.skip(`${TEST_DATABASE_ENV.mariadb} is not set`));
} else {
  describeInstanceConnectorContract('Confluence DC 10.2 with the mariadb database (logins, direct memberships, directories)', () =>
    startConfluenceContractSubject({ version: '10.2', database: { kind: 'mariadb', serverUrl: mariadb }, readings: { emailOnUserList: true } }),
  );
}
