// The SQLite store's files on disk: who may read them, and what a file that is no store gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { openStore } from './store-database.ts';
import { InvalidInput } from '../domain/errors.ts';
import { LEGACY_CONFLUENCE_CAPABILITIES } from '../domain/instance-capabilities.ts';

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

test('a new store, its -wal and -shm files are created mode 0600 (and a new folder 0700), whatever the umask', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sk-store-files-'));
  // The common umask: without the fix the files come out 0644, readable by every local user.
  const umask = process.umask(0o022);
  try {
    const file = join(dir, 'data', 'seatkeeper.db');
    const store = await openStore(`sqlite:${file}`);
    try {
      // A write, so the WAL holds something and the shared-memory file exists.
      await store.scans.start({ instance: 'wiki', startedAt: new Date('2026-03-01T00:00:00.000Z'), connectedAs: 'admin', lastLoginSource: 'rest', capabilities: LEGACY_CONFLUENCE_CAPABILITIES });
      assert.equal(mode(join(dir, 'data')), '700');
      for (const path of [file, `${file}-wal`, `${file}-shm`]) {
        assert.ok(existsSync(path), `${path} exists`);
        assert.equal(mode(path), '600', path);
      }
    } finally {
      await store.close();
    }
  } finally {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file that is not a database, or a damaged one, is InvalidInput on one line saying what to do', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sk-store-corrupt-'));
  try {
    const garbage = join(dir, 'garbage.db');
    writeFileSync(garbage, 'these bytes were never a SQLite database '.repeat(100));
    const damaged = join(dir, 'damaged.db');
    const healthy = new SqliteDatabase(damaged);
    healthy.exec('create table t (x); insert into t values (1)');
    healthy.close();
    // Page 1 after the 100-byte header holds the schema: overwritten, SQLite finds the image malformed.
    writeFileSync(damaged, Buffer.from(readFileSync(damaged)).fill(0x41, 100, 4096));
    const cases: [string, string][] = [
      [garbage, 'file is not a database'],
      [damaged, 'database disk image is malformed'],
    ];
    for (const [file, reason] of cases) {
      await assert.rejects(openStore(`sqlite:${file}`), (error: unknown) => {
        assert.ok(error instanceof InvalidInput, String(error));
        assert.equal(error.message, `the store at ${file} cannot be read: ${reason}; restore it from a backup or point store: at another file`);
        assert.deepEqual(error.problems, []);
        return true;
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
