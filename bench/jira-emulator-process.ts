/**
 * The benchmark's Jira: the Jira DC emulator in a process of its own, as bench/emulator-process.ts runs Confluence,
 * so its CPU and memory are not counted against Seatkeeper. With a database URL (argv[3]: a PostgreSQL schema via
 * `options=-c search_path=…`, or a MariaDB/MySQL database, created empty by the parent) it first writes its database
 * mirror there, as a Jira keeps its users in its own database. Talks to the parent over IPC.
 */

import { generateJiraOrganisation } from '../src/emulators/jira-dc/jira-org-generator.ts';
import { startJiraEmulator } from '../src/emulators/jira-dc/jira-emulator.ts';
import { writeJiraDatabase } from '../src/emulators/jira-dc/jira-database.ts';

const users = Number(process.argv[2] ?? 100_000);
const databaseUrl = process.argv[3];
const org = generateJiraOrganisation({ seed: 2026, users, now: new Date() });
const emulator = await startJiraEmulator({ org, recordReads: true });
const database = databaseUrl === undefined || databaseUrl === '' ? null : await writeJiraDatabase(databaseUrl, emulator.state);
/** The emulator's default caps (readings userListCap cap-2000, groupMemberCap cap-50); the connector asks for no less. */
const caps = { userList: 2000, groupMembers: 50 };
const pages = (n: number, cap: number) => Math.max(1, Math.ceil(n / cap));
/** Routes a scan reads once however large the instance (server info, caller, permissions, application roles, …). */
const paged = new Set(['GET /rest/api/2/user/list', 'GET /rest/api/2/group/member', 'GET /rest/api/2/user']);

/**
 * The fewest requests the routes this scan used allow with these page caps: one per page of the user stream, one per
 * page of every group's (flattened) active member list if it read member lists over REST, one per account if it read
 * last logins per account, and one for each other route it called (as many as it made, for a lookup or two).
 */
function minimumRequests(byRoute: ReadonlyMap<string, number>): number {
  const state = emulator.state;
  let minimum = 0;
  for (const id of byRoute.keys()) {
    if (!paged.has(id)) minimum += 1;
  }
  if (byRoute.has('GET /rest/api/2/user/list')) minimum += pages(state.streamUsers().length, caps.userList);
  // Called more than once: last logins read per account (lastLogin: rest); once or twice is a single lookup.
  const userReads = byRoute.get('GET /rest/api/2/user') ?? 0;
  minimum += userReads > 2 ? state.allUsers().length : userReads;
  if (byRoute.has('GET /rest/api/2/group/member')) {
    for (const g of state.allGroups()) minimum += pages(state.flattenedMembersOf(g.name).filter((u) => u.active).length, caps.groupMembers);
  }
  return minimum;
}

process.send?.({
  kind: 'ready', url: emulator.url, token: emulator.credentials.admin.token, users: org.users.length, memberships: org.memberships.length,
  groups: org.groups.length, database,
});
process.on('message', (message: { kind: string }) => {
  if (message.kind === 'stats') {
    process.send?.({ kind: 'stats', requests: emulator.stats.requests, minimum: minimumRequests(emulator.stats.byRoute), reads: emulator.stats.reads,
      byRoute: Object.fromEntries(emulator.stats.byRoute) });
  }
  if (message.kind === 'stop') void emulator.close().then(() => process.exit(0));
});
