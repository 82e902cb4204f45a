import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from './config-schema.ts';
import { resolveActor } from './actor-identity.ts';
import { protectionOf } from './safety-mapping.ts';
import { InvalidInput } from '../domain/errors.ts';

test('safety: the protection keys have their defaults, and breakGlass merges with protectedUsers/protectedGroups', () => {
  const defaults = configSchema.parse({});
  assert.deepStrictEqual(defaults.safety, {
    maxActions: 500,
    maxPercent: 20,
    maxShrinkPercent: 10,
    protectedUsers: [],
    protectedGroups: [],
    breakGlass: { users: [], groups: [] },
    fourEyes: false,
    planTtlHours: 24,
    minAdmins: 2,
  });
  const config = configSchema.parse({
    safety: { fourEyes: true, planTtlHours: 0.5, minAdmins: 3, protectedUsers: ['old-admin', 'shared'], breakGlass: { users: ['shared', 'glass'], groups: ['ops'] } },
  });
  assert.deepStrictEqual(
    { fourEyes: config.safety.fourEyes, planTtlHours: config.safety.planTtlHours, minAdmins: config.safety.minAdmins },
    { fourEyes: true, planTtlHours: 0.5, minAdmins: 3 },
  );
  assert.deepStrictEqual(protectionOf(config), { users: ['shared', 'glass', 'old-admin'], groups: ['ops'] });
});

test('safety: out-of-range protection keys are listed with their paths', () => {
  const result = configSchema.safeParse({ safety: { planTtlHours: 0, minAdmins: -1, fourEyes: 'yes', breakGlass: { people: [] } } });
  assert.equal(result.success, false);
  const paths = (result.error?.issues ?? []).map((issue) => issue.path.join('.')).sort();
  assert.deepStrictEqual(paths, ['safety.breakGlass', 'safety.fourEyes', 'safety.minAdmins', 'safety.planTtlHours']);
});

test('the actor is --as, else SEATKEEPER_ACTOR, else the OS user', async (t) => {
  const cases: Array<[string, string | undefined, NodeJS.ProcessEnv, string | null]> = [
    ['--as wins', ' bob ', { SEATKEEPER_ACTOR: 'alice' }, 'bob'],
    ['environment next', undefined, { SEATKEEPER_ACTOR: 'alice' }, 'alice'],
    ['blank environment is ignored', undefined, { SEATKEEPER_ACTOR: '  ' }, null],
    ['OS user last', undefined, {}, null],
  ];
  for (const [name, explicit, env, expected] of cases) {
    await t.test(name, () => {
      const actor = resolveActor(explicit, env);
      if (expected !== null) assert.equal(actor, expected);
      else assert.ok(actor.length > 0 && actor !== 'alice');
    });
  }
  assert.throws(() => resolveActor('  ', {}), InvalidInput);
});
