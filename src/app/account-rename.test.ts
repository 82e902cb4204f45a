// A user in a lifecycle stage renamed in Confluence between two scans: against the Confluence emulator over real HTTP,
// a real SQLite store file and a real SMTP server, the second scan moves the stage, first-seen and notices to the new
// name, and the next plan continues the lifecycle (the licence goes) instead of warning the user again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/store-database.ts';
import { fixedClock } from './clock.ts';
import { applyPlan } from './apply-plan.ts';
import { scanInstance } from './scan-instance.ts';
import { planInstance } from './plan-instance.ts';
import type { NoticeDelivery } from './lifecycle-run.ts';
import { DEFAULT_LIMITS, type SafetyLimits } from '../domain/safety-guard.ts';
import type { InactiveUsersPolicy, Protection } from '../domain/policy.ts';
import { startConfluenceEmulator } from '../emulators/confluence-dc/confluence-emulator.ts';
import { generateOrganisation } from '../emulators/confluence-dc/org-generator.ts';
import { createConfluenceDcConnector } from '../connectors/confluence-dc/confluence-dc-connector.ts';
import { confluenceDcConfigSchema } from '../connectors/confluence-dc/confluence-dc-config.ts';
import { createSmtpNotifier } from '../connectors/smtp/smtp-connector.ts';
import { smtpConfigSchema } from '../connectors/smtp/smtp-config.ts';
import { startSmtpSink } from '../../test/support/smtp-sink.ts';
import { testRecordKey } from '../../test/support/record-key.ts';

const INSTANCE = 'wiki';
const DAY = 86_400_000;
const POLICY: InactiveUsersPolicy = {
  id: 'staged',
  instance: INSTANCE,
  select: { inactiveDays: 90, neverLoggedInDays: null, directories: [], group: null, emailDomains: [] },
  exclude: { users: [], groups: [] },
  actions: { removeGroups: 'license', addGroups: [], deactivate: false, rename: null },
  lifecycle: { notice: { daysBefore: 14 }, deactivateAfterDays: 30, rename: null },
};
const protection: Protection = { users: [], groups: [] };
const limits: SafetyLimits = { ...DEFAULT_LIMITS, maxPercent: 100 };
const TEMPLATES = { subject: 'Licence goes {{dueDate}}', text: 'Keep it: {{keepAccessUrl}}', html: '<a href="{{keepAccessUrl}}">keep</a>' };

test('a noticed user renamed between two scans keeps stage, first-seen and notices, and the next plan unlicenses instead of noticing again', async () => {
  const day0 = new Date(Math.floor(Date.now() / DAY) * DAY + 3 * 3_600_000);
  const emulator = await startConfluenceEmulator({ org: generateOrganisation({ seed: 11, users: 30, now: day0, ldapShare: 0 }) });
  const sink = await startSmtpSink();
  const key = testRecordKey();
  const store = await openStore(`sqlite:${join(mkdtempSync(join(tmpdir(), 'sk-account-rename-')), 'seatkeeper.db')}`, { key: () => key });
  const config = confluenceDcConfigSchema.parse({ product: 'confluence-dc', url: emulator.url, auth: { token: emulator.credentials.admin.token } });
  const connector = createConfluenceDcConnector(INSTANCE, config);
  const notices: NoticeDelivery = {
    notifier: createSmtpNotifier({ smtp: smtpConfigSchema.parse({ host: '127.0.0.1', port: sink.port, timeoutMs: 2000 }), from: 'seatkeeper@example.com' }),
    templates: TEMPLATES,
    keepAccessUrl: 'https://sk.example.com/keep/{token}',
  };
  const clock = fixedClock(day0);
  const deps = { store, connector, clock, concurrency: 4, key, notices };
  try {
    // Everyone logged in yesterday but one licensed user, 80 days ago: inside the notice window, not yet due.
    const state = emulator.state;
    const chosen = state.allUsers().find((u) => state.holdsSeat(u.username) && !state.isAdministrator(u.username) && u.active && u.email !== '');
    assert.ok(chosen !== undefined, 'the organisation has a licensed user who is no administrator');
    for (const user of state.allUsers()) state.recordLogin(user.username, new Date(day0.getTime() - DAY));
    state.recordLogin(chosen.username, new Date(day0.getTime() - 80 * DAY));
    // The emulator's record is the live account: keep what it was called before the rename.
    const original = { username: chosen.username, userKey: chosen.userKey };
    const renamed = `${original.username}.renamed`;

    const first = await scanInstance({ connector, store, clock, concurrency: 4 });
    assert.equal(first.scan.status, 'complete', first.scan.error ?? '');
    const noticing = await planInstance(deps, { instance: INSTANCE, policies: [POLICY], protection, limits, actor: 'alice' });
    assert.deepStrictEqual(noticing.plan.lifecycle?.notices.map((n) => n.username), [original.username]);
    const noticed = await applyPlan(deps, { planId: noticing.planId, limits, protection });
    assert.equal(noticed.status, 'done');
    const stageBefore = (await store.lifecycle.records(INSTANCE)).map((r) => ({ ...r }));
    assert.deepStrictEqual(stageBefore.map((r) => [r.username, r.userKey, r.stage]), [[original.username, original.userKey, 'noticed']]);

    // An administrator renames the account; 15 days on, the notice period is over.
    state.renameUser(original.username, renamed);
    clock.set(new Date(day0.getTime() + 15 * DAY));
    const second = await scanInstance({ connector, store, clock, concurrency: 4 });
    assert.equal(second.scan.status, 'complete', second.scan.error ?? '');
    assert.ok(
      second.scan.warnings.some((w) => w.includes(`${JSON.stringify(original.username)} is now ${JSON.stringify(renamed)}`) && w.includes(original.userKey)),
      `the scan notes the rename: ${JSON.stringify(second.scan.warnings)}`,
    );
    assert.deepStrictEqual((await store.lifecycle.records(INSTANCE)).map((r) => [r.username, r.userKey, r.stage, r.enteredAt.toISOString()]), [
      [renamed, original.userKey, 'noticed', stageBefore[0]?.enteredAt.toISOString()],
    ]);
    const memory = await store.memory.recall(INSTANCE, [original.username, renamed]);
    assert.deepStrictEqual([...memory.keys()], [renamed]);
    assert.equal(memory.get(renamed)?.firstSeen.toISOString(), day0.toISOString(), 'first seen on day 0, not on the day of the rename');
    assert.equal(second.snapshot?.users.find((u) => u.username === renamed)?.firstSeen.toISOString(), day0.toISOString());
    assert.deepStrictEqual((await store.notices.list(INSTANCE)).map((n) => [n.username, n.userKey, n.sentAt !== null]), [[renamed, original.userKey, true]]);

    const next = await planInstance(deps, { instance: INSTANCE, policies: [POLICY], protection, limits, actor: 'alice', snapshot: second.snapshot ?? undefined });
    assert.deepStrictEqual(next.plan.lifecycle?.notices ?? [], [], 'no second notice');
    assert.deepStrictEqual(next.plan.rows.map((r) => [r.username, r.userKey, r.stage]), [[renamed, original.userKey, 'unlicense']]);
    const unlicensed = await applyPlan(deps, { planId: next.planId, limits, protection });
    assert.equal(unlicensed.status, 'done');
    assert.equal(state.holdsSeat(renamed), false);
    assert.deepStrictEqual((await store.lifecycle.records(INSTANCE)).map((r) => [r.username, r.userKey, r.stage]), [[renamed, original.userKey, 'unlicensed']]);
    assert.equal(sink.received.length, 1, 'one notice e-mail in all');
  } finally {
    await notices.notifier.close();
    await connector.close();
    await store.close();
    await sink.close();
    await emulator.close();
  }
});
