import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/store-database.ts';
import type { Store } from './store-port.ts';
import { listDeactivatedUsers, listInactiveUsers, listNeverLoggedInUsers, listUsers } from './list-users.ts';
import { evaluatePolicies } from '../domain/planner.ts';
import type { ActionStep } from '../domain/plan.ts';
import { InvalidInput } from '../domain/errors.ts';
import { daysAgo, NOW, snapshot, user } from '../../test/support/snapshot-builder.ts';
import { LEGACY_CONFLUENCE_CAPABILITIES } from '../domain/instance-capabilities.ts';

const T0 = new Date('2026-11-26T12:00:00Z');
const at = (hours: number): Date => new Date(T0.getTime() + hours * 3_600_000);

let store: Store;

before(async () => {
  store = await openStore(`sqlite:${join(mkdtempSync(join(tmpdir(), 'sk-list-users-')), 'seatkeeper.db')}`);
});

after(async () => {
  await store.close();
});

/** A complete scan of `instance` started at T0: ann, bob, cat and dan seated through confluence-users. */
async function scanned(instance: string): Promise<void> {
  const snap = snapshot({ users: ['ann', 'bob', 'cat', 'dan'].map((n) => user(n)), memberships: { 'confluence-users': ['ann', 'bob', 'cat', 'dan'], 'Sales; EMEA': ['ann'] } });
  const scanId = await store.scans.start({ instance, startedAt: T0, connectedAs: 'admin', lastLoginSource: 'rest', capabilities: LEGACY_CONFLUENCE_CAPABILITIES });
  await store.scans.addUsers(scanId, snap.users);
  await store.scans.addMemberships(scanId, snap.memberships);
  await store.scans.finish(scanId, {
    finishedAt: at(0.5), status: 'complete', error: null, grants: snap.grants, license: snap.license, applications: snap.applications, directories: [], groups: snap.groups, readOnlyGroups: [], warnings: [],
  });
}

/** A run of `instance` from `start` to `end` (unfinished when `null`) whose one step was done on `username`. */
async function ran(instance: string, username: string, step: ActionStep, start: Date, end: Date | null): Promise<string> {
  const plan = evaluatePolicies({ snapshot: { ...snapshot({ users: [], memberships: {} }), instance }, policies: [], protection: { users: [], groups: [] }, now: start });
  const planId = await store.plans.save(plan, 'planned');
  const run = await store.journal.startRun({ planId, instance, startedAt: start });
  const prior = { username, status: 'active' as const, displayName: username, groups: ['confluence-users'], useGrant: false, otherPermissions: [] };
  const entry = await store.journal.claim({ runId: run.id, username, seq: 0, step, prior, at: start });
  await store.journal.settle(entry, 'done', null, start);
  if (end !== null) await store.journal.finishRun(run.id, 'done', end);
  return run.id;
}

test('rows show the done steps of runs since the scan, or still running when it began; runs over before it are the scan\'s', async () => {
  await scanned('wiki');
  const remove: ActionStep = { kind: 'remove-group', group: 'confluence-users' };
  // Over before the scan began: what it did, the scan read (ann's group may have been put back by hand since).
  await ran('wiki', 'ann', remove, at(-3), at(-2));
  const overlapping = await ran('wiki', 'bob', remove, at(-1), at(1));
  const running = await ran('wiki', 'cat', remove, at(-1), null);
  const later = await ran('wiki', 'dan', { kind: 'disable' }, at(2), at(3));

  const listing = await listUsers({ store, now: at(4) }, { instance: 'wiki', filter: { licensed: true } });
  assert.deepEqual(listing.runsSinceScan, [overlapping, running, later]);
  assert.deepEqual([...listing.rows].map((r) => [r.username, r.changesSinceScan]), [['ann', []]]);
  const all = [...(await listUsers({ store, now: at(4) }, { instance: 'wiki', filter: {} })).rows];
  assert.deepEqual(all.map((r) => [r.username, r.licensed, r.status, r.groups, r.changesSinceScan]), [
    ['ann', true, 'active', ['Sales; EMEA', 'confluence-users'], []],
    ['bob', false, 'active', [], ['remove from confluence-users']],
    ['cat', false, 'active', [], ['remove from confluence-users']],
    ['dan', false, 'disabled', ['confluence-users'], ['deactivate']],
  ]);
});

test('an unknown group names the likely ones; a directory over REST says why it cannot match; groups match case-blind', async () => {
  await scanned('typo');
  await assert.rejects(listUsers({ store, now: T0 }, { instance: 'typo', filter: { group: 'confluence-user' } }), (error: unknown) => {
    assert.ok(error instanceof InvalidInput);
    assert.match(error.message, /^no group confluence-user in scan scan_\w+ of instance typo$/);
    assert.deepEqual(error.problems, ['groups are compared case-insensitively; did you mean confluence-users?']);
    return true;
  });
  await assert.rejects(listUsers({ store, now: T0 }, { instance: 'typo', filter: { directory: 'Corporate LDAP' } }), /knows no user's directory, so no user can match one/);
  const sales = await listUsers({ store, now: T0 }, { instance: 'typo', filter: { group: 'sales; emea' } });
  assert.deepEqual([...sales.rows].map((r) => r.username), ['ann']);
});

test('the three listings of the app it replaces: deactivated, active never logged in created before N days, active inactive N days', async () => {
  const users = [
    user('fresh', { lastLogin: null, createdAt: daysAgo(10) }),
    user('old-never', { lastLogin: null, createdAt: daysAgo(100) }),
    user('seen-never', { lastLogin: null, createdAt: null, firstSeen: daysAgo(50) }),
    user('gone-never', { lastLogin: null, createdAt: daysAgo(100), status: 'disabled' }),
    user('unknown-logins', { lastLogin: null, loginKnown: false, createdAt: daysAgo(100) }),
    user('idle', { lastLogin: daysAgo(200) }),
    user('gone-idle', { lastLogin: daysAgo(200), status: 'disabled' }),
    user('busy', { lastLogin: daysAgo(2) }),
  ];
  const snap = snapshot({ users, memberships: {} });
  const scanId = await store.scans.start({ instance: 'reports', startedAt: NOW, connectedAs: 'admin', lastLoginSource: 'rest', capabilities: LEGACY_CONFLUENCE_CAPABILITIES });
  await store.scans.addUsers(scanId, snap.users);
  await store.scans.finish(scanId, {
    finishedAt: NOW, status: 'complete', error: null, grants: snap.grants, license: snap.license, applications: snap.applications, directories: [], groups: snap.groups, readOnlyGroups: [], warnings: [],
  });
  const names = async (listing: Promise<{ rows: Iterable<{ username: string }> }>): Promise<string[]> => [...(await listing).rows].map((r) => r.username);
  const deps = { store, now: NOW };
  assert.deepEqual(await names(listDeactivatedUsers(deps, { instance: 'reports' })), ['gone-idle', 'gone-never']);
  assert.deepEqual(await names(listNeverLoggedInUsers(deps, { instance: 'reports', createdBeforeDays: 30 })), ['old-never', 'seen-never']);
  assert.deepEqual(await names(listNeverLoggedInUsers(deps, { instance: 'reports', createdBeforeDays: 60 })), ['old-never']);
  assert.deepEqual(await names(listInactiveUsers(deps, { instance: 'reports', days: 90 })), ['fresh', 'idle', 'old-never', 'seen-never']);
});
