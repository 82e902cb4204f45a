import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { redactCaptures as redactWith, type CheckCapture, type RedactedCapture } from './capture-redaction.ts';
import { CONFLUENCE_REDACTED_ORIGIN as REDACTED_ORIGIN, CONFLUENCE_REDACTION } from '../connectors/confluence-dc/confluence-dc-check-vocabulary.ts';

/** These cases are Confluence's payloads, so they are redacted with its vocabulary. */
function redactCaptures(baseUrl: string, captures: readonly CheckCapture[]): RedactedCapture[] {
  return redactWith(baseUrl, captures, CONFLUENCE_REDACTION);
}

const BASE = 'https://wiki.acme.test:8443/confluence';

function person(username: string, userKey: string, displayName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'known',
    username,
    userKey,
    displayName,
    profilePicture: { path: '/confluence/images/icons/profilepics/default.svg', width: 48, height: 48, isDefault: true },
    ...extra,
    _links: { self: `${BASE}/rest/api/user?key=${encodeURIComponent(userKey)}` },
    _expandable: { personalSpace: `/rest/api/space/~${encodeURIComponent(username)}` },
  };
}

function page(results: unknown[], path: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { results, start: 0, limit: 500, size: results.length, totalCount: results.length, _links: { base: BASE, context: '/confluence', self: `${BASE}${path}` }, ...extra };
}

/** A small set of responses naming Alice, Bob and two groups in every way Confluence does. */
function aliceAndBob(): CheckCapture[] {
  return [
    { template: '/rest/api/user/current', names: [], query: {}, status: 200, body: person('alice', '8a7f0001', 'Alice Smith', { email: 'Alice.Smith@acme.test' }) },
    {
      template: '/rest/api/user/list',
      names: [],
      query: { expand: 'status', start: 0, limit: 1000 },
      status: 200,
      body: page(
        [
          person('ALICE', '8a7f0001', 'Alice Smith', { status: 'current' }),
          person('bob', '8a7f0002', 'Bob Jones', { status: 'DEACTIVATED' }),
          { type: 'anonymous', displayName: 'Anonymous' },
        ],
        '/rest/api/user/list?expand=status',
        { _links: { base: BASE, context: '/confluence', next: '/rest/api/user/list?expand=status&start=500&limit=500' } },
      ),
    },
    {
      template: '/rest/api/admin/users/list/active',
      names: [],
      query: { expand: 'lastLogin', limit: 1000 },
      status: 200,
      body: page([person('bob', '8a7f0002', 'Bob Jones', { email: 'bob@acme.test', lastLogin: '2025-11-01T09:30:00.000+01:00' })], '/rest/api/admin/users/list/active'),
    },
    {
      template: '/rest/api/group',
      names: [],
      query: { start: 0, limit: 1000 },
      status: 200,
      body: page(
        [
          { type: 'group', name: 'project phoenix', _links: { self: `${BASE}/rest/api/group/project%20phoenix` } },
          { type: 'group', name: 'eng/platform', _links: { self: `${BASE}/rest/api/group/eng%2Fplatform` } },
        ],
        '/rest/api/group',
      ),
    },
    {
      template: '/rest/api/group/{group}/member',
      names: [{ param: 'group', kind: 'group', value: 'Project Phoenix' }],
      query: { limit: 1000 },
      status: 200,
      body: page([person('alice', '8a7f0001', 'Alice Smith')], '/rest/api/group/project%20phoenix/member?limit=1000'),
    },
    {
      template: '/rest/api/user/memberof',
      names: [{ param: 'username', kind: 'username', value: 'bob' }],
      query: { start: 0, limit: 1000 },
      status: 404,
      body: { statusCode: 404, message: 'No user found with username: bob (Bob Jones, bob@acme.test)', reason: 'Not Found' },
    },
    {
      template: '/rest/api/permissions',
      names: [],
      query: {},
      status: 200,
      body: [
        { operation: { targetType: 'application', operationKey: 'use' }, subject: { type: 'group', displayName: 'eng/platform' } },
        { operation: { targetType: 'system', operationKey: 'administer' }, subject: { type: 'user', displayName: 'Alice Smith', username: 'alice', userKey: '8a7f0001' } },
      ],
    },
    {
      template: '/rest/applinks/1.0/manifest',
      names: [],
      query: {},
      status: 200,
      body: { id: '3f1c2a9e-1111-2222-3333-444455556666', name: 'ACME Wiki', typeId: 'confluence', version: '8.5.16', buildNumber: 8516, url: BASE },
    },
    {
      template: '/login.action',
      names: [],
      query: {},
      status: 200,
      body: '<html><head><title>ACME Wiki</title><meta name="ajs-version-number" content="8.5.16"><meta name="ajs-remote-user" content="alice"></head></html>',
    },
  ];
}

/** Upper case for a-z only: `ß` upper-cases to `SS`, which Confluence (like toLowerCase) treats as another name. */
function asciiUpper(text: string): string {
  return text.replace(/[a-z]/g, (c) => c.toUpperCase());
}

describe('redactCaptures', () => {
  it('replaces every name, key, e-mail and host consistently and keeps vocabulary, counts and shapes', () => {
    const [current, list, admin, groups, members, memberOf, permissions, manifest, login] = redactCaptures(BASE, aliceAndBob());
    assert.deepEqual(current?.body, {
      type: 'known',
      username: 'user-0001',
      userKey: 'key-0001',
      displayName: 'User 0001',
      profilePicture: { path: '/confluence/images/icons/profilepics/default.svg', width: 48, height: 48, isDefault: true },
      email: 'user-0001@example.invalid',
      _links: { self: `${REDACTED_ORIGIN}/confluence/rest/api/user?key=key-0001` },
      _expandable: { personalSpace: '/rest/api/space/~user-0001' },
    });
    // The same account in another case, another payload: the same placeholder.
    assert.deepEqual(list?.body, {
      results: [
        { ...(current?.body as object), email: undefined, status: 'current' },
        {
          type: 'known', username: 'user-0002', userKey: 'key-0002', displayName: 'User 0002',
          profilePicture: { path: '/confluence/images/icons/profilepics/default.svg', width: 48, height: 48, isDefault: true },
          status: 'DEACTIVATED',
          _links: { self: `${REDACTED_ORIGIN}/confluence/rest/api/user?key=key-0002` },
          _expandable: { personalSpace: '/rest/api/space/~user-0002' },
        },
        { type: 'anonymous', displayName: 'User 0003' },
      ].map((entry) => JSON.parse(JSON.stringify(entry))),
      start: 0, limit: 500, size: 3, totalCount: 3,
      _links: { base: `${REDACTED_ORIGIN}/confluence`, context: '/confluence', next: '/rest/api/user/list?expand=status&start=500&limit=500' },
    });
    assert.equal(list?.route, '/rest/api/user/list?expand=status&start=0&limit=1000');
    const bob = (admin?.body as { results: Record<string, unknown>[] }).results[0];
    assert.equal(bob?.['email'], 'user-0002@example.invalid');
    assert.equal(bob?.['lastLogin'], '2025-11-01T09:30:00.000+01:00');
    assert.deepEqual((groups?.body as { results: unknown[] }).results, [
      { type: 'group', name: 'group-0001', _links: { self: `${REDACTED_ORIGIN}/confluence/rest/api/group/group-0001` } },
      { type: 'group', name: 'group-0002', _links: { self: `${REDACTED_ORIGIN}/confluence/rest/api/group/group-0002` } },
    ]);
    assert.equal(members?.route, '/rest/api/group/group-0001/member?limit=1000');
    assert.equal((members?.body as { _links: { self: string } })._links.self, `${REDACTED_ORIGIN}/confluence/rest/api/group/group-0001/member?limit=1000`);
    assert.equal(memberOf?.route, '/rest/api/user/memberof?username=user-0002&start=0&limit=1000');
    assert.equal(memberOf?.status, 404);
    assert.deepEqual(memberOf?.body, { statusCode: 404, message: 'No user found with username: user-0002 (User 0002, user-0002@example.invalid)', reason: 'Not Found' });
    assert.deepEqual(permissions?.body, [
      { operation: { targetType: 'application', operationKey: 'use' }, subject: { type: 'group', displayName: 'group-0002' } },
      { operation: { targetType: 'system', operationKey: 'administer' }, subject: { type: 'user', displayName: 'User 0001', username: 'user-0001', userKey: 'key-0001' } },
    ]);
    assert.deepEqual(manifest?.body, {
      id: '00000000-0000-0000-0000-000000000000', name: 'Confluence site', typeId: 'confluence', version: '8.5.16', buildNumber: 8516, url: `${REDACTED_ORIGIN}/confluence`,
    });
    assert.equal(login?.body, '<meta name="ajs-version-number" content="8.5.16">');
    const text = JSON.stringify([current, list, admin, groups, members, memberOf, permissions, manifest, login]);
    for (const gone of ['alice', 'bob', 'Smith', 'Jones', 'acme', 'phoenix', 'eng/platform', 'eng%2F', '8a7f', '3f1c2a9e']) {
      assert.equal(text.toLowerCase().includes(gone.toLowerCase()), false, `${gone} survived`);
    }
  });

  it('names files after the redacted route, uniquely', () => {
    const capture: CheckCapture = { template: '/rest/api/group/{group}/member', names: [{ param: 'group', kind: 'group', value: 'a b' }], query: { limit: 1 }, status: 200, body: null };
    const files = redactCaptures(BASE, [capture, capture, { ...capture, names: [{ param: 'group', kind: 'group', value: 'c' }] }]).map((c) => c.file);
    assert.deepEqual(files, ['rest-api-group-group-0001-member-limit-1.json', 'rest-api-group-group-0001-member-limit-1-2.json', 'rest-api-group-group-0002-member-limit-1.json']);
  });

  it('leaves the REST route words of a link alone when a user is named like one (admin)', () => {
    const [redacted] = redactCaptures(BASE, [
      {
        template: '/rest/api/admin/users/list/active',
        names: [],
        query: {},
        status: 200,
        body: page([person('admin', 'k1', 'Confluence Administrator')], '/rest/api/admin/users/list/active?limit=1'),
      },
    ]);
    const body = redacted?.body as { results: Record<string, unknown>[]; _links: { self: string } };
    assert.equal(body._links.self, `${REDACTED_ORIGIN}/confluence/rest/api/admin/users/list/active?limit=1`);
    assert.equal(body.results[0]?.['username'], 'user-0001');
    assert.deepEqual(body.results[0]?.['_expandable'], { personalSpace: '/rest/api/space/~user-0001' });
  });

  it('reads objects without a type by their route: group listings, memberof, child groups and permission subjects', () => {
    const [groups, memberOf, children, permissions, groupPermissions] = redactCaptures(BASE, [
      {
        template: '/rest/api/group',
        names: [],
        query: {},
        status: 200,
        body: page([{ name: 'hr', _links: { self: `${BASE}/rest/api/group/hr` } }, { name: 'project phoenix', _links: { self: `${BASE}/rest/api/group/project%20phoenix` } }], '/rest/api/group'),
      },
      {
        template: '/rest/api/user/memberof',
        names: [{ param: 'username', kind: 'username', value: 'alice' }],
        query: {},
        status: 200,
        body: page([{ name: 'finance', _links: { self: `${BASE}/rest/api/group/finance` } }], '/rest/api/user/memberof?username=alice'),
      },
      {
        template: '/rest/api/group/{group}/groupmember',
        names: [{ param: 'group', kind: 'group', value: 'finance' }],
        query: {},
        status: 200,
        body: page([{ name: 'finance emea' }], '/rest/api/group/finance/groupmember'),
      },
      {
        template: '/rest/api/permissions',
        names: [],
        query: {},
        status: 200,
        body: [
          { operation: { targetType: 'application', operationKey: 'use' }, subject: { displayName: 'auditors' } },
          { operation: { targetType: 'application', operationKey: 'use' }, subject: { name: 'hr' } },
          { operation: { targetType: 'system', operationKey: 'administer' }, subject: { username: 'carol', displayName: 'Carol King' } },
        ],
      },
      {
        template: '/rest/api/permissions/group/{group}',
        names: [{ param: 'group', kind: 'group', value: 'sales' }],
        query: {},
        status: 200,
        body: [{ operation: { targetType: 'application', operationKey: 'use' }, subject: { name: 'sales' } }],
      },
    ]);
    assert.deepEqual((groups?.body as { results: unknown[] }).results, [
      { name: 'group-0001', _links: { self: `${REDACTED_ORIGIN}/confluence/rest/api/group/group-0001` } },
      { name: 'group-0002', _links: { self: `${REDACTED_ORIGIN}/confluence/rest/api/group/group-0002` } },
    ]);
    assert.equal(memberOf?.route, '/rest/api/user/memberof?username=user-0001');
    assert.deepEqual((memberOf?.body as { results: unknown[] }).results, [{ name: 'group-0003', _links: { self: `${REDACTED_ORIGIN}/confluence/rest/api/group/group-0003` } }]);
    assert.equal((memberOf?.body as { _links: { self: string } })._links.self, `${REDACTED_ORIGIN}/confluence/rest/api/user/memberof?username=user-0001`);
    assert.equal(children?.route, '/rest/api/group/group-0003/groupmember');
    assert.deepEqual((children?.body as { results: unknown[] }).results, [{ name: 'group-0004' }]);
    assert.deepEqual(permissions?.body, [
      { operation: { targetType: 'application', operationKey: 'use' }, subject: { displayName: 'group-0005' } },
      { operation: { targetType: 'application', operationKey: 'use' }, subject: { name: 'group-0001' } },
      { operation: { targetType: 'system', operationKey: 'administer' }, subject: { username: 'user-0002', displayName: 'User 0001' } },
    ]);
    assert.equal(groupPermissions?.route, '/rest/api/permissions/group/group-0006');
    assert.deepEqual(groupPermissions?.body, [{ operation: { targetType: 'application', operationKey: 'use' }, subject: { name: 'group-0006' } }]);
  });

  it('replaces names under three characters as whole tokens in text and paths, and leaves words and route words alone', () => {
    const [list, members, memberOf] = redactCaptures(BASE, [
      {
        template: '/rest/api/user/list',
        names: [],
        query: {},
        status: 200,
        body: page(
          [person('jo', 'k1', 'Jo', { avatar: '/download/attachments/1/jo.png', note: 'jo-team: Jo joined; joke, major, jo_x, ajo' })],
          '/rest/api/user/list?username=jo',
        ),
      },
      { template: '/rest/api/group/{group}/member', names: [{ param: 'group', kind: 'group', value: 'hr' }], query: {}, status: 200, body: page([], '/rest/api/group/hr/member') },
      {
        template: '/rest/api/user/memberof',
        names: [{ param: 'username', kind: 'username', value: 'jo' }],
        query: {},
        status: 403,
        body: { statusCode: 403, message: 'User jo may not read hr (HR, "hr").', reason: 'Forbidden' },
      },
    ]);
    const jo = (list?.body as { results: Record<string, unknown>[] }).results[0];
    assert.equal(jo?.['username'], 'user-0001');
    assert.equal(jo?.['displayName'], 'User 0001');
    assert.equal(jo?.['avatar'], '/download/attachments/1/user-0001.png');
    assert.equal(jo?.['note'], 'user-0001-team: user-0001 joined; joke, major, jo_x, ajo');
    assert.deepEqual(jo?.['_expandable'], { personalSpace: '/rest/api/space/~user-0001' });
    assert.equal((list?.body as { _links: { self: string } })._links.self, `${REDACTED_ORIGIN}/confluence/rest/api/user/list?username=user-0001`);
    assert.equal(members?.route, '/rest/api/group/group-0001/member');
    assert.equal((members?.body as { _links: { self: string } })._links.self, `${REDACTED_ORIGIN}/confluence/rest/api/group/group-0001/member`);
    assert.deepEqual(memberOf?.body, { statusCode: 403, message: 'User user-0001 may not read group-0001 (group-0001, "group-0001").', reason: 'Forbidden' });
  });

  it('replaces e-mail addresses found only in free text, each always by the same placeholder', () => {
    const [current, denied, described] = redactCaptures(BASE, [
      { template: '/rest/api/user/current', names: [], query: {}, status: 200, body: person('alice', 'k1', 'Alice Smith', { email: 'alice@acme.test' }) },
      {
        template: '/rest/api/user/memberof',
        names: [],
        query: {},
        status: 403,
        body: { message: 'Ask Dana.O\'Neil+wiki@corp.acme.test or ALICE@acme.test (mailto:dana.o\'neil+wiki@corp.acme.test).', reason: 'Forbidden' },
      },
      {
        template: '/rest/api/group',
        names: [],
        query: {},
        status: 200,
        body: page([{ type: 'group', name: 'ops', description: 'Owner: it-help@acme.test, backup dana.o\'neil+wiki@Corp.Acme.test' }], '/rest/api/group'),
      },
    ]);
    assert.equal((current?.body as { email: string }).email, 'user-0001@example.invalid');
    assert.deepEqual(denied?.body, {
      message: 'Ask user-0002@example.invalid or user-0001@example.invalid (mailto:user-0002@example.invalid).',
      reason: 'Forbidden',
    });
    assert.deepEqual((described?.body as { results: unknown[] }).results, [
      { type: 'group', name: 'group-0001', description: 'Owner: user-0003@example.invalid, backup user-0002@example.invalid' },
    ]);
  });

  it('replaces names made of or carrying control and bidi characters', () => {
    const names = ['\u202e', '\t', '\u2028', 'j\u202e', 'jo\u0007n', '\u200fbob\u202c'];
    const redacted = redactCaptures(
      BASE,
      names.map((name, i): CheckCapture => ({
        template: '/rest/api/user/memberof',
        names: [{ param: 'username', kind: 'username', value: name }],
        query: {},
        status: 404,
        body: {
          results: [{ type: 'known', username: name, userKey: `key${String(i)}`, displayName: name }],
          message: `No user ${name} here`,
          _links: { self: `${BASE}/rest/api/user?username=${encodeURIComponent(name)}`, space: `/display/~${encodeURIComponent(name)}` },
        },
      })),
    );
    for (const [i, capture] of redacted.entries()) {
      const placeholder = `user-${String(i + 1).padStart(4, '0')}`;
      assert.equal(capture.route, `/rest/api/user/memberof?username=${placeholder}`);
      assert.deepEqual(capture.body, {
        results: [{ type: 'known', username: placeholder, userKey: `key-${String(i + 1).padStart(4, '0')}`, displayName: `User ${String(i + 1).padStart(4, '0')}` }],
        message: `No user ${placeholder} here`,
        _links: { self: `${REDACTED_ORIGIN}/confluence/rest/api/user?username=${placeholder}`, space: `/display/~${placeholder}` },
      });
    }
  });

  it('property: no original username, key, display name, e-mail, group name or host survives anywhere in the output', () => {
    // Every long identity contains "zq", which nothing else in a payload does: any "zq" left is a leak. Short names
    // (one or two of q, x, z) are no word of a payload either: any such token left is a leak.
    const token = fc.stringMatching(/^[a-z0-9]{3,8}$/);
    const short = fc.stringMatching(/^[qxz]{1,2}$/);
    const decoration = fc.constantFrom('', '.x', ' jr', '+1', '&b', 'é', '/team', '"q"', 'ü ß', '%41', 'İ', '\u202e', '\u0007', '\t', '\u200f');
    const someText = fc.string({ maxLength: 5 }).filter((s) => !s.toLowerCase().includes('zq'));
    const identity = fc.record({
      token,
      user: decoration,
      shortUser: fc.option(short, { nil: null }),
      display: fc.tuple(someText, someText),
      mailDomain: fc.constantFrom('acme.test', 'zqcorp.test'),
      group: decoration,
      shortGroup: fc.option(short, { nil: null }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(identity, { minLength: 1, maxLength: 6, selector: (i) => i.token }), fc.boolean(), (people, upper) => {
        const users = people.map((p, index) => ({
          username: p.shortUser ?? `zq${p.token}${p.user}`,
          userKey: `zqkey${index}${p.token}`,
          displayName: `${p.display[0]}Zq${p.token.toUpperCase()}${p.display[1]}`,
          email: `zq.${p.token}${p.user.replace(/[^a-z.]/gi, '')}@${p.mailDomain}`,
          // An address named only in free text, never in an e-mail field.
          contact: `helpdesk.zq${p.token}@${p.mailDomain}`,
          group: p.shortGroup ?? `team zq${p.token}${p.group}`,
        }));
        const shortNames = new Set(people.flatMap((p) => [p.shortUser, p.shortGroup]).filter((n): n is string => n !== null));
        const base = 'http://wiki.zqhost.example:8090/confluence';
        const captures: CheckCapture[] = users.flatMap((u): CheckCapture[] => [
          {
            template: '/rest/api/user/list',
            names: [],
            query: { expand: 'status' },
            status: 200,
            body: {
              results: [{
                type: 'known', username: upper ? asciiUpper(u.username) : u.username, userKey: u.userKey, displayName: u.displayName, status: 'current',
                _links: { self: `${base}/rest/api/user?key=${encodeURIComponent(u.userKey)}`, avatar: `/download/attachments/1/${encodeURIComponent(u.username)}.png` },
              }],
              totalCount: 1,
              _links: { base, next: `/rest/api/user/memberof?${new URLSearchParams({ username: u.username, start: '1' }).toString()}` },
            },
          },
          {
            template: '/rest/api/group/{group}/member',
            names: [{ param: 'group', kind: 'group', value: u.group }],
            query: { limit: 1000 },
            status: 200,
            body: {
              results: [{ type: 'known', username: u.username, userKey: u.userKey, displayName: u.displayName, email: u.email }],
              _links: { self: `${base}/rest/api/group/${encodeURIComponent(u.group)}/member`, raw: `/rest/api/group/${u.group}/member` },
            },
          },
          {
            template: '/rest/api/user/memberof',
            names: [{ param: 'username', kind: 'username', value: u.username }],
            query: {},
            status: 403,
            body: { message: `User ${u.username} (${u.displayName}, ${u.email}, key ${u.userKey}) may not see ${u.group} on ${base}; ask ${u.contact}.`, reason: 'Forbidden' },
          },
          {
            template: '/rest/api/permissions',
            names: [],
            query: {},
            status: 200,
            body: [
              { operation: { targetType: 'application', operationKey: 'use' }, subject: { type: 'group', displayName: u.group } },
              { operation: { targetType: 'application', operationKey: 'use' }, subject: { displayName: u.group } },
            ],
          },
          {
            // Group objects without a `type`, as the group routes list them.
            template: '/rest/api/group',
            names: [],
            query: {},
            status: 200,
            body: { results: [{ name: u.group, description: `Owner: ${u.contact}`, _links: { self: `${base}/rest/api/group/${encodeURIComponent(u.group)}` } }] },
          },
        ]);
        const redacted = redactCaptures(base, captures);
        const text = JSON.stringify(redacted);
        assert.equal(/zq/i.test(text), false, text.slice(Math.max(0, text.toLowerCase().indexOf('zq') - 80), text.toLowerCase().indexOf('zq') + 80));
        const strings: string[] = [];
        const walk = (value: unknown): void => {
          if (typeof value === 'string') strings.push(value);
          else if (Array.isArray(value)) value.forEach(walk);
          else if (typeof value === 'object' && value !== null) {
            for (const [key, item] of Object.entries(value)) {
              strings.push(key);
              walk(item);
            }
          }
        };
        walk(redacted);
        for (const word of strings.flatMap((s) => s.toLowerCase().split(/[^\p{L}\p{N}\p{M}_]+/u))) {
          assert.equal(shortNames.has(word), false, `${word} survived in ${text}`);
        }
        // Counts, status words and the statuses themselves are kept.
        assert.deepEqual(redacted.map((c) => c.status), captures.map((c) => c.status));
        for (const [i, capture] of redacted.entries()) {
          if (captures[i]?.template === '/rest/api/user/list') assert.equal((capture.body as { results: { status: string }[] }).results[0]?.status, 'current');
        }
        // One username, one placeholder: the user list entry and the memberof route name the same one.
        const per = captures.length / users.length;
        for (let i = 0; i < users.length; i += 1) {
          const listed = (redacted[i * per]?.body as { results: { username: string }[] }).results[0]?.username;
          assert.equal(redacted[i * per + 2]?.route, `/rest/api/user/memberof?username=${listed ?? ''}`);
        }
      }),
      { numRuns: 300 },
    );
  });
});
