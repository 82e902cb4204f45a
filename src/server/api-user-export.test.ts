// GET /api/v1/users/export against an emulated Confluence DC and a real store: the CSV is byte for byte what
// `seatkeeper users --csv` writes for the same filter, NDJSON rows are the users search's rows, a hostile display name
// is neutralised, the filters apply, and refusals are problems before any byte of the body.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiStores, startApiFixture, type ApiFixture } from '../../test/support/api-fixture.ts';
import { fixedClock } from '../app/clock.ts';
import { usersCommand, type UsersOptions } from '../cli/users-command.ts';
import type { CommandContext } from '../cli/command-context.ts';
import { exportFileName } from './user-export-routes.ts';

const HOSTILE = '=HYPERLINK("http://e.vil/?x","click")';

for (const store of apiStores()) {
  describe(`the users export on ${store === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`, () => {
    let f: ApiFixture;
    let dir: string;
    let scanId: string;
    let hostileUser: string;
    const viewer = () => ({ authorization: `Bearer ${f.callers.viewer.token}` });
    const get = (url: string) => f.server.app.inject({ method: 'GET', url, headers: viewer() });

    /** What `seatkeeper users --csv FILE` writes with these options, on the same runtime (store and fixed clock). */
    async function cliCsv(options: Omit<UsersOptions, 'csv' | 'limit'>): Promise<Buffer> {
      const file = join(dir, `users-${Math.random().toString(36).slice(2)}.csv`);
      const ctx: CommandContext = {
        runtime: f.runtime,
        actor: 'test',
        json: false,
        cli: 'seatkeeper',
        progress: { update: () => undefined, finish: () => undefined },
        print: () => undefined,
        printJson: () => undefined,
        printNdjson: () => undefined,
        note: () => undefined,
      };
      assert.equal(await usersCommand(ctx, { ...options, csv: file, limit: 20 }), 0);
      return readFileSync(file);
    }

    const ndjsonRows = (body: string): unknown[] => {
      assert.ok(body.endsWith('\n'), 'every line ends with a newline');
      return body.slice(0, -1).split('\n').map((line) => JSON.parse(line));
    };

    before(async () => {
      // A fixed runtime clock: days since login are the same in the CLI's file and the API's answer.
      f = await startApiFixture({ users: 120, store, runtimeClock: fixedClock(new Date()) });
      dir = mkdtempSync(join(tmpdir(), 'sk-export-'));
      const target = f.emulator.state.allUsers().find((u) => f.emulator.state.updateProfile(u.username, { fullName: HOSTILE }).result === 'changed');
      assert.ok(target !== undefined, 'a user in a writable directory');
      hostileUser = target.username;
      const scan = await f.server.app.inject({ method: 'POST', url: '/api/v1/scans', headers: { authorization: `Bearer ${f.callers.operator.token}` }, payload: {} });
      assert.equal(scan.statusCode, 202, scan.body);
      await f.server.background.settled();
      scanId = scan.json().id;
    });
    after(async () => {
      await f.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('CSV is byte for byte what users --csv writes, unfiltered and filtered, as an attachment named by instance and scan', async () => {
      const all = await get('/api/v1/users/export?format=csv');
      assert.equal(all.statusCode, 200, all.body);
      assert.equal(all.headers['content-type'], 'text/csv; charset=utf-8');
      assert.equal(all.headers['content-disposition'], `attachment; filename="users-wiki-${scanId}.csv"`);
      assert.deepEqual(all.rawPayload, await cliCsv({}));
      assert.equal(all.body.split('\r\n').length - 2, 120, 'a header, 120 rows, and the final CRLF');

      const filtered = await get('/api/v1/users/export?inactiveDays=180&licensed=true');
      assert.equal(filtered.statusCode, 200, filtered.body);
      assert.deepEqual(filtered.rawPayload, await cliCsv({ inactiveDays: 180, licensed: true }));
      assert.ok(filtered.rawPayload.length < all.rawPayload.length, 'the filter dropped rows');

      const unlicensed = await get('/api/v1/users/export?licensed=false&format=csv');
      assert.deepEqual(unlicensed.rawPayload, await cliCsv({ unlicensed: true }));
    });

    test('bom=true puts a UTF-8 byte-order mark before the same bytes', async () => {
      const plain = await get('/api/v1/users/export?format=csv');
      const withBom = await get('/api/v1/users/export?format=csv&bom=true');
      assert.deepEqual(withBom.rawPayload, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), plain.rawPayload]));
    });

    test('a display name starting with = comes out neutralised by the apostrophe, quoted as RFC 4180 says', async () => {
      const body = (await get('/api/v1/users/export?format=csv')).body;
      const line = body.split('\r\n').find((l) => l.startsWith(`${hostileUser},`));
      assert.ok(line !== undefined, body.slice(0, 300));
      assert.ok(line.startsWith(`${hostileUser},"'=HYPERLINK(""http://e.vil/?x"",""click"")",`), line);
      assert.doesNotMatch(body, /(^|,)"?=/m, 'no cell starts with =');
    });

    test('NDJSON: one object per line, the users search\'s rows in its order, dates in ISO 8601', async () => {
      for (const filter of ['', 'inactiveDays=180&licensed=true', 'neverLoggedIn=true']) {
        const answer = await get(`/api/v1/users/export?format=ndjson&${filter}`);
        assert.equal(answer.statusCode, 200, answer.body);
        assert.equal(answer.headers['content-type'], 'application/x-ndjson');
        assert.equal(answer.headers['content-disposition'], `attachment; filename="users-wiki-${scanId}.ndjson"`);
        const search = (await get(`/api/v1/users?limit=500&${filter}`)).json();
        const rows = ndjsonRows(answer.body);
        assert.equal(rows.length, search.total, filter);
        assert.deepEqual(rows, search.users, filter);
      }
      const rows = ndjsonRows((await get('/api/v1/users/export?format=ndjson')).body);
      const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
      for (const row of rows) {
        assert.ok(typeof row === 'object' && row !== null);
        const { firstSeen, lastLogin } = row as { firstSeen: unknown; lastLogin: unknown };
        assert.match(String(firstSeen), iso);
        assert.ok(lastLogin === null || iso.test(String(lastLogin)), String(lastLogin));
      }
      assert.ok(rows.some((r) => (r as { displayName: string }).displayName === HOSTILE), 'NDJSON keeps the name as it is: JSON is not a spreadsheet');
    });

    test('the filters apply: licensed, never logged in, and a group (matched case-insensitively)', async () => {
      const licensed = ndjsonRows((await get('/api/v1/users/export?format=ndjson&licensed=true')).body);
      assert.ok(licensed.length > 0 && licensed.length < 120, `${licensed.length}`);
      for (const row of licensed) assert.equal((row as { licensed: boolean }).licensed, true);
      const never = ndjsonRows((await get('/api/v1/users/export?format=ndjson&neverLoggedIn=true')).body);
      assert.ok(never.length > 0 && never.length < 120, `${never.length}`);
      for (const row of never) assert.equal((row as { lastLogin: string | null }).lastLogin, null);

      const everyone = ndjsonRows((await get('/api/v1/users/export?format=ndjson')).body);
      const group = (everyone.flatMap((r) => (r as { groups: string[] }).groups))[0];
      assert.ok(group !== undefined);
      const members = ndjsonRows((await get(`/api/v1/users/export?format=ndjson&group=${encodeURIComponent(group.toUpperCase())}`)).body);
      assert.ok(members.length > 0 && members.length < 120, `${group}: ${members.length}`);
      assert.deepEqual(members, (await get(`/api/v1/users?limit=500&group=${encodeURIComponent(group)}`)).json().users);
      assert.deepEqual((await get(`/api/v1/users/export?group=${encodeURIComponent(group)}`)).rawPayload, await cliCsv({ group }));
    });

    test('without credentials: 401 problem+json, and no attachment', async () => {
      const none = await f.server.app.inject({ method: 'GET', url: '/api/v1/users/export?format=csv' });
      assert.equal(none.statusCode, 401);
      assert.equal(none.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(none.headers['content-disposition'], undefined);
    });

    test('refusals are problem+json before any byte: contradicting filters, an unknown format, an unknown group', async () => {
      const cases: Array<[string, RegExp]> = [
        ['inactiveDays=10&neverLoggedIn=true', /neverLoggedIn and inactiveDays/],
        ['format=xml', /format/],
        ['bom=yes', /bom/],
        ['group=no-such-group-anywhere', /no group/],
      ];
      for (const [query, detail] of cases) {
        const answer = await get(`/api/v1/users/export?${query}`);
        assert.equal(answer.statusCode, 400, `${query}: ${answer.body}`);
        assert.equal(answer.headers['content-type'], 'application/problem+json; charset=utf-8', query);
        assert.equal(answer.headers['content-disposition'], undefined, query);
        assert.match(`${answer.json().title} ${answer.json().detail} ${JSON.stringify(answer.json().problems ?? [])}`, detail, query);
      }
    });
  });
}

test('the export file name keeps only characters safe in a header and a file system', () => {
  assert.equal(exportFileName('wiki', 'scan_01J', 'csv'), 'users-wiki-scan_01J.csv');
  assert.equal(exportFileName('a"b\r\n/..\\c', 'x;y', 'ndjson'), 'users-a_b___.._c-x_y.ndjson');
});
