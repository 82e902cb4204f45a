/**
 * The raw-fetch baseline: downloads exactly the pages a scan downloaded, at the scan's concurrency, and only parses
 * the JSON. No paging logic, no mapping, no store: the closest an outside tool can get to the limit the instance and
 * the network set, so the scan's wall time is reported as a ratio to it. Runs in its own process, like the commands it
 * is compared with, and reports `{"measured": {seconds, requests, bytes}}` on stderr.
 * Usage: node raw-fetch-baseline.js URLS_FILE (a JSON file `{ origin, token, concurrency, paths }`)
 */

import { readFileSync } from 'node:fs';

interface BaselineInput {
  readonly origin: string;
  readonly token: string;
  readonly concurrency: number;
  readonly paths: readonly string[];
}

const input: BaselineInput = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8'));
const headers = { authorization: `Bearer ${input.token}`, accept: 'application/json' };
let next = 0;
let bytes = 0;

async function worker(): Promise<void> {
  while (next < input.paths.length) {
    const path = input.paths[next] ?? '/';
    next += 1;
    const response = await fetch(`${input.origin}${path}`, { headers });
    const text = await response.text();
    bytes += Buffer.byteLength(text);
    JSON.parse(text);
  }
}

const started = process.hrtime.bigint();
await Promise.all(Array.from({ length: input.concurrency }, () => worker()));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stderr.write(`${JSON.stringify({ measured: { code: 0, seconds, requests: input.paths.length, bytes, maxRssBytes: process.resourceUsage().maxRSS * 1024 } })}\n`);
