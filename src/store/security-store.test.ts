// The API's security store: admin accounts, tokens, sessions and idempotency keys, on SQLite and PostgreSQL.
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect } from '../../test/support/dialect-fixture.ts';
import type { Store } from '../app/store-port.ts';
import { Conflict, InvalidInput, NotAllowed, NotAuthenticated } from '../domain/errors.ts';
import { fixedClock } from '../app/clock.ts';
import { createAdmin, disableAdmin } from '../app/admin-accounts.ts';
import { authenticateToken, issueToken, secretHash } from '../app/api-tokens.ts';
import { authenticateSession, signIn } from '../app/admin-sessions.ts';
import { idempotentWrite } from '../app/idempotent-write.ts';

const t0 = new Date('2026-03-01T09:00:00.000Z');
const minutes = (n: number): Date => new Date(t0.getTime() + n * 60_000);
const timeouts = { idleMs: 30 * 60_000, absoluteMs: 8 * 60 * 60_000 };
const PASSWORD = 'correct horse battery';

describeEachDialect('API security store', (fixture) => {
  let store: Store;
  const clock = fixedClock(t0);
  beforeEach(() => {
    store = fixture().store;
    clock.set(t0);
  });

  test('an admin is stored with an argon2id hash, found by any spelling of the name, and a second one of that name is refused', async () => {
    const created = await createAdmin({ store, clock }, { name: 'Ada.Admin', role: 'operator', password: PASSWORD });
    assert.match(created.passwordHash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.ok(!created.passwordHash.includes(PASSWORD));
    const found = await store.admins.get('ada.admin');
    assert.deepEqual(found, { name: 'Ada.Admin', passwordHash: created.passwordHash, role: 'operator', disabled: false, createdAt: t0.toISOString(), disabledAt: null });
    await assert.rejects(createAdmin({ store, clock }, { name: 'ADA.ADMIN', role: 'viewer', password: PASSWORD }), Conflict);
  });

  test('a short password, and a name with a space or a control character, are refused before anything is stored', async () => {
    await assert.rejects(createAdmin({ store, clock }, { name: 'shorty', role: 'viewer', password: 'elevenchars' }), InvalidInput);
    await assert.rejects(createAdmin({ store, clock }, { name: 'two words', role: 'viewer', password: PASSWORD }), InvalidInput);
    await assert.rejects(createAdmin({ store, clock }, { name: 'esc\u001b', role: 'viewer', password: PASSWORD }), InvalidInput);
    assert.equal(await store.admins.get('shorty'), null);
  });

  test('a token is stored only as its hash, acts with its owner role capped by its scope, records its last use, and stops at its expiry', async () => {
    await createAdmin({ store, clock }, { name: 'tok-owner', role: 'admin', password: PASSWORD });
    const { token, record } = await issueToken({ store, clock }, { admin: 'tok-owner', scope: 'read', expiresDays: 2 });
    assert.match(token, /^skt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.equal(record.expiresAt, new Date(t0.getTime() + 2 * 86_400_000).toISOString());
    clock.set(minutes(5));
    assert.deepEqual(await authenticateToken({ store, clock }, token), { admin: 'tok-owner', role: 'viewer', tokenId: record.id });
    const [listed] = await store.tokens.list('tok-owner');
    assert.equal(listed?.lastUsedAt, minutes(5).toISOString());
    // The secret is nowhere in the store; its hash is.
    assert.equal(await store.tokens.use(token, minutes(6)), null);
    assert.notEqual(await store.tokens.use(secretHash(token), minutes(6)), null);
    assert.equal(await authenticateToken({ store, clock }, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`), null);
    clock.set(new Date(t0.getTime() + 2 * 86_400_000));
    assert.equal(await authenticateToken({ store, clock }, token), null, 'expired at its expiry instant');
  });

  test('a viewer\'s admin-scope token still acts as a viewer', async () => {
    await createAdmin({ store, clock }, { name: 'tok-viewer', role: 'viewer', password: PASSWORD });
    const { token } = await issueToken({ store, clock }, { admin: 'tok-viewer', scope: 'admin', expiresDays: 1 });
    assert.equal((await authenticateToken({ store, clock }, token))?.role, 'viewer');
  });

  test('sign-in: a wrong password, an unknown name and a disabled account are refused alike; a session ends after its idle and its absolute timeout', async () => {
    await createAdmin({ store, clock }, { name: 'sess-a', role: 'operator', password: PASSWORD });
    const deps = { store, clock, timeouts };
    await assert.rejects(signIn(deps, { name: 'sess-a', password: 'wrong password!', address: null }), NotAuthenticated);
    await assert.rejects(signIn(deps, { name: 'nobody', password: PASSWORD, address: null }), NotAuthenticated);
    const { sessionId, principal } = await signIn(deps, { name: 'SESS-A', password: PASSWORD, address: '127.0.0.1' });
    assert.equal(principal.admin, 'sess-a');
    assert.equal(await store.sessions.get(sessionId), null, 'the id itself is not stored');
    // Used every 29 minutes it stays alive past 30 minutes of age...
    for (const at of [29, 58, 87]) {
      clock.set(minutes(at));
      assert.equal((await authenticateSession(deps, sessionId))?.admin, 'sess-a', `at ${at} min`);
    }
    // ...but not past 30 minutes idle.
    clock.set(minutes(87 + 30));
    assert.equal(await authenticateSession(deps, sessionId), null);

    clock.set(t0);
    const second = await signIn(deps, { name: 'sess-a', password: PASSWORD, address: null });
    for (let at = 25; at < 480; at += 25) {
      clock.set(minutes(at));
      assert.notEqual(await authenticateSession(deps, second.sessionId), null, `at ${at} min`);
    }
    clock.set(minutes(480));
    assert.equal(await authenticateSession(deps, second.sessionId), null, 'absolute timeout of 8 hours, however busy');
  });

  test('expired sessions are deleted when someone signs in', async () => {
    await createAdmin({ store, clock }, { name: 'sess-purge', role: 'viewer', password: PASSWORD });
    const deps = { store, clock, timeouts };
    const old = await signIn(deps, { name: 'sess-purge', password: PASSWORD, address: null });
    clock.set(minutes(31));
    await signIn(deps, { name: 'sess-purge', password: PASSWORD, address: null });
    assert.equal(await store.sessions.get(old.principal.idHash), null);
  });

  test('disabling an admin ends its sessions and its tokens at once, and it can sign in no more', async () => {
    await createAdmin({ store, clock }, { name: 'leaver', role: 'admin', password: PASSWORD });
    const deps = { store, clock, timeouts };
    const { sessionId } = await signIn(deps, { name: 'leaver', password: PASSWORD, address: null });
    const { token } = await issueToken({ store, clock }, { admin: 'leaver', scope: 'admin', expiresDays: 30 });
    await disableAdmin({ store, clock }, 'Leaver');
    assert.equal(await authenticateSession(deps, sessionId), null);
    assert.equal(await authenticateToken({ store, clock }, token), null);
    await assert.rejects(signIn(deps, { name: 'leaver', password: PASSWORD, address: null }), NotAuthenticated);
    await assert.rejects(issueToken({ store, clock }, { admin: 'leaver', scope: 'read', expiresDays: 1 }), NotAllowed);
    assert.equal((await store.admins.get('leaver'))?.disabled, true);
  });

  test('an idempotency key runs a write once per caller: a retry replays the answer, another body is refused, another caller runs its own', async () => {
    let runs = 0;
    const write = async () => {
      runs += 1;
      return { statusCode: 202, body: { run: runs } };
    };
    const deps = { store, clock };
    assert.deepEqual(await idempotentWrite(deps, { caller: 'ann', key: 'k-1', bodyHash: 'h1' }, write), { statusCode: 202, body: { run: 1 }, replayed: false });
    assert.deepEqual(await idempotentWrite(deps, { caller: 'ann', key: 'k-1', bodyHash: 'h1' }, write), { statusCode: 202, body: { run: 1 }, replayed: true });
    await assert.rejects(idempotentWrite(deps, { caller: 'ann', key: 'k-1', bodyHash: 'h2' }, write), InvalidInput);
    assert.deepEqual(await idempotentWrite(deps, { caller: 'bob', key: 'k-1', bodyHash: 'h1' }, write), { statusCode: 202, body: { run: 2 }, replayed: false });
    // Kept 24 hours, then the key is free again.
    clock.set(new Date(t0.getTime() + 24 * 3_600_000));
    assert.deepEqual(await idempotentWrite(deps, { caller: 'ann', key: 'k-1', bodyHash: 'h2' }, write), { statusCode: 202, body: { run: 3 }, replayed: false });
    assert.equal(runs, 3);
  });

  test('a write that throws releases its key, so the retry runs; one still running is answered with Conflict', async () => {
    const deps = { store, clock };
    await assert.rejects(idempotentWrite(deps, { caller: 'ann', key: 'k-fail', bodyHash: 'h' }, async () => { throw new Error('down'); }), /down/);
    assert.equal((await idempotentWrite(deps, { caller: 'ann', key: 'k-fail', bodyHash: 'h' }, async () => ({ statusCode: 200, body: 'ok' }))).body, 'ok');
    let release: () => void = () => undefined;
    const first = idempotentWrite(deps, { caller: 'ann', key: 'k-slow', bodyHash: 'h' }, () => new Promise((resolve) => { release = () => resolve({ statusCode: 200, body: 1 }); }));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await assert.rejects(idempotentWrite(deps, { caller: 'ann', key: 'k-slow', bodyHash: 'h' }, async () => ({ statusCode: 200, body: 2 })), Conflict);
    release();
    assert.equal((await first).body, 1);
  });
});
