/** Scans keep the capabilities the probe read; scans stored before migration 0009 read as Confluence DC's of the time. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect } from '../../test/support/dialect-fixture.ts';
import { LEGACY_CONFLUENCE_CAPABILITIES, type InstanceCapabilities } from '../domain/instance-capabilities.ts';
import type { ScanResult } from '../app/store/scan-repository-port.ts';

const startedAt = new Date('2026-05-04T08:00:00.000Z');
const finished: ScanResult = {
  finishedAt: new Date('2026-05-04T08:01:00.000Z'),
  status: 'complete',
  error: null,
  grants: { useGroups: ['jira-software-users'], useUsers: [], adminGroups: ['jira-administrators'], adminUsers: [], source: 'config' },
  license: { used: 0, max: 10 },
  applications: [
    { key: 'jira-servicedesk', name: 'Jira Service Management', groups: ['jira-servicedesk-users'], users: [], defaultGroups: ['jira-servicedesk-users'], seatsUsed: 0, seatsMax: 5, unlimited: false },
    { key: 'jira-software', name: 'Jira Software', groups: ['jira-software-users'], users: [], defaultGroups: ['jira-software-users'], seatsUsed: 0, seatsMax: 10, unlimited: false },
  ],
  directories: [],
  groups: ['jira-administrators', 'jira-software-users'],
  readOnlyGroups: [],
  warnings: [],
};

describeEachDialect('scan capabilities', (fixture) => {
  test('a scan keeps what the instance could do, and the snapshot carries it', async () => {
    const { store } = fixture();
    const capabilities: InstanceCapabilities = {
      productName: 'Jira',
      lastLogin: 'rest-per-user',
      memberLists: 'direct',
      directGrants: false,
      revokeTakesOtherPermissions: false,
      disable: true,
      rename: true,
      updateDisplayName: true,
      updateEmail: true,
    };
    const id = await store.scans.start({ instance: 'caps', startedAt, connectedAs: 'svc', lastLoginSource: 'rest-per-user', capabilities });
    assert.deepStrictEqual((await store.scans.get(id))?.capabilities, capabilities);
    await store.scans.finish(id, finished);
    const snapshot = await store.scans.loadSnapshot(id);
    assert.deepStrictEqual([snapshot.capabilities, snapshot.lastLoginSource], [capabilities, 'rest-per-user']);
    assert.deepStrictEqual(snapshot.applications, finished.applications);
    assert.deepStrictEqual((await store.scans.get(id))?.applications, finished.applications);
  });

  test('a scan stored before applications were recorded reads as one confluence application from its grants', async () => {
    const { store, execute } = fixture();
    const id = await store.scans.start({ instance: 'apps-legacy', startedAt, connectedAs: 'svc', lastLoginSource: 'rest', capabilities: LEGACY_CONFLUENCE_CAPABILITIES });
    await store.scans.finish(id, {
      ...finished,
      grants: { useGroups: ['confluence-users', 'wiki-access'], useUsers: ['bob'], adminGroups: [], adminUsers: [], source: 'permissions-api' },
      license: { used: 7, max: 50 },
    });
    // As migration 0010 leaves a scan written before it.
    await execute('update scans set applications_json = null where id = $1', [id]);
    const confluence = {
      key: 'confluence',
      name: 'Confluence',
      groups: ['confluence-users', 'wiki-access'],
      users: ['bob'],
      defaultGroups: [],
      seatsUsed: 7,
      seatsMax: 50,
      unlimited: false,
    };
    assert.deepStrictEqual((await store.scans.loadSnapshot(id)).applications, [confluence]);
    assert.deepStrictEqual((await store.scans.get(id))?.applications, [confluence]);
  });

  test('a scan stored before capabilities were recorded reads as Confluence DC of the time', async () => {
    const { store, execute } = fixture();
    const id = await store.scans.start({ instance: 'caps-legacy', startedAt, connectedAs: 'svc', lastLoginSource: 'rest', capabilities: LEGACY_CONFLUENCE_CAPABILITIES });
    await store.scans.finish(id, finished);
    // As migration 0009 leaves a scan written before it.
    await execute('update scans set capabilities_json = null where id = $1', [id]);
    assert.deepStrictEqual((await store.scans.get(id))?.capabilities, LEGACY_CONFLUENCE_CAPABILITIES);
    assert.deepStrictEqual((await store.scans.loadSnapshot(id)).capabilities, LEGACY_CONFLUENCE_CAPABILITIES);
    // Hand-edited nonsense is refused at the boundary, not read as some product.
    await execute(`update scans set capabilities_json = '{"productName":"Confluence"}' where id = $1`, [id]);
    await assert.rejects(store.scans.get(id), /capabilities of scan/);
  });
});
