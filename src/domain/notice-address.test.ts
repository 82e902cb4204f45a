import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { noticeAddressProblem } from './notice-address.ts';
import { decideStage } from './lifecycle.ts';
import type { LifecycleSettings } from './lifecycle-settings.ts';
import type { InactiveUsersPolicy } from './policy.ts';
import type { UserSnapshot } from './snapshot.ts';

describe('noticeAddressProblem', () => {
  for (const email of ['ada@example.com', 'ada.lovelace+wiki@mail.example.co.uk', "o'brien@example.ie", 'jörg@müller.example', 'x_y-z@a-b.example']) {
    it(`${email} is one address`, () => assert.equal(noticeAddressProblem(email), null));
  }
  const bad: [string, string][] = [
    ['a@x.example, b@y.example', 'is a list of addresses (it contains "," or ";")'],
    ['a@x.example;b@y.example', 'is a list of addresses (it contains "," or ";")'],
    ['Boss <boss@x.example>', 'has a display name, quotes, comments or angle brackets'],
    ['<boss@x.example>', 'has a display name, quotes, comments or angle brackets'],
    ['"a@b"@x.example', 'has a display name, quotes, comments or angle brackets'],
    ['ada@example.com\r\nBcc: eve@evil.example', 'contains a line break or control character'],
    ['ada@example.com\nbcc@evil.example', 'contains a line break or control character'],
    ['ada@example.com\u202e', 'contains a line break or control character'],
    ['a@b@x.example', 'has 2 "@"'],
    ['ada.example.com', 'has no "@"'],
    ['ada @example.com', 'contains a space'],
    ['@example.com', 'has no plain local part before the "@"'],
    ['a..b@example.com', 'has no plain local part before the "@"'],
    ['.a@example.com', 'has no plain local part before the "@"'],
    [`${'a'.repeat(65)}@example.com`, 'has no plain local part before the "@"'],
    ['ada@localhost', 'has no domain name after the "@"'],
    ['ada@-x.example', 'has no domain name after the "@"'],
    ['ada@x..example', 'has no domain name after the "@"'],
    ['ada@[127.0.0.1]', 'has no domain name after the "@"'],
    [`a@${'b'.repeat(250)}.example`, 'is longer than 254 characters'],
    ['', 'is empty'],
  ];
  for (const [email, problem] of bad) {
    it(`${JSON.stringify(email)} ${problem}`, () => assert.equal(noticeAddressProblem(email), problem));
  }
});

describe('a notice stage with an address that is not one address', () => {
  const now = new Date('2026-03-01T03:00:00.000Z');
  const policy: InactiveUsersPolicy = {
    id: 'inactive-users',
    instance: 'wiki',
    select: { inactiveDays: 90, neverLoggedInDays: 30, directories: [], group: null },
    exclude: { users: [], groups: [] },
    actions: { removeGroups: 'license', addGroups: [], deactivate: false, rename: null },
  };
  const user = (email: string | null): UserSnapshot => ({
    username: 'alice',
    userKey: 'key-alice',
    displayName: 'Alice Smith',
    email,
    status: 'active',
    directory: 'Confluence Internal Directory',
    lastLogin: new Date(now.getTime() - 200 * 86_400_000),
    loginKnown: true,
    createdAt: null,
    firstSeen: new Date('2025-01-01T00:00:00.000Z'),
  });
  const settings = (required: boolean): LifecycleSettings => ({ notice: { daysBefore: 14, required }, deactivateAfterDays: null, rename: null });
  const decide = (email: string | null, required = true) =>
    decideStage({ policy, settings: settings(required), user: user(email), licensed: true, record: null, now }).decision;

  it('a list of two addresses: no notice, the user is unwarnable, and the reason names the address', () => {
    assert.deepEqual(decide('a@x.example, b@y.example'), {
      status: 'unwarnable',
      why: 'e-mail address "a@x.example, b@y.example" is a list of addresses (it contains "," or ";")',
    });
  });

  it('a display name with CR/LF: unwarnable', () => {
    const decision = decide('Alice <alice@example.com>\r\nBcc: eve@evil.example');
    assert.equal(decision.status, 'unwarnable');
  });

  it('no address at all: unwarnable, as before', () => {
    assert.deepEqual(decide(null), { status: 'unwarnable', why: 'no e-mail address' });
  });

  it('with notice.required: false the licence goes without a notice, and the row says why', () => {
    const decision = decide('a@x.example, b@y.example', false);
    assert.equal(decision.status, 'due');
    assert.ok(decision.status === 'due');
    assert.equal(decision.action, 'unlicense');
    assert.deepEqual(decision.notes, ['e-mail address "a@x.example, b@y.example" is a list of addresses (it contains "," or ";"): the licence goes without a notice (notice.required: false)']);
  });

  it('one plain address still gets its notice', () => {
    const decision = decide('alice@example.com');
    assert.ok(decision.status === 'due');
    assert.equal(decision.action, 'notice');
  });
});
