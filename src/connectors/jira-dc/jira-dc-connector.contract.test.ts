import { test } from 'node:test';
import { describeInstanceConnectorContract } from '../../../test/support/instance-connector-contract.ts';
import { startJiraContractSubject, suiteDatabaseUrl } from '../../../test/support/instance-connector-contract-jira.ts';
import { TEST_DATABASE_ENV } from '../../../test/support/test-databases.ts';

// Jira DC under each profile Seatkeeper must handle; the readings are explained in src/emulators/jira-dc/jira-readings.ts.

describeInstanceConnectorContract('Jira DC, REST (user/list, flattened member lists, lastLoginTime per user)', () => startJiraContractSubject());

describeInstanceConnectorContract('Jira DC, REST without user/list (paged user search, inactive users included)', () =>
  startJiraContractSubject({ readings: { userListRoute: 'absent' } }),
);

describeInstanceConnectorContract('Jira DC, REST with direct member lists', () =>
  startJiraContractSubject({
    readings: { memberLists: 'direct' },
    gaps: { nesting: "Jira's REST API has no child-group route and this instance's member lists are direct: only the database (cwd_membership) shows nesting" },
  }),
);

describeInstanceConnectorContract('Jira DC, REST with user search capped at the first 100 results', () =>
  startJiraContractSubject({
    readings: { userListRoute: 'absent', userSearchLimit: 'first-100' },
    fillerUsers: 120,
    listingRefused: 'the search stopped at exactly 100 accounts, where Jira 10 cuts results (JRASERVER-78660)',
  }),
);

describeInstanceConnectorContract('Jira DC, REST with expand=groups naming direct groups only', () =>
  startJiraContractSubject({ readings: { userGroupsExpand: 'direct' } }),
);

for (const kind of ['postgres', 'mariadb'] as const) {
  const serverUrl = suiteDatabaseUrl(kind);
  if (serverUrl === null) {
    test(`InstanceConnector contract: Jira DC with the ${kind} database`, (t) => t.skip(`${TEST_DATABASE_ENV[kind]} is not set`));
    continue;
  }
  describeInstanceConnectorContract(`Jira DC with the ${kind} database (logins, direct memberships, admin groups)`, () =>
    startJiraContractSubject({ database: { kind, serverUrl }, config: { adminGroups: ['jira-administrators'] } }),
  );
}
