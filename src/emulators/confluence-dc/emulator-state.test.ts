import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmulatorState } from './emulator-state.ts';
import { generateOrganisation, type OrgSeed } from './org-generator.ts';

const NOW = new Date('2026-01-15T12:00:00Z');

/** Seats by brute force from the seed: walks each user's groups up through every ancestor. */
function bruteForceSeats(org: OrgSeed): Set<string> {
  const useGroups = new Set(org.grants.flatMap((g) => (g.subject.type === 'group' && g.permission === 'application/use' ? [g.subject.name] : [])));
  const useUsers = new Set(org.grants.flatMap((g) => (g.subject.type === 'user' && g.permission === 'application/use' ? [g.subject.username] : [])));
  const parents = (group: string) => org.nesting.filter((n) => n.child === group).map((n) => n.parent);
  const grantsUse = (group: string): boolean => useGroups.has(group) || parents(group).some(grantsUse);
  const activeDirectories = new Set(org.directories.filter((d) => d.active).map((d) => d.name));
  const seats = new Set<string>();
  for (const user of org.users) {
    if (!user.active || !activeDirectories.has(user.directory)) continue;
    const groups = org.memberships.filter((m) => m.username === user.username).map((m) => m.group);
    if (useUsers.has(user.username) || groups.some(grantsUse)) seats.add(user.username);
  }
  return seats;
}

function fixture(users = 400, maxUsers?: number): { org: OrgSeed; state: EmulatorState } {
  const org = generateOrganisation({ seed: 31, users, now: NOW, ...(maxUsers === undefined ? {} : { maxUsers }) });
  let tick = 0;
  return { org, state: new EmulatorState(org, { clock: () => new Date(NOW.getTime() + ++tick * 1000) }) };
}

test('licence count equals Confluence\'s rule: active, active directory, "can use" directly or via nested groups', () => {
  const { org, state } = fixture(1_500);
  const expected = bruteForceSeats(org);
  assert.equal(state.licensedCount(), expected.size);
  for (const user of org.users) assert.equal(state.holdsSeat(user.username), expected.has(user.username), user.username);

  const nestedOnly = org.users.find((u) => {
    const groups = state.groupsOf(u.username).map((g) => g.name);
    return u.active && groups.includes('engineering') && !groups.includes('confluence-users') && !groups.includes('wiki-access');
  });
  assert.ok(nestedOnly !== undefined);
  assert.equal(state.holdsSeat(nestedOnly.username), true, 'seat through engineering ⊂ staff');
  const directGrant = org.grants.find((g) => g.subject.type === 'user');
  assert.ok(directGrant?.subject.type === 'user');
  const grantee = org.users.find((u) => u.username === (directGrant.subject.type === 'user' ? directGrant.subject.username : ''));
  assert.equal(state.holdsSeat(grantee!.username), grantee!.active, 'seat through an individual grant');
});

test('writes keep the count exact: removing the nested group frees the seat, disabling frees it too', () => {
  const { state } = fixture(800);
  const user = state.allUsers().find((u) => {
    const groups = state.groupsOf(u.username).map((g) => g.name);
    return u.active && groups.length === 1 && groups[0] === 'engineering' && state.userPermissions(u.username).length === 0;
  }) ?? state.allUsers().find((u) => u.active && state.groupsOf(u.username).some((g) => g.name === 'engineering')
    && state.groupsOf(u.username).every((g) => ['engineering', 'all-employees', 'newsletter'].includes(g.name)));
  assert.ok(user !== undefined, 'a user licensed only through engineering');
  const before = state.licensedCount();
  assert.deepEqual(state.removeMembership(user.username, 'engineering'), { result: 'changed' });
  assert.equal(state.holdsSeat(user.username), false);
  assert.equal(state.licensedCount(), before - 1);
  assert.deepEqual(state.addMembership(user.username, 'engineering'), { result: 'changed' });
  assert.equal(state.licensedCount(), before);

  const internal = state.allUsers().find((u) => u.directory === 'Confluence Internal Directory' && u.active && state.holdsSeat(u.username) && u.username !== 'admin');
  assert.ok(internal !== undefined);
  assert.deepEqual(state.setActive(internal.username, false), { result: 'changed' });
  assert.equal(state.licensedCount(), before - 1);
  assert.equal(state.activeLicensedUsers().some((u) => u.username === internal.username), false, 'disabled users leave the active list');
});

test('idempotent writes change nothing and are not recorded; real changes are recorded once, in order', () => {
  const { state } = fixture();
  const user = state.allUsers().find((u) => u.directory === 'Confluence Internal Directory' && u.active && u.username !== 'admin')!;
  const group = state.groupsOf(user.username).some((g) => g.name === 'newsletter') ? 'project phoenix' : 'newsletter';
  assert.deepEqual(state.addMembership(user.username, group), { result: 'changed' });
  assert.deepEqual(state.addMembership(user.username, group), { result: 'unchanged' });
  assert.deepEqual(state.removeMembership(user.username, group), { result: 'changed' });
  assert.deepEqual(state.removeMembership(user.username, group), { result: 'unchanged' });
  assert.deepEqual(state.setActive(user.username, false), { result: 'changed' });
  assert.deepEqual(state.setActive(user.username, false), { result: 'unchanged' });
  assert.deepEqual(state.grantPermission(user.username, 'space/create'), { result: 'changed' });
  assert.deepEqual(state.grantPermission(user.username, 'space/create'), { result: 'unchanged' });
  assert.deepEqual(state.updateProfile(user.username, { email: 'new@example.com' }), { result: 'changed' });
  assert.deepEqual(state.updateProfile(user.username, { email: 'new@example.com' }), { result: 'unchanged' });
  assert.deepEqual(
    state.changes.map((c) => [c.seq, c.kind, c.username, c.group ?? c.permission ?? null]),
    [
      [1, 'add-group', user.username, group],
      [2, 'remove-group', user.username, group],
      [3, 'disable', user.username, null],
      [4, 'grant-permission', user.username, 'space/create'],
      [5, 'update-profile', user.username, null],
    ],
  );
  assert.ok(state.changes.every((c, i) => i === 0 || c.at > state.changes[i - 1]!.at), 'time stamps from the injected clock');
});

test('read-only directory: LDAP groups refuse membership changes, LDAP users refuse disable; local groups accept', () => {
  const { state } = fixture();
  const ldapUser = state.allUsers().find((u) => u.directory === 'Corporate LDAP' && u.active)!;
  const refusal = state.addMembership(ldapUser.username, 'wiki-access');
  assert.equal(refusal.result, 'refused');
  assert.equal(refusal.result === 'refused' && refusal.reason, 'read-only');
  assert.equal(state.removeMembership(ldapUser.username, 'all-employees').result, 'refused');
  assert.equal(state.setActive(ldapUser.username, false).result, 'refused');
  assert.equal(state.updateProfile(ldapUser.username, { fullName: 'X' }).result, 'refused');
  const local = state.groupsOf(ldapUser.username).some((g) => g.name === 'newsletter') ? 'project phoenix' : 'newsletter';
  assert.deepEqual(state.addMembership(ldapUser.username, local), { result: 'changed' });
  assert.equal(state.changes.length, 1, 'refusals are not recorded');
});

test('no seat left: adding to a licensing group, granting use or enabling is refused; non-licensing groups still work', () => {
  const { state } = fixture(400);
  state.maxUsers = state.licensedCount();
  const unlicensed = state.allUsers().find((u) => u.active && !state.holdsSeat(u.username) && u.directory === 'Confluence Internal Directory');
  assert.ok(unlicensed !== undefined, 'an active unlicensed internal user');
  const full = state.addMembership(unlicensed.username, 'confluence-users');
  assert.equal(full.result === 'refused' && full.reason, 'licence-full');
  assert.equal(state.addMembership(unlicensed.username, 'engineering').result, 'refused', 'nested licensing group counts too');
  assert.equal(state.grantPermission(unlicensed.username, 'application/use').result, 'refused');
  const newsletter = state.groupsOf(unlicensed.username).some((g) => g.name === 'newsletter') ? 'project phoenix' : 'newsletter';
  assert.deepEqual(state.addMembership(unlicensed.username, newsletter), { result: 'changed' });

  const licensed = state.allUsers().find((u) => u.active && state.holdsSeat(u.username) && u.directory === 'Confluence Internal Directory' && u.username !== 'admin')!;
  assert.deepEqual(state.setActive(licensed.username, false), { result: 'changed' });
  assert.deepEqual(state.addMembership(unlicensed.username, 'confluence-users'), { result: 'changed' }, 'the freed seat is taken');
  assert.equal(state.setActive(licensed.username, true).result, 'refused', 'enabling would exceed the licence');
  assert.equal(state.licensedCount(), state.maxUsers);
});

test('direct "can use" grant and revoke move the seat; the active list is sorted by last login, never-logged-in first', () => {
  const { state } = fixture();
  const unlicensed = state.allUsers().find((u) => u.active && !state.holdsSeat(u.username))!;
  const before = state.licensedCount();
  assert.deepEqual(state.grantPermission(unlicensed.username, 'application/use'), { result: 'changed' });
  assert.equal(state.licensedCount(), before + 1);
  assert.deepEqual(state.revokePermission(unlicensed.username, 'application/use'), { result: 'changed' });
  assert.equal(state.licensedCount(), before);
  assert.deepEqual(state.changes.map((c) => c.kind), ['grant-use', 'revoke-use-grant']);

  const list = state.activeLicensedUsers();
  assert.equal(list.length, state.licensedCount());
  const times = list.map((u) => u.lastLogin?.getTime() ?? -Infinity);
  assert.deepEqual(times, [...times].sort((a, b) => a - b));
  const someone = list[list.length - 1]!;
  state.recordLogin(list[0]!.username, new Date(NOW.getTime() + 60_000));
  assert.equal(state.activeLicensedUsers().at(-1)!.username, list[0]!.username, 'a fresh login moves the user to the end');
  assert.notEqual(someone.username, list[0]!.username);
  assert.equal(state.changes.length, 2, 'logins are not writes');
});

test('administrators are found through nested and direct grants; authentication rejects disabled users', () => {
  const { org, state } = fixture();
  assert.equal(state.isAdministrator('admin'), true);
  assert.equal(state.isAdministrator(org.credentials.user.username), false);
  assert.equal(state.authenticate({ token: org.credentials.admin.token })?.username, 'admin');
  assert.equal(state.authenticate({ username: 'ADMIN', password: org.credentials.admin.password })?.username, 'admin');
  assert.equal(state.authenticate({ username: 'admin', password: 'wrong' }), null);
  assert.equal(state.authenticate({ token: 'nope' }), null);
  const internal = state.allUsers().find((u) => u.directory === 'Confluence Internal Directory' && u.active && u.username !== 'admin')!;
  state.addCredential({ username: internal.username, password: 'pw', token: 'tok' });
  assert.equal(state.authenticate({ token: 'tok' })?.username, internal.username);
  state.setActive(internal.username, false);
  assert.equal(state.authenticate({ token: 'tok' }), null, 'a disabled user cannot log in');
  assert.equal(state.authenticate({ username: internal.username, password: 'pw' }), null);
});

test('100,000 users: state builds and answers counts without scanning users per request', () => {
  const org = generateOrganisation({ seed: 77, users: 100_000, now: NOW });
  const started = performance.now();
  const state = new EmulatorState(org);
  const built = performance.now() - started;
  const t0 = performance.now();
  for (let i = 0; i < 10_000; i++) state.licensedCount();
  const user = state.allUsers().find((u) => u.directory === 'Confluence Internal Directory' && u.active && u.username !== 'admin')!;
  for (let i = 0; i < 1_000; i++) {
    state.addMembership(user.username, 'newsletter');
    state.removeMembership(user.username, 'newsletter');
  }
  console.log(`EmulatorState: 100,000 users built in ${Math.round(built)} ms; 10,000 counts + 2,000 writes in ${Math.round(performance.now() - t0)} ms`);
  assert.equal(state.licensedCount(), bruteForceCount(org));
});

function bruteForceCount(org: OrgSeed): number {
  // Linear version of bruteForceSeats for the large organisation (nesting is one level deep there).
  const useGroups = new Set(org.grants.flatMap((g) => (g.subject.type === 'group' && g.permission === 'application/use' ? [g.subject.name] : [])));
  for (const n of org.nesting) if (useGroups.has(n.parent)) useGroups.add(n.child);
  const seat = new Set(org.grants.flatMap((g) => (g.subject.type === 'user' && g.permission === 'application/use' ? [g.subject.username] : [])));
  for (const m of org.memberships) if (useGroups.has(m.group)) seat.add(m.username);
  return org.users.filter((u) => u.active && seat.has(u.username)).length;
}
