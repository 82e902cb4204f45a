/**
 * `npm run test:crash`: SIGKILLs the Seatkeeper CLI at random moments of large runs and resumes it each time, with no
 * faults, with a third of writes answering 503, and with connections dropped after the write was applied. Exits 1
 * unless nothing was lost, nothing doubled and nothing outside the plan changed, and every run had at least
 * `--min-steps` actions (22,000 generated users give about 10,270).
 *
 *   node --import tsx test/crash/crash-run.ts [--users 22000] [--min-steps 10000] [--kills 200] [--runs 6] [--seed 1]
 */

import { parseArgs } from 'node:util';
import { crashRun, type CrashResult } from '../support/crash-driver.ts';
import type { EmulatorFaults } from '../../src/emulators/confluence-dc/emulator-faults.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '22000' },
    'min-steps': { type: 'string', default: '10000' },
    kills: { type: 'string', default: '200' },
    runs: { type: 'string', default: '6' },
    seed: { type: 'string', default: '1' },
  },
});
const users = Number(values.users);
const totalKills = Number(values.kills);
const runs = Math.max(1, Number(values.runs));
const seed = Number(values.seed);
const minSteps = Number(values['min-steps']);

const VARIANTS: readonly { name: string; faults: Partial<EmulatorFaults> }[] = [
  { name: 'no faults', faults: {} },
  { name: '503 on every 3rd write (33 %)', faults: { writeErrorEvery: 3 } },
  { name: 'connection dropped after every 7th request', faults: { dropConnectionEvery: 7 } },
];

const results: { variant: string; result: CrashResult }[] = [];
for (let i = 0; i < runs; i += 1) {
  const variant = VARIANTS[i % VARIANTS.length] ?? { name: 'no faults', faults: {} };
  // Spread the kills evenly, the remainder going to the first runs.
  const kills = Math.floor(totalKills / runs) + (i < totalKills % runs ? 1 : 0);
  const result = await crashRun({ users, kills, seed: seed + i, faults: variant.faults, log: (line) => console.log(`  [run ${i + 1}] ${line}`) });
  results.push({ variant: variant.name, result });
  console.log(
    `run ${i + 1}/${runs} (${variant.name}): ${result.plannedSteps} steps for ${result.plannedUsers} users, ${result.kills} kills, ` +
      `${result.resumes} resumes, ${result.leaseWaits} lease waits, ${result.changes} changes; lost ${result.lost.length}, ` +
      `doubled ${result.doubled.length}, outside the plan ${result.outside.length}; run ${result.finalStatus}; ${result.seconds} s`,
  );
  for (const line of [...result.lost.slice(0, 5).map((k) => `lost: ${k}`), ...result.doubled.slice(0, 5).map((k) => `doubled: ${k}`), ...result.outside.slice(0, 5).map((k) => `outside: ${k}`)]) {
    console.log(`  ${line}`);
  }
}

const sum = (f: (r: CrashResult) => number): number => results.reduce((n, { result }) => n + f(result), 0);
const kills = sum((r) => r.kills);
const lost = sum((r) => r.lost.length);
const doubled = sum((r) => r.doubled.length);
const outside = sum((r) => r.outside.length);
const unfinished = results.filter(({ result }) => result.finalStatus !== 'done').length;
const small = results.filter(({ result }) => result.plannedSteps < minSteps).length;
console.log(
  `\nTOTAL: ${runs} runs of ${users} users, ${sum((r) => r.plannedSteps)} planned steps, ${kills} kill points, ${sum((r) => r.changes)} changes; ` +
    `lost ${lost}, doubled ${doubled}, outside the plan ${outside}, runs not finished done ${unfinished}, ` +
    `runs under ${minSteps} steps ${small}; ${Math.round(sum((r) => r.seconds))} s`,
);
process.exit(lost + doubled + outside + unfinished + small === 0 && kills >= totalKills ? 0 : 1);
