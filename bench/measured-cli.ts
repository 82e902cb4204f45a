/**
 * Runs one `seatkeeper` command in this process and, on exit, reports its wall time and peak RSS as a JSON line on
 * stderr, so the benchmark measures each command as a user runs it: its own process, nothing else in its memory.
 */

import { main } from '../src/cli/main.ts';

const started = process.hrtime.bigint();
const code = await main(process.argv.slice(2));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stderr.write(`${JSON.stringify({ measured: { code, seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024 } })}\n`);
process.exitCode = code;
