import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jiraDcConfigSchema } from './jira-dc-config.ts';

describe('jira-dc config', () => {
  it('fills the defaults of the DESIGN.md example', () => {
    const config = jiraDcConfigSchema.parse({ product: 'jira-dc', url: 'https://jira.example.com', auth: { token: 't' }, lastLogin: 'database', database: 'postgres://ro@db/jira' });
    assert.deepEqual(
      [config.userListing, config.userSearchQuery, config.concurrency, config.pageSize, config.allowInsecureHttp, config.circuitBreaker.failures],
      ['auto', '.', 4, 1000, false, 10],
    );
  });

  it('lists every problem at once: database missing for lastLogin: database, credentials over plain http', () => {
    const result = jiraDcConfigSchema.safeParse({ product: 'jira-dc', url: 'http://jira.example.com', auth: { username: 'svc', password: 'pw' }, lastLogin: 'database', userSearchQuery: 'a\nb' });
    assert.equal(result.success, false);
    const paths = result.error?.issues.map((i) => i.path.join('.')).sort();
    assert.deepEqual(paths, ['database', 'url', 'userSearchQuery']);
  });

  it('refuses an unknown key and a bad auth shape', () => {
    assert.equal(jiraDcConfigSchema.safeParse({ product: 'jira-dc', url: 'https://j', auth: { token: 't' }, licenseGroups: 'auto' }).success, false);
    assert.equal(jiraDcConfigSchema.safeParse({ product: 'jira-dc', url: 'https://j', auth: { token: '' } }).success, false);
  });
});
