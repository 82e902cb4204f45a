import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from './config-loader.ts';
import { redactConfig } from './config-redaction.ts';

test('config show: passwords in URLs (even with an empty user name), secret query parameters and secret keys are ***', () => {
  const config = parseConfig(
    {
      store: 'postgres://:store-secret@db.example.com:5432/seatkeeper?sslmode=require',
      instances: {
        wiki: {
          product: 'confluence-dc',
          url: 'https://wiki.example.com/confluence',
          auth: { username: 'admin', password: 'basic-secret' },
          lastLogin: 'database',
          database: 'mysql://confluence@db.example.com/confluence?password=db-secret&ssl=true',
        },
      },
      directories: { hr: { kind: 'http', url: 'https://hr.example.com/people?access_token=hr-secret&active=1', auth: { token: 'hr-token' } } },
      policies: { p: { instance: 'wiki', select: { inactiveDays: 90 } } },
    },
    {},
    'seatkeeper.yaml',
  );
  const shown = JSON.stringify(redactConfig(config));
  for (const secret of ['store-secret', 'basic-secret', 'db-secret', 'hr-secret', 'hr-token']) {
    assert.equal(shown.includes(secret), false, `${secret} in ${shown}`);
  }
  const view = JSON.parse(shown);
  assert.deepEqual(
    [view.store, view.instances.wiki.database, view.directories.hr.url, view.instances.wiki.auth],
    [
      'postgres://:***@db.example.com:5432/seatkeeper?sslmode=require',
      'mysql://confluence@db.example.com/confluence?password=***&ssl=true',
      'https://hr.example.com/people?access_token=***&active=1',
      { username: 'admin', password: '***' },
    ],
  );
  // Everything else reads as configured.
  assert.equal(view.instances.wiki.url, 'https://wiki.example.com/confluence');
  assert.equal(view.policies.p.select.inactiveDays, 90);
});
