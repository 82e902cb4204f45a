import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startConfluenceEmulator } from './confluence-emulator.ts';
import { generateOrganisation } from './org-generator.ts';
import { callEmulator } from '../../../test/support/emulator-test-client.ts';
import { CONFLUENCE_ROUTES } from './emulator-routes.ts';
import { BUILD_INFO, EMULATED_VERSIONS, versionAtLeast, versionRoutesOf, type EmulatedVersion } from './emulator-versions.ts';

const org = generateOrganisation({ seed: 85, users: 60, now: new Date('2026-01-15T12:00:00Z') });

test('versions are listed oldest first and compared numerically, thresholds between them included', () => {
  assert.deepEqual(EMULATED_VERSIONS, ['8.4', '8.5', '9.2', '9.3', '9.5', '10.2']);
  const table: [EmulatedVersion, Parameters<typeof versionAtLeast>[1], boolean][] = [
    ['10.2', '9.5', true], ['9.5', '10.2', false], ['9.2', '9.1', true], ['8.5', '9.1', false], ['8.4', '8.2', true],
    ['8.4', '8.5', false], ['9.3', '9.3', true], ['10.2', '8.4', true],
  ];
  for (const [version, since, expected] of table) assert.equal(versionAtLeast(version, since), expected, `${version} ≥ ${since}`);
  for (const [index, version] of EMULATED_VERSIONS.entries()) {
    for (const other of EMULATED_VERSIONS.slice(index + 1)) assert.equal(versionAtLeast(version, other), false, `${version} < ${other}`);
  }
});

test('which version routes each version has: server information from 9.1, the manifest and login page always', () => {
  const has = Object.fromEntries(EMULATED_VERSIONS.map((version) => [version, versionRoutesOf(version)]));
  const always = ['GET /rest/applinks/1.0/manifest', 'GET /login.action'];
  assert.deepEqual(has, {
    '8.4': always, '8.5': always,
    '9.2': ['GET /rest/api/server-information', ...always], '9.3': ['GET /rest/api/server-information', ...always],
    '9.5': ['GET /rest/api/server-information', ...always], '10.2': ['GET /rest/api/server-information', ...always],
  });
  assert.deepEqual(BUILD_INFO['8.5'].version, '8.5.16');
  for (const version of EMULATED_VERSIONS) {
    assert.ok(BUILD_INFO[version].version.startsWith(`${version}.`), version);
    assert.ok(Number.isInteger(BUILD_INFO[version].buildNumber), version);
  }
});

describe('every emulated version over HTTP', () => {
  for (const version of EMULATED_VERSIONS) {
    test(`${version}: its version routes answer its version, anonymously where Confluence allows; the others 404`, async (t) => {
      const emulator = await startConfluenceEmulator({ org, version });
      t.after(() => emulator.close());
      const build = BUILD_INFO[version];
      const served = new Set(emulator.routes.map((r) => r.id));
      for (const id of ['GET /rest/api/server-information', 'GET /rest/applinks/1.0/manifest', 'GET /login.action']) {
        assert.equal(served.has(id), versionRoutesOf(version).some((r) => r === id), `${version} serves ${id}`);
      }

      const manifest = await callEmulator(emulator, '/rest/applinks/1.0/manifest', { as: null });
      assert.equal(manifest.status, 200);
      assert.match(manifest.headers.get('content-type') ?? '', /^application\/json/);
      const body = manifest.body as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ['applinksVersion', 'buildNumber', 'iconUrl', 'id', 'name', 'typeId', 'url', 'version']);
      assert.deepEqual([body['typeId'], body['version'], body['buildNumber'], body['url']], ['confluence', build.version, build.buildNumber, emulator.url]);
      assert.match(String(body['id']), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

      const login = await callEmulator(emulator, '/login.action', { as: null });
      assert.equal(login.status, 200);
      assert.equal(login.headers.get('content-type'), 'text/html;charset=UTF-8');
      const head = /<head>([\s\S]*)<\/head>/.exec(String(login.body))?.[1] ?? '';
      assert.ok(head.includes(`<meta name="ajs-version-number" content="${build.version}">`), head);
      assert.ok(head.includes(`<meta name="ajs-build-number" content="${build.buildNumber}">`), head);

      const info = await callEmulator(emulator, '/rest/api/server-information');
      if (versionAtLeast(version, '9.1')) {
        assert.equal(info.status, 200);
        assert.deepEqual([(info.body as { version: string }).version, (info.body as { buildNumber: number }).buildNumber], [build.version, build.buildNumber]);
        assert.equal((await callEmulator(emulator, '/rest/api/server-information', { as: null })).status, 401, 'the spec declares 401 for anonymous callers');
      } else {
        assert.equal(info.status, 404);
      }
    });

    test(`${version}: admin list and permissions from 9.3, lastLogin and profile updates on 10.2 only`, async (t) => {
      const emulator = await startConfluenceEmulator({ org, version });
      t.after(() => emulator.close());
      const from93 = versionAtLeast(version, '9.3');
      for (const path of ['/rest/api/admin/users/list/active', '/rest/api/permissions', '/rest/api/permissions/user/admin']) {
        assert.equal((await callEmulator(emulator, path)).status, from93 ? 200 : 404, `${version} ${path}`);
      }
      if (from93) {
        const page = (await callEmulator(emulator, '/rest/api/admin/users/list/active?limit=5&expand=lastLogin')).body as { results: Record<string, unknown>[] };
        assert.equal(page.results.every((u) => 'lastLogin' in u), version === '10.2', 'lastLogin expansion only on 10.2');
      }
      const profile = await callEmulator(emulator, '/rest/api/admin/user/admin', { method: 'PUT', body: { fullName: 'Confluence Administrator' } });
      assert.equal(profile.status, version === '10.2' ? 204 : 404);
      assert.equal((await callEmulator(emulator, '/rest/api/user/list?limit=1')).status, 200, 'the user list is on every version');
      const expected = CONFLUENCE_ROUTES.filter((r) => versionAtLeast(version, r.since)).map((r) => r.id);
      assert.deepEqual(emulator.routes.map((r) => r.id), expected);
    });
  }
});
