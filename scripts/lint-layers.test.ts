// The layer rules of eslint.config.js, run through ESLint's Node API on in-memory probes: no file is written.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = join(import.meta.dirname, '..');

interface Probe {
  readonly name: string;
  readonly file: string;
  readonly code: string;
  readonly reported: boolean;
}

// Each import points at a file that exists: an import that does not resolve is not judged by import-x.
const probes: readonly Probe[] = [
  { name: 'domain imports the store', file: 'src/domain/lint-probe.ts', code: "import { openStore } from '../store/store-database.ts';", reported: true },
  { name: 'domain imports a type from app', file: 'src/domain/lint-probe.ts', code: "import type { Clock } from '../app/clock.ts';", reported: true },
  { name: 'domain re-exports from config', file: 'src/domain/lint-probe.ts', code: "export * from '../config/config-schema.ts';", reported: true },
  { name: 'domain imports domain', file: 'src/domain/lint-probe.ts', code: "import { InvalidInput } from './errors.ts';", reported: false },
  { name: 'app imports the store', file: 'src/app/lint-probe.ts', code: "import { openStore } from '../store/store-database.ts';", reported: true },
  { name: 'app imports a connector', file: 'src/app/lint-probe.ts', code: "import { CircuitBreaker } from '../connectors/circuit-breaker.ts';", reported: true },
  { name: 'app imports domain', file: 'src/app/lint-probe.ts', code: "import type { Plan } from '../domain/plan.ts';", reported: false },
  { name: 'a connector imports a use case', file: 'src/connectors/smtp/lint-probe.ts', code: "import { applyPlan } from '../../app/apply-plan.ts';", reported: true },
  { name: 'a connector imports a port', file: 'src/connectors/smtp/lint-probe.ts', code: "import type { Notifier } from '../../app/notifier-port.ts';", reported: false },
  { name: 'a connector imports the CLI', file: 'src/connectors/lint-probe.ts', code: "import { EXIT } from '../cli/exit-codes.ts';", reported: true },
  { name: 'the store imports a repository port', file: 'src/store/lint-probe.ts', code: "import type { PlanRepository } from '../app/store/plan-repository-port.ts';", reported: false },
  { name: 'the store imports an emulator', file: 'src/store/lint-probe.ts', code: "import { seededRandom } from '../emulators/seeded-random.ts';", reported: true },
  { name: 'the store imports a job', file: 'src/store/lint-probe.ts', code: "import { Scheduler } from '../jobs/scheduler.ts';", reported: true },
  { name: 'an emulator imports app', file: 'src/emulators/lint-probe.ts', code: "import type { Clock } from '../app/clock.ts';", reported: true },
  { name: 'an emulator runs domain logic', file: 'src/emulators/confluence-dc/lint-probe.ts', code: "import { evaluatePolicies } from '../../domain/planner.ts';", reported: true },
  { name: 'an emulator uses a domain type', file: 'src/emulators/confluence-dc/lint-probe.ts', code: "import type { Plan } from '../../domain/plan.ts';", reported: false },
  { name: 'jobs import the store', file: 'src/jobs/lint-probe.ts', code: "import { openStore } from '../store/store-database.ts';", reported: true },
  { name: 'config imports a connector client', file: 'src/config/lint-probe.ts', code: "import { SmtpClient } from '../connectors/smtp/smtp-client.ts';", reported: true },
  { name: "config composes a connector's schema", file: 'src/config/lint-probe.ts', code: "import { smtpConfigSchema } from '../connectors/smtp/smtp-config.ts';", reported: false },
  { name: 'runtime imports the CLI', file: 'src/runtime/lint-probe.ts', code: "import { main } from '../cli/main.ts';", reported: true },
  { name: 'runtime imports the store', file: 'src/runtime/lint-probe.ts', code: "import { openStore } from '../store/store-database.ts';", reported: false },
  { name: 'the server imports the CLI', file: 'src/server/lint-probe.ts', code: "import { main } from '../cli/main.ts';", reported: true },
  { name: 'a CLI command imports the store', file: 'src/cli/lint-probe.ts', code: "import { openStore } from '../store/store-database.ts';", reported: true },
  { name: 'the demo starts its emulator (until it moves into runtime/)', file: 'src/cli/demo-command.ts', code: "import { openStore } from '../store/store-database.ts';", reported: false },
  { name: 'another CLI command builds a store', file: 'src/cli/scan-command.ts', code: "import { openStore } from '../store/store-database.ts';", reported: true },
  { name: 'jobs run on the runtime', file: 'src/jobs/lint-probe.ts', code: "import type { Runtime } from '../runtime/runtime.ts';", reported: false },
  { name: 'the runtime imports a job', file: 'src/runtime/lint-probe.ts', code: "import { Scheduler } from '../jobs/scheduler.ts';", reported: true },
  { name: 'a CLI command imports a use case', file: 'src/cli/lint-probe.ts', code: "import { applyPlan } from '../app/apply-plan.ts';", reported: false },
  { name: 'production code imports test support', file: 'src/app/lint-probe.ts', code: "import { snapshot } from '../../test/support/snapshot-builder.ts';", reported: true },
  { name: 'a domain test imports test support', file: 'src/domain/lint-probe.test.ts', code: "import { snapshot } from '../../test/support/snapshot-builder.ts';", reported: false },
  { name: 'a domain test imports the store', file: 'src/domain/lint-probe.test.ts', code: "import { openStore } from '../store/store-database.ts';", reported: true },
  { name: 'an app test uses a real store', file: 'src/app/lint-probe.test.ts', code: "import { openStore } from '../store/store-database.ts';", reported: false },
  { name: 'a test imports another test', file: 'src/app/lint-probe.test.ts', code: "import './list-plans.test.ts';", reported: true },
];

describe('eslint.config.js layer rules', () => {
  let eslint: ESLint;
  before(() => {
    eslint = new ESLint({ cwd: root });
  });

  for (const probe of probes) {
    it(`${probe.reported ? 'reports' : 'allows'}: ${probe.name}`, async () => {
      const [result] = await eslint.lintText(`${probe.code}\n`, { filePath: join(root, probe.file) });
      assert.ok(result);
      const layerMessages = result.messages.filter(
        (m) => m.ruleId === 'import-x/no-restricted-paths' || m.ruleId === '@typescript-eslint/no-restricted-imports',
      );
      // A config error (a bad zone) shows as a fatal message with no rule; fail on it in both directions.
      assert.deepEqual(result.messages.filter((m) => m.fatal === true), []);
      assert.equal(layerMessages.length > 0, probe.reported, JSON.stringify(result.messages.map((m) => m.message)));
    });
  }
});
