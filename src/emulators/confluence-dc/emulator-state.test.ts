import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmulatorState } from './emulator-state.ts';
import { generateOrganisation, INTERNAL_DIRECTORY, type OrgSeed } from './org-generator.ts';
import { seededRandom } from '../seeded-random.ts';

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

function fixture(users = 400, licenceFull: 'allow' | 'refuse-402' = 'allow'): { org: OrgSeed; state: EmulatorState } {
  const org = generateOrganisation({ seed: 31, users, now: NOW });
  let tick = 0;
  return { org, state: new EmulatorState(org, { clock: () => new Date(NOW.getTime() + ++tick * 1000), licenceFull }) };
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

test('licenceFull \'refuse-402\', no seat left: adding to a licensing group, granting use or enabling is refused; non-licensing groups still work', () => {
  const { state } = fixture(400, 'refuse-402');
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

test('licenceFull \'allow\' (default): writes beyond maxUsers succeed and seats exceed the licence', () => {
  const { state } = fixture(400);
  assert.equal(state.licenceFull, 'allow');
  state.maxUsers = state.licensedCount();
  const unlicensed = state.allUsers().filter((u) => u.active && !state.holdsSeat(u.username) && u.directory === INTERNAL_DIRECTORY);
  assert.ok(unlicensed.length >= 2);
  const [first, second] = unlicensed;
  assert.deepEqual(state.addMembership(first!.username, 'confluence-users'), { result: 'changed' });
  assert.deepEqual(state.grantPermission(second!.username, 'application/use'), { result: 'changed' });
  assert.equal(state.licensedCount(), state.maxUsers + 2);
  const licensed = state.allUsers().find((u) => u.active && state.holdsSeat(u.username) && u.directory === INTERNAL_DIRECTORY && u.username !== 'admin')!;
  assert.deepEqual(state.setActive(licensed.username, false), { result: 'changed' });
  assert.deepEqual(state.setActive(licensed.username, true), { result: 'changed' }, 'enabling is not refused either');
});

test('statusOf: CURRENT with a seat, UNLICENSED without, DEACTIVATED when disabled, EXTERNALLY_DELETED when marked', () => {
  const { state } = fixture();
  const internal = (seat: boolean) => state.allUsers().find((u) => u.active && u.directory === INTERNAL_DIRECTORY && u.username !== 'admin'
    && state.holdsSeat(u.username) === seat)!;
  const licensed = internal(true);
  const unlicensed = internal(false);
  assert.equal(state.statusOf(licensed.username), 'CURRENT');
  assert.equal(state.statusOf(unlicensed.username), 'UNLICENSED');
  state.setActive(licensed.username, false);
  assert.equal(state.statusOf(licensed.username), 'DEACTIVATED');
  assert.throws(() => state.statusOf('nobody'), RangeError);
});

test('markExternallyDeleted: still listed, inactive, no seat, cannot log in, enable refused; not a recorded write', () => {
  const { state } = fixture();
  const user = state.allUsers().find((u) => u.active && state.holdsSeat(u.username) && u.directory === INTERNAL_DIRECTORY && u.username !== 'admin')!;
  state.addCredential({ username: user.username, password: 'pw', token: 'deleted-token' });
  assert.equal(state.authenticate({ token: 'deleted-token' })?.username, user.username);
  const seats = state.licensedCount();
  state.markExternallyDeleted(user.username);
  const after = state.findUser(user.username);
  assert.deepEqual([after?.active, after?.externallyDeleted], [false, true]);
  assert.ok(state.allUsers().some((u) => u.username === user.username), 'still listed');
  assert.equal(state.holdsSeat(user.username), false);
  assert.equal(state.licensedCount(), seats - 1);
  assert.equal(state.activeLicensedUsers().some((u) => u.username === user.username), false);
  assert.equal(state.statusOf(user.username), 'EXTERNALLY_DELETED');
  assert.equal(state.authenticate({ token: 'deleted-token' }), null);
  const enable = state.setActive(user.username, true);
  assert.equal(enable.result === 'refused' && enable.reason, 'externally-deleted');
  assert.deepEqual(state.setActive(user.username, false), { result: 'unchanged' });
  assert.equal(state.changes.length, 0);
  assert.throws(() => state.markExternallyDeleted('nobody'), RangeError);
});

test('revoking "can use" removes every permission the user holds individually, one change each; group grants stay', () => {
  const { state } = fixture();
  const user = state.allUsers().find((u) => u.active && u.directory === INTERNAL_DIRECTORY && u.username !== 'admin' && state.userPermissions(u.username).length === 0)!;
  for (const permission of ['space/create', 'application/use', 'personal_space/create'] as const) state.grantPermission(user.username, permission);
  const groupGrants = state.permissions().filter((p) => p.subject === 'group').map((p) => `${p.subject === 'group' ? p.group.name : ''}:${p.permission}`);
  const before = state.changes.length;
  assert.deepEqual(state.revokePermission(user.username, 'application/use'), { result: 'changed' });
  assert.deepEqual(state.userPermissions(user.username), []);
  assert.deepEqual(state.changes.slice(before).map((c) => [c.kind, c.username, c.permission ?? null]), [
    ['revoke-use-grant', user.username, null],
    ['revoke-permission', user.username, 'personal_space/create'],
    ['revoke-permission', user.username, 'space/create'],
  ]);
  assert.deepEqual(state.permissions().filter((p) => p.subject === 'group').map((p) => `${p.subject === 'group' ? p.group.name : ''}:${p.permission}`), groupGrants);
  assert.deepEqual(state.revokePermission(user.username, 'application/use'), { result: 'unchanged' });

  // Another permission alone is revoked alone.
  state.grantPermission(user.username, 'space/create');
  state.grantPermission(user.username, 'personal_space/create');
  assert.deepEqual(state.revokePermission(user.username, 'space/create'), { result: 'changed' });
  assert.deepEqual(state.userPermissions(user.username), ['personal_space/create']);
});

test('flattened member lists follow nesting, tolerate cycles, list each user once, and are refreshed by membership writes', () => {
  const base = generateOrganisation({ seed: 31, users: 200, now: NOW });
  // A cycle: staff ⊃ engineering ⊃ staff, plus a diamond: newsletter under both engineering and sales.
  const org: OrgSeed = { ...base, nesting: [...base.nesting, { parent: 'engineering', child: 'staff' }, { parent: 'engineering', child: 'newsletter' }, { parent: 'sales', child: 'newsletter' }] };
  const state = new EmulatorState(org);
  const direct = (group: string) => org.memberships.filter((m) => m.group === group).map((m) => m.username);
  const departments = org.nesting.filter((n) => n.parent === 'staff').map((n) => n.child);
  const expected = [...new Set([...departments.flatMap(direct), ...direct('newsletter'), ...direct('staff')])].sort();
  const flattened = state.flattenedMembersOf('staff').map((u) => u.username);
  assert.deepEqual(flattened, expected);
  assert.deepEqual(state.flattenedMembersOf('engineering').map((u) => u.username), flattened, 'the cycle makes staff and engineering one set');
  assert.deepEqual(state.membersOf('staff').map((u) => u.username), direct('staff').sort(), 'direct lists stay direct');
  assert.deepEqual(state.flattenedMembersOf('confluence-users').map((u) => u.username), direct('confluence-users').sort(), 'no children: same as direct');

  const outsider = state.allUsers().find((u) => !flattened.includes(u.username) && u.directory === INTERNAL_DIRECTORY)!;
  assert.ok(outsider !== undefined);
  assert.deepEqual(state.addMembership(outsider.username, 'newsletter'), { result: 'changed' });
  assert.ok(state.flattenedMembersOf('staff').some((u) => u.username === outsider.username), 'an ancestor\'s cached list is refreshed');
  assert.ok(state.flattenedMembersOf('sales').some((u) => u.username === outsider.username));
  state.removeMembership(outsider.username, 'newsletter');
  assert.equal(state.flattenedMembersOf('staff').some((u) => u.username === outsider.username), false);
});

test('patched member lists equal lists rebuilt from scratch after a seeded run of writes and reads', () => {
  const base = generateOrganisation({ seed: 12, users: 300, now: NOW });
  const org: OrgSeed = { ...base, nesting: [...base.nesting, { parent: 'newsletter', child: 'project phoenix' }, { parent: 'project phoenix', child: 'newsletter' }] };
  const state = new EmulatorState(org);
  const random = seededRandom(5);
  const groups = ['newsletter', 'project phoenix', 'engineering', 'sales', 'confluence-inactive-users', 'confluence-users'];
  const people = state.allUsers().filter((u) => u.directory === INTERNAL_DIRECTORY).map((u) => u.username);
  const readAll = () => ['staff', ...groups].map((g) => [state.membersOf(g).map((u) => u.username), state.flattenedMembersOf(g).map((u) => u.username)]);
  for (let step = 0; step < 400; step++) {
    const user = random.pick(people);
    const group = random.pick(groups);
    if (random.chance(0.5)) state.addMembership(user, group);
    else state.removeMembership(user, group);
    if (random.chance(0.3)) readAll();
  }
  const fresh = new EmulatorState({
    ...org,
    memberships: state.allUsers().flatMap((u) => state.groupsOf(u.username).map((g) => ({ group: g.name, username: u.username }))),
  });
  assert.deepEqual(readAll(), ['staff', ...groups].map((g) => [fresh.membersOf(g).map((u) => u.username), fresh.flattenedMembersOf(g).map((u) => u.username)]));
});

test('100,000 users: flattened lists of the largest group stay cheap between writes', () => {
  const org = generateOrganisation({ seed: 77, users: 100_000, now: NOW });
  const state = new EmulatorState(org);
  const t0 = performance.now();
  const first = state.flattenedMembersOf('staff').length;
  const built = performance.now() - t0;
  const t1 = performance.now();
  for (let i = 0; i < 1_000; i++) state.flattenedMembersOf('staff');
  const cached = performance.now() - t1;
  const user = state.allUsers().find((u) => u.directory === INTERNAL_DIRECTORY && u.active && u.username !== 'admin')!;
  const t2 = performance.now();
  for (let i = 0; i < 200; i++) {
    state.addMembership(user.username, 'engineering');
    state.flattenedMembersOf('staff');
    state.removeMembership(user.username, 'engineering');
    state.flattenedMembersOf('staff');
  }
  const writes = performance.now() - t2;
  console.log(`flattened staff (${first} users): built in ${Math.round(built)} ms; 1,000 cached reads in ${Math.round(cached)} ms; `
    + `400 writes to a department, each followed by a read of staff, in ${Math.round(writes)} ms`);
  assert.ok(first > 50_000, `staff holds most people through its departments: ${first}`);
  assert.ok(cached < 50, 'cached reads do not rebuild the list');
});
