/**
 * Test support for the REST API: a real store (SQLite, or PostgreSQL in a scratch schema), an emulated Confluence DC with a generated organisation, the
 * shared runtime on them, the server built on it with its own clock (for sessions and tokens), and an admin of each
 * role with a session and a token, for `inject` tests.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateOrganisation } from '../../src/emulators/confluence-dc/org-generator.ts';
import { startConfluenceEmulator, type RunningConfluenceEmulator } from '../../src/emulators/confluence-dc/confluence-emulator.ts';
import { startJiraEmulator, type RunningJiraEmulator } from '../../src/emulators/jira-dc/jira-emulator.ts';
import { generateJiraOrganisation } from '../../src/emulators/jira-dc/jira-org-generator.ts';
import { configSchema } from '../../src/config/config-schema.ts';
import { openRuntime, type Runtime } from '../../src/runtime/runtime.ts';
import { fixedClock, systemClock, type Clock } from '../../src/app/clock.ts';
import { createAdmin } from '../../src/app/admin-accounts.ts';
import { issueToken } from '../../src/app/api-tokens.ts';
import { buildApiServer, type ApiServer } from '../../src/server/api-server.ts';
import type { Role } from '../../src/domain/access-role.ts';

export const PASSWORD = 'a long test passphrase';

/** One admin of a role, signed in and with a token of the matching scope. */
export interface Caller {
  readonly name: string;
  readonly token: string;
  readonly cookie: string;
  readonly csrf: string;
}

export interface ApiFixture {
  readonly server: ApiServer;
  readonly runtime: Runtime;
  readonly emulator: RunningConfluenceEmulator;
  /** The emulated Jira DC of instance `tracker`, when the fixture was started with `jira`. */
  readonly jira: RunningJiraEmulator | null;
  /** The API's clock: sessions, tokens and idempotency keys go by it. */
  readonly clock: ReturnType<typeof fixedClock>;
  readonly callers: Readonly<Record<Role, Caller>>;
  /** Signs in through the API and returns the cookie header value and CSRF token. */
  signIn(name: string, password?: string): Promise<{ cookie: string; csrf: string }>;
  close(): Promise<void>;
}

const SCOPE = { viewer: 'read', operator: 'operate', admin: 'admin' } as const;

/** The stores an API suite runs on: SQLite always, PostgreSQL when SEATKEEPER_TEST_POSTGRES_URL is set (always in CI). */
export function apiStores(): ('sqlite' | 'postgres')[] {
  const url = process.env.SEATKEEPER_TEST_POSTGRES_URL;
  if (url === undefined || url === '') {
    if (process.env.CI === 'true') throw new Error('SEATKEEPER_TEST_POSTGRES_URL must be set in CI: the API suites run on PostgreSQL too.');
    return ['sqlite'];
  }
  return ['sqlite', 'postgres'];
}

/** A store URL of the dialect, and how to drop it: a temp SQLite file, or a fresh PostgreSQL schema. */
async function scratchStore(dialect: 'sqlite' | 'postgres', dir: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.SEATKEEPER_TEST_POSTGRES_URL;
  if (dialect === 'sqlite' || base === undefined) return { url: `sqlite:${join(dir, 'seatkeeper.db')}`, drop: async () => undefined };
  const schema = `sk_api_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    },
  };
}

/** Starts everything; `safety` and `server` are merged into the config. */
export async function startApiFixture(
  options: { users?: number; safety?: Record<string, unknown>; server?: Record<string, unknown>; policy?: Record<string, unknown>; store?: 'sqlite' | 'postgres'; jira?: { users: number }; runtimeClock?: Clock } = {},
): Promise<ApiFixture> {
  const now = new Date();
  const org = generateOrganisation({ seed: 11, users: options.users ?? 80, now, ldapShare: 0.5 });
  const emulator = await startConfluenceEmulator({ org });
  const jira = options.jira === undefined ? null : await startJiraEmulator({ org: generateJiraOrganisation({ seed: 3, users: options.jira.users, now, neverLoggedInShare: 0.2 }) });
  const dir = mkdtempSync(join(tmpdir(), 'sk-api-'));
  const scratch = await scratchStore(options.store ?? 'sqlite', dir);
  const config = configSchema.parse({
    store: scratch.url,
    instances: {
      wiki: { product: 'confluence-dc', url: emulator.url, auth: { token: emulator.credentials.admin.token } },
      ...(jira === null ? {} : { tracker: { product: 'jira-dc', url: jira.url, auth: { token: jira.credentials.admin.token } } }),
    },
    policies: {
      'inactive-users': {
        instance: 'wiki',
        select: { inactiveDays: 180, neverLoggedInDays: 30 },
        actions: { removeGroups: 'license' },
        ...options.policy,
      },
    },
    safety: { maxActions: 500, maxPercent: 50, ...options.safety },
    server: { ...options.server },
  });
  const runtime = await openRuntime(config, { rehearsal: false, clock: options.runtimeClock ?? systemClock, keyFile: join(dir, 'seatkeeper.key') });
  const clock = fixedClock(now);
  const server = await buildApiServer({ runtime, clock });
  // Each sign-in from an address of its own in 127.1.0.0/16, so the sign-in rate limit (per address) never counts them together.
  let signIns = 0;
  const signIn = async (name: string, password = PASSWORD) => {
    signIns += 1;
    const response = await server.app.inject({ method: 'POST', url: '/api/v1/session', payload: { name, password }, remoteAddress: `127.1.${Math.floor(signIns / 250)}.${(signIns % 250) + 1}` });
    if (response.statusCode !== 201) throw new Error(`sign-in of ${name}: ${response.statusCode} ${response.body}`);
    const cookie = response.cookies.find((c) => c.name === '__Host-seatkeeper-session');
    if (cookie === undefined) throw new Error('no session cookie');
    return { cookie: `${cookie.name}=${cookie.value}`, csrf: String(response.json().csrfToken) };
  };
  const callers: Partial<Record<Role, Caller>> = {};
  for (const role of ['viewer', 'operator', 'admin'] as const) {
    const name = `api-${role}`;
    await createAdmin({ store: runtime.store, clock }, { name, role, password: PASSWORD });
    const { token } = await issueToken({ store: runtime.store, clock }, { admin: name, scope: SCOPE[role], expiresDays: 30 });
    callers[role] = { name, token, ...(await signIn(name)) };
  }
  return {
    server,
    runtime,
    emulator,
    jira,
    clock,
    callers: { viewer: callers.viewer!, operator: callers.operator!, admin: callers.admin! },
    signIn,
    close: async () => {
      await server.close();
      await runtime.close();
      await emulator.close();
      await jira?.close();
      await scratch.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
