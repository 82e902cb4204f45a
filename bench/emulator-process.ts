/**
 * The benchmark's Confluence: the emulator in a process of its own, as a real Confluence runs on another machine, so
 * its CPU and memory are not counted against Seatkeeper. Talks to the parent over IPC.
 */

import { generateOrganisation } from '../src/emulators/confluence-dc/org-generator.ts';
import { startConfluenceEmulator } from '../src/emulators/confluence-dc/confluence-emulator.ts';

const users = Number(process.argv[2] ?? 100_000);
const org = generateOrganisation({ seed: 2026, users, now: new Date() });
const emulator = await startConfluenceEmulator({ org, version: '10.2', recordReads: true });
const caps = { users: 500, groups: 200 };
const pages = (n: number, cap: number) => Math.max(1, Math.ceil(n / cap));

/** The fewest requests a scan can make with these page caps: one per page of every listing, plus the fixed calls. */
function minimumRequests(): number {
  const state = emulator.state;
  const groups = state.allGroups();
  let perGroup = 0;
  for (const g of groups) {
    // The member lists as REST serves them: flattened with child groups' members by default (the likely reading).
    perGroup += pages(state.flattenedMembersOf(g.name).length, caps.groups);
    perGroup += pages(state.childGroupsOf(g.name).length, caps.groups);
  }
  const fixed = 2 /* server-information, user/current */ + 1 /* permissions */ + 2 /* userCount, maxUsers */;
  return fixed + pages(state.allUsers().length, caps.users) + pages(state.activeLicensedUsers().length, caps.users) + pages(groups.length, caps.groups) + perGroup;
}

const memberships = org.memberships.length;
process.send?.({ kind: 'ready', url: emulator.url, token: emulator.credentials.admin.token, users: org.users.length, memberships, groups: org.groups.length });
process.on('message', (message: { kind: string }) => {
  if (message.kind === 'stats') process.send?.({ kind: 'stats', requests: emulator.stats.requests, minimum: minimumRequests(), reads: emulator.stats.reads });
  if (message.kind === 'stop') void emulator.close().then(() => process.exit(0));
});
