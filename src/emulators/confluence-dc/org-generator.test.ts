import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { generateOrganisation, INTERNAL_DIRECTORY, LDAP_DIRECTORY, type OrgSeed } from './org-generator.ts';

const NOW = new Date('2026-01-15T12:00:00Z');
const DAY = 86_400_000;

function share(org: OrgSeed, predicate: (user: OrgSeed['users'][number]) => boolean): number {
  return org.users.filter(predicate).length / org.users.length;
}

test('the same seed gives the same organisation, another seed a different one', () => {
  const a = generateOrganisation({ seed: 11, users: 500, now: NOW });
  const b = generateOrganisation({ seed: 11, users: 500, now: NOW });
  const c = generateOrganisation({ seed: 12, users: 500, now: NOW });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.users.map((u) => u.username), c.users.map((u) => u.username));
  assert.notEqual(a.credentials.admin.token, c.credentials.admin.token);
});

test('seed 42 (the demo\'s and the benchmarks\') still generates the organisation it generated before slash groups existed', () => {
  const org = generateOrganisation({ seed: 42, users: 2_000, now: NOW });
  // Fingerprint taken from the generator before the `slashGroups` option was added.
  assert.equal(createHash('sha256').update(JSON.stringify(org)).digest('hex'), '7290961f66c33964c06e353cfbf13b9b35a16476bbe804f19fc304fa44b1d684');
});

test('slashGroups: that many internal groups named with "/", 2–6 members each; names beyond the list are numbered', () => {
  const org = generateOrganisation({ seed: 42, users: 500, now: NOW, slashGroups: 8 });
  const slash = org.groups.filter((g) => g.name.includes('/'));
  assert.deepEqual(slash.map((g) => g.name), ['eng/platform', 'eng/mobile', 'sales/emea', 'support/tier-2', 'ops/on-call', 'research/labs', 'team/7', 'team/8']);
  assert.ok(slash.every((g) => g.directory === INTERNAL_DIRECTORY && !g.local));
  for (const group of slash) {
    const members = org.memberships.filter((m) => m.group === group.name);
    assert.ok(members.length >= 2 && members.length <= 6, `${group.name}: ${members.length}`);
  }
  assert.equal(org.grants.some((g) => g.subject.type === 'group' && g.subject.name.includes('/')), false, 'they grant nothing');
  assert.throws(() => generateOrganisation({ seed: 42, users: 500, now: NOW, slashGroups: -1 }), RangeError);
});

test('distribution: administrators, disabled, never logged in and login ages fall in realistic ranges', () => {
  const org = generateOrganisation({ seed: 2024, users: 20_000, now: NOW });
  assert.equal(org.users.length, 20_000);
  const admins = share(org, (u) => u.role === 'administrator');
  const disabled = share(org, (u) => !u.active);
  const never = share(org, (u) => u.lastLogin === null);
  assert.ok(admins >= 0.007 && admins <= 0.013, `administrators ${admins}`);
  assert.ok(disabled >= 0.025 && disabled <= 0.035, `disabled ${disabled}`);
  assert.ok(never >= 0.04 && never <= 0.06, `never logged in ${never}`);

  const ages = org.users.flatMap((u) => (u.lastLogin === null ? [] : [(NOW.getTime() - u.lastLogin.getTime()) / DAY]));
  const recent = ages.filter((days) => days < 30).length / ages.length;
  const overYear = ages.filter((days) => days >= 365).length / ages.length;
  assert.ok(recent >= 0.55 && recent <= 0.75, `logged in within 30 days ${recent}`);
  assert.ok(overYear >= 0.05 && overYear <= 0.15, `long tail over a year ${overYear}`);
  assert.ok(Math.max(...ages) <= 3 * 365 + 1, 'no login older than three years');
  assert.ok(ages.every((days) => days >= 0), 'no login in the future');

  const perUser = org.memberships.length / org.users.length;
  assert.ok(perUser >= 2.3 && perUser <= 2.7, `memberships per user ${perUser}`);
  assert.ok(org.users.filter((u) => u.role === 'service').length >= 3);
});

test('invariants: created before last login, unique lower-case usernames, known groups and users only', () => {
  const org = generateOrganisation({ seed: 5, users: 3_000, now: NOW });
  for (const user of org.users) {
    if (user.lastLogin !== null) assert.ok(user.createdAt < user.lastLogin, `${user.username} created after last login`);
    assert.ok(user.createdAt <= NOW);
    assert.equal(user.username, user.username.toLowerCase());
    assert.match(user.userKey, /^[0-9a-f]{32}$/);
  }
  assert.equal(new Set(org.users.map((u) => u.username)).size, org.users.length);
  const users = new Set(org.users.map((u) => u.username));
  const groups = new Set(org.groups.map((g) => g.name));
  for (const m of org.memberships) assert.ok(users.has(m.username) && groups.has(m.group), `${m.username} in ${m.group}`);
  assert.equal(new Set(org.memberships.map((m) => `${m.group}/${m.username}`)).size, org.memberships.length, 'no duplicate memberships');
});

test('structure: two directories, nested licence groups, a read-only group, an empty tracking group, direct grants', () => {
  const org = generateOrganisation({ seed: 9, users: 5_000, now: NOW });
  assert.deepEqual(org.directories.map((d) => [d.name, d.order, d.writable]), [[INTERNAL_DIRECTORY, 0, true], [LDAP_DIRECTORY, 1, false]]);
  const group = (name: string) => org.groups.find((g) => g.name === name);
  assert.equal(group('confluence-inactive-users')?.directory, INTERNAL_DIRECTORY);
  assert.equal(org.memberships.filter((m) => m.group === 'confluence-inactive-users').length, 0, 'tracking group starts empty');
  assert.ok(org.nesting.some((n) => n.parent === 'staff' && n.child === 'engineering'));
  assert.equal(group('wiki-access')?.directory, LDAP_DIRECTORY);
  assert.equal(group('wiki-access')?.local, false, 'LDAP-synchronised, so read-only');
  assert.equal(group('engineering')?.local, true);

  const grants = (name: string) => org.grants.filter((g) => g.subject.type === 'group' && g.subject.name === name).map((g) => g.permission).sort();
  assert.deepEqual(grants('confluence-administrators'), ['application/administer', 'application/use', 'system/administer']);
  assert.ok(grants('staff').includes('application/use'));
  assert.deepEqual(grants('newsletter'), []);
  assert.ok(org.grants.some((g) => g.subject.type === 'user' && g.permission === 'application/use'), 'some direct "can use" grants');

  // Some people hold their seat only through a department nested in `staff`.
  const direct = new Map<string, Set<string>>();
  for (const m of org.memberships) direct.set(m.username, (direct.get(m.username) ?? new Set()).add(m.group));
  const onlyNested = [...direct].filter(([, groups]) => groups.has('engineering') && !groups.has('confluence-users') && !groups.has('wiki-access'));
  assert.ok(onlyNested.length > 50, `users licensed only through nesting: ${onlyNested.length}`);

  assert.equal(org.credentials.admin.username, 'admin');
  assert.equal(org.credentials.admin.token.length, 44);
  assert.notEqual(org.credentials.user.username, 'admin');
  assert.ok(org.maxUsers >= 4_000 && org.maxUsers <= 5_000, `licence tier ${org.maxUsers}`);
});

test('100,000 users build in a few seconds (timing printed, not asserted)', () => {
  const started = performance.now();
  const org = generateOrganisation({ seed: 100_000, users: 100_000, now: NOW });
  const ms = Math.round(performance.now() - started);
  console.log(`generateOrganisation: 100,000 users, ${org.memberships.length} memberships in ${ms} ms`);
  assert.equal(org.users.length, 100_000);
  assert.ok(org.memberships.length > 230_000 && org.memberships.length < 270_000, `memberships ${org.memberships.length}`);
});
