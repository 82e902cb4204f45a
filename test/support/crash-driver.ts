/**
 * The crash test's engine: one plan applied by the real CLI as a child process, SIGKILLed at random moments and
 * resumed each time, against an emulator living in this process so it outlives every kill. Judged only by the
 * emulator's own record of changes, never by Seatkeeper's journal.
 */

import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli, setup, writeConfig, type CliResult } from '../e2e/cli-harness.ts';
import { seededRandom } from '../../src/emulators/seeded-random.ts';
import type { EmulatorFaults } from '../../src/emulators/confluence-dc/emulator-faults.ts';
import type { RunningConfluenceEmulator } from '../../src/emulators/confluence-dc/confluence-emulator.ts';
import type { Plan } from '../../src/domain/plan.ts';
import type { UserState } from '../../src/domain/journal.ts';
import { isAlreadyDone } from '../../src/domain/action-step.ts';

const BIN = fileURLToPath(new URL('../../bin/seatkeeper.mjs', import.meta.url));

export interface CrashOptions {
  readonly users: number;
  readonly kills: number;
  readonly seed: number;
  /** Switched on after planning, for the whole apply/resume sequence. */
  readonly faults?: Partial<EmulatorFaults>;
  readonly log?: (line: string) => void;
}

export interface CrashResult {
  readonly plannedSteps: number;
  readonly plannedUsers: number;
  readonly kills: number;
  /** `seatkeeper resume` processes started (killed ones included). */
  readonly resumes: number;
  /** Resume attempts refused because the dead process's lease had not expired yet (exit 3). */
  readonly leaseWaits: number;
  readonly changes: number;
  /** Planned steps whose target state does not hold at the end. */
  readonly lost: readonly string[];
  /** (kind, user, group) recorded more than once by the emulator. */
  readonly doubled: readonly string[];
  /** Changes to users outside the plan, or changes the plan did not contain. */
  readonly outside: readonly string[];
  readonly finalStatus: string;
  readonly seconds: number;
}

function key(kind: string, username: string, group: string | undefined): string {
  return `${kind} ${username}${group === undefined ? '' : ` ${group}`}`;
}

/** The user's state as the emulator holds it, in the journal's shape. */
function stateOf(emulator: RunningConfluenceEmulator, username: string): UserState | null {
  const user = emulator.state.findUser(username);
  if (user === undefined) return null;
  return {
    username,
    status: user.active ? 'active' : 'disabled',
    displayName: user.displayName,
    groups: emulator.state.groupsOf(username).map((g) => g.name).sort(),
    useGrant: emulator.state.userPermissions(username).includes('application/use'),
    otherPermissions: emulator.state.userPermissions(username).filter((p) => p !== 'application/use'),
  };
}

export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv): { done: Promise<CliResult>; kill: () => void } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, SEATKEEPER_FROM_SOURCE: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal === 'SIGKILL' ? 137 : -1), stdout, stderr }));
  });
  return { done, kill: () => child.kill('SIGKILL') };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Plans, then applies with `options.kills` SIGKILLs and resumes, then judges. */
export async function crashRun(options: CrashOptions): Promise<CrashResult> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const random = seededRandom(options.seed);
  const { dir, emulator, env } = await setup({ users: options.users, seed: options.seed, ldapShare: 0, faultSeed: options.seed });
  try {
    const config = writeConfig({ dir, emulator, safety: `{ maxActions: ${options.users * 10}, maxPercent: 100, maxShrinkPercent: 100, minAdmins: 0 }` });
    // A dead process's lease must expire quickly, or every resume would wait a minute.
    appendFileSync(config, 'runs: { leaseSeconds: 1, heartbeatSeconds: 0.25 }\n');
    const planned = await runCli(['--config', config, '--json', 'plan'], env);
    if (planned.code !== 0) throw new Error(`plan failed (${planned.code}): ${planned.stderr.slice(-2000)}`);
    const { planId, plan } = JSON.parse(planned.stdout) as { planId: string; plan: Plan };
    const steps = plan.rows.flatMap((r) => r.steps.map((s) => ({ username: r.username, step: s })));
    log(`plan ${planId}: ${plan.rows.length} users, ${steps.length} steps`);
    Object.assign(emulator.faults, options.faults ?? {});

    let kills = 0;
    let leaseWaits = 0;
    let resumes = 0;
    let runId: string | null = null;
    let finalStatus = 'none';
    // Kill points spread over the expected writes, each 1..2·span changes after the last: their sum stays below the
    // plan's size, so every kill point falls inside the run.
    const span = Math.max(1, Math.floor(steps.length / (2 * options.kills + 1)));
    for (let attempt = 0; attempt < options.kills * 4 + 20; attempt += 1) {
      const args = runId === null ? ['apply', '--plan', planId] : ['resume', runId];
      if (runId !== null) resumes += 1;
      const child = spawnCli(['--config', config, '--json', ...args], env);
      let killed = false;
      if (kills < options.kills) {
        const from = emulator.state.changes.length;
        const target = from + 1 + Math.floor(random.next() * (2 * span - 1));
        // One kill in five at a random time instead, so start-up, reads and settles are hit too.
        const byTime = random.next() < 0.2 ? Date.now() + Math.floor(random.next() * 1500) : null;
        const watch = (async () => {
          while (!killed) {
            if (byTime !== null ? Date.now() >= byTime : emulator.state.changes.length >= target) {
              killed = true;
              child.kill();
              return;
            }
            await sleep(2);
          }
        })();
        const result = await child.done;
        const wasKilled = killed;
        killed = true;
        await watch;
        if (wasKilled && result.code === 137) {
          kills += 1;
          runId ??= await findRunId(config, env);
          continue;
        }
        if (result.code === 3 && /run\.lease/.test(result.stderr)) {
          leaseWaits += 1;
          await sleep(300);
          continue;
        }
        finalStatus = statusOf(result);
        runId ??= runIdOf(result);
        // The run ended before the kill point: what is left of the kills goes to nothing, so stop here.
        if (finalStatus === 'done') break;
        continue;
      }
      const result = await child.done;
      if (result.code === 3 && /run\.lease/.test(result.stderr)) {
        leaseWaits += 1;
        await sleep(300);
        continue;
      }
      if (result.code === 2 && /nothing to resume/.test(result.stderr)) {
        finalStatus = 'done';
        break;
      }
      finalStatus = statusOf(result);
      if (finalStatus === 'done') break;
      if (finalStatus === 'unknown') throw new Error(`resume ended ${result.code}: ${result.stderr.slice(-2000)}`);
    }

    const plannedKeys = new Set(steps.map((s) => key(s.step.kind, s.username, 'group' in s.step ? s.step.group : undefined)));
    const plannedUsers = new Set(plan.rows.map((r) => r.username));
    const lost = steps
      .filter(({ username, step }) => {
        const state = stateOf(emulator, username);
        return state === null || !isAlreadyDone(step, state);
      })
      .map(({ username, step }) => key(step.kind, username, 'group' in step ? step.group : undefined));
    const seen = new Map<string, number>();
    for (const c of emulator.state.changes) seen.set(key(c.kind, c.username, c.group), (seen.get(key(c.kind, c.username, c.group)) ?? 0) + 1);
    const doubled = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
    const outside = emulator.state.changes
      .filter((c) => !plannedUsers.has(c.username) || !plannedKeys.has(key(c.kind, c.username, c.group)))
      .map((c) => key(c.kind, c.username, c.group));
    return {
      plannedSteps: steps.length,
      plannedUsers: plan.rows.length,
      kills,
      resumes,
      leaseWaits,
      changes: emulator.state.changes.length,
      lost,
      doubled,
      outside,
      finalStatus,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    await emulator.close();
  }
}

function statusOf(result: CliResult): string {
  try {
    const report = JSON.parse(result.stdout) as { status?: string };
    return report.status ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function runIdOf(result: CliResult): string | null {
  try {
    const report = JSON.parse(result.stdout) as { runId?: string };
    return report.runId ?? null;
  } catch {
    return null;
  }
}

/** The run a killed `apply` started, from `seatkeeper runs`; null when it died before starting one. */
async function findRunId(config: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const listed = await runCli(['--config', config, '--json', 'runs'], env);
  if (listed.code !== 0) throw new Error(`runs failed (${listed.code}): ${listed.stderr}`);
  const runs = JSON.parse(listed.stdout) as { id: string }[];
  return runs[0]?.id ?? null;
}
