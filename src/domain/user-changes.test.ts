import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkUserChanges, changesPlan, emailDomainMove, type UserChangeRequest } from './user-changes.ts';
import { verifyPlanHash } from './plan-hash.ts';
import { LEGACY_CONFLUENCE_CAPABILITIES } from './instance-capabilities.ts';
import { NOW, snapshot, user } from '../../test/support/snapshot-builder.ts';

const JIRA_LIKE = { ...LEGACY_CONFLUENCE_CAPABILITIES, productName: 'Jira', rename: true, updateEmail: true };

const base = (capabilities = LEGACY_CONFLUENCE_CAPABILITIES) =>
  snapshot({
    users: [user('alice'), user('bob'), user('carol', { status: 'disabled' }), user('root'), user('dave', { directory: 'Corporate LDAP' }), user('admin')],
    memberships: {
      'confluence-users': ['alice', 'bob', 'dave'],
      'team-a': ['alice'],
      'confluence-administrators': ['root'],
      'ldap-staff': ['dave'],
    },
    groups: ['team-b', 'break-glass'],
    readOnlyGroups: ['ldap-staff'],
    capabilities,
  });

const check = (requests: UserChangeRequest[], capabilities = LEGACY_CONFLUENCE_CAPABILITIES) =>
  checkUserChanges({ snapshot: base(capabilities), requests, protection: { users: [], groups: [] }, requestedBy: 'ops' });

test('each request is planned as exactly the steps it asks for, in the fixed order, or refused with the reason', () => {
  const cases: Array<{ name: string; request: UserChangeRequest; capabilities?: typeof JIRA_LIKE; steps?: unknown[]; refused?: string[]; notes?: string[] }> = [
    {
      name: 'remove, add, display name, deactivate',
      request: { username: 'Alice', removeGroups: ['TEAM-A'], addGroups: ['team-b'], displayName: 'Alice (left)', deactivate: true },
      steps: [
        { kind: 'remove-group', group: 'team-a' },
        { kind: 'add-group', group: 'team-b' },
        { kind: 'set-display-name', displayName: 'Alice (left)' },
        { kind: 'disable' },
      ],
    },
    { name: 'all groups', request: { username: 'alice', removeGroups: 'all' }, steps: [{ kind: 'remove-group', group: 'confluence-users' }, { kind: 'remove-group', group: 'team-a' }] },
    { name: 'exact set', request: { username: 'alice', setGroups: ['team-a', 'team-b'] }, steps: [{ kind: 'remove-group', group: 'confluence-users' }, { kind: 'add-group', group: 'team-b' }] },
    { name: 'reactivate', request: { username: 'carol', reactivate: true }, steps: [{ kind: 'enable' }] },
    { name: 'nothing left to do', request: { username: 'bob', addGroups: ['confluence-users'] }, steps: [], notes: ['already a direct member of confluence-users'] },
    { name: 'rename on Confluence', request: { username: 'bob', renameTo: 'bob_old' }, refused: ['rename to "bob_old" not possible: Confluence\'s API cannot rename users'] },
    { name: 'e-mail on Confluence', request: { username: 'bob', email: 'bob@new.example' }, refused: ['set e-mail to "bob@new.example" not possible: Confluence cannot change e-mail addresses over its API here'] },
    { name: 'rename where possible', request: { username: 'bob', renameTo: 'bob_old' }, capabilities: JIRA_LIKE, steps: [{ kind: 'rename', to: 'bob_old' }] },
    { name: 'rename to a taken name', request: { username: 'bob', renameTo: 'alice' }, capabilities: JIRA_LIKE, refused: ['rename to "alice" not possible: that name is not usable: it is taken by another user'] },
    { name: 'rename to an unusable name', request: { username: 'bob', renameTo: 'Bob X' }, capabilities: JIRA_LIKE, refused: ['rename to "Bob X" not possible: that name is not usable: it has upper-case letters, it has whitespace or one of \\ , + < > \' "'] },
    { name: 'e-mail where possible', request: { username: 'bob', email: 'bob@new.example' }, capabilities: JIRA_LIKE, steps: [{ kind: 'set-email', email: 'bob@new.example' }] },
    { name: 'not one address', request: { username: 'bob', email: 'a@x.example, b@y.example' }, capabilities: JIRA_LIKE, refused: ['the e-mail address "a@x.example, b@y.example" is a list of addresses (it contains "," or ";")'] },
    { name: 'display name with a line break', request: { username: 'bob', displayName: 'Bob\nAdmin' }, refused: ['the display name is empty or holds control characters'] },
    { name: 'unknown group', request: { username: 'bob', addGroups: ['nope'] }, refused: ['no group nope in scan scan_test'] },
    { name: 'administrator', request: { username: 'root', removeGroups: 'all' }, refused: ['the user is an administrator, and administrators are protected'] },
    { name: 'connecting account', request: { username: 'admin', deactivate: true }, refused: ['it is the account Seatkeeper connects as, which is never changed'] },
    { name: 'adding to an administrators\' group', request: { username: 'bob', addGroups: ['confluence-administrators'] }, refused: ['confluence-administrators gives administration, and Seatkeeper never adds anyone to it: add the user in Confluence'] },
    { name: 'read-only group', request: { username: 'dave', removeGroups: ['ldap-staff'] }, refused: ['ldap-staff cannot be changed through Confluence (read-only): change it in its directory'] },
    { name: 'read-only directory', request: { username: 'dave', deactivate: true }, refused: ['deactivate not possible: directory "Corporate LDAP" is read-only: change the account there'] },
    { name: 'contradiction', request: { username: 'bob', deactivate: true, reactivate: true }, refused: ['asks to deactivate and to reactivate: give one'] },
    { name: 'set and add', request: { username: 'bob', setGroups: [], addGroups: ['team-b'] }, refused: ['setGroups is the exact set: give it without removeGroups or addGroups'] },
    { name: 'no change', request: { username: 'bob' }, refused: ['asks for no change'] },
    { name: 'unknown user', request: { username: 'zed', deactivate: true }, refused: ['no user zed in scan scan_test'] },
  ];
  for (const c of cases) {
    const { verdicts, rows } = check([c.request], c.capabilities);
    const verdict = verdicts[0];
    assert.ok(verdict !== undefined, c.name);
    if (c.refused !== undefined) {
      assert.equal(verdict.status, 'refused', c.name);
      assert.deepEqual(verdict.reasons, c.refused, c.name);
      assert.deepEqual(rows, [], c.name);
    } else {
      assert.equal(verdict.status, 'ok', `${c.name}: ${verdict.reasons.join('; ')}`);
      assert.deepEqual(verdict.steps, c.steps, c.name);
      assert.deepEqual(rows.map((r) => r.steps), (c.steps ?? []).length > 0 ? [c.steps] : [], c.name);
      if (c.notes !== undefined) assert.deepEqual(verdict.notes, c.notes, c.name);
    }
  }
});

test('a row says who asked for what; a protected group and a user asked for twice are refused', () => {
  const { rows } = check([{ username: 'alice', removeGroups: ['team-a'] }]);
  assert.equal(rows[0]?.reason.text, 'requested by ops: remove from team-a');
  assert.equal(rows[0]?.reason.rule, 'requested');
  assert.equal(rows[0]?.freesSeat, false, 'alice keeps her seat through confluence-users');
  const freed = check([{ username: 'alice', removeGroups: 'all' }, { username: 'bob', deactivate: true }, { username: 'dave', addGroups: ['team-b'] }]);
  assert.deepEqual(freed.rows.map((r) => [r.username, r.freesSeat]), [['alice', true], ['bob', true], ['dave', false]]);
  const guarded = checkUserChanges({ snapshot: base(), requests: [{ username: 'bob', deactivate: true }], protection: { users: [], groups: ['confluence-users'] }, requestedBy: 'ops' });
  assert.deepEqual(guarded.verdicts[0]?.reasons, ['the user is protected: member of protected group confluence-users']);
  const twice = check([{ username: 'bob', deactivate: true }, { username: 'BOB', displayName: 'B' }]);
  assert.deepEqual(twice.verdicts.map((v) => v.status), ['refused', 'refused']);
});

test('two renames may not take the same free name', () => {
  const { verdicts } = check([{ username: 'alice', renameTo: 'x_1' }, { username: 'bob', renameTo: 'x_1' }], JIRA_LIKE);
  assert.deepEqual(verdicts.map((v) => v.status), ['ok', 'refused']);
  assert.deepEqual(verdicts[1]?.reasons, ['rename to "x_1" not possible: that name is not usable: it is taken by another user']);
});

test('a changes plan is hashed, of kind changes, and counts the licensed users for the limits', () => {
  const snap = base();
  const { rows } = checkUserChanges({ snapshot: snap, requests: [{ username: 'alice', removeGroups: ['team-a'] }], protection: { users: [], groups: [] }, requestedBy: 'ops' });
  const plan = changesPlan({ snapshot: snap, rows, now: NOW });
  assert.equal(plan.kind, 'changes');
  assert.equal(plan.licensedUsers, 3);
  assert.equal(verifyPlanHash(plan), true);
});

test('a domain move asks for each address of the old domain only, keeping the local part', () => {
  const users = [
    { username: 'b', email: 'B.Smith@Old.Example' },
    { username: 'a', email: 'a@old.example' },
    { username: 'c', email: 'c@sub.old.example' },
    { username: 'd', email: null },
    { username: 'e', email: 'e@other.example' },
  ];
  assert.deepEqual(emailDomainMove(users, '@old.example', 'new.example'), [
    { username: 'a', email: 'a@new.example' },
    { username: 'b', email: 'B.Smith@new.example' },
  ]);
});
