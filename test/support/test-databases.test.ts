import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_DATABASE_ENV, testDatabaseUrl } from './test-databases.ts';

function withEnv(values: Record<string, string | undefined>, work: () => void): void {
  const saved = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  const apply = (entries: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(entries)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(values);
  try {
    work();
  } finally {
    apply(saved);
  }
}

test('testDatabaseUrl: returns the URL when set, skips with the variable named when unset, fails in CI', () => {
  const skipped: string[] = [];
  const context = { skip: (message: string) => skipped.push(message) } as unknown as TestContext;
  const variable = TEST_DATABASE_ENV.mariadb;

  withEnv({ [variable]: 'mysql://root@127.0.0.1:3306/test', CI: 'true' }, () => {
    assert.equal(testDatabaseUrl('mariadb', context), 'mysql://root@127.0.0.1:3306/test');
  });
  withEnv({ [variable]: undefined, CI: undefined }, () => {
    assert.equal(testDatabaseUrl('mariadb', context), null);
  });
  assert.equal(skipped.length, 1);
  assert.match(skipped[0]!, /SEATKEEPER_TEST_MARIADB_URL is not set/);
  withEnv({ [variable]: undefined, CI: 'true' }, () => {
    assert.throws(() => testDatabaseUrl('mariadb', context), /SEATKEEPER_TEST_MARIADB_URL is not set/);
  });
  assert.equal(skipped.length, 1, 'CI never skips');
});
