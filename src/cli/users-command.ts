/** `seatkeeper users`: search the newest scan; print a table, JSON, or stream RFC 4180 CSV to a file. */

import { createWriteStream } from 'node:fs';
import type { CommandContext } from './command-context.ts';
import { listUsers, USER_COLUMNS, type UserFilter } from '../app/list-users.ts';
import { writeCsv } from '../app/csv-format.ts';
import { resolveInstance } from './cli-runtime.ts';
import { EXIT } from './exit-codes.ts';

export interface UsersOptions extends UserFilter {
  readonly instance?: string;
  readonly csv?: string;
  readonly limit: number;
}

export async function usersCommand(ctx: CommandContext, options: UsersOptions): Promise<number> {
  const instance = resolveInstance(ctx.config, options.instance);
  const { scanId, rows } = await listUsers({ store: ctx.store, now: ctx.clock.now() }, { instance, filter: options });
  if (options.csv !== undefined) {
    const count = await writeCsv(rows, USER_COLUMNS, createWriteStream(options.csv));
    ctx.print([`${count} users from scan ${scanId} written to ${options.csv}`]);
    return EXIT.done;
  }
  const all = [...rows];
  if (ctx.json) {
    ctx.printJson({ scanId, count: all.length, users: all });
    return EXIT.done;
  }
  const shown = all.slice(0, options.limit);
  const lines = shown.map(
    (u) =>
      `${u.username.padEnd(22)} ${(u.licensed ? 'licensed' : '-').padEnd(9)} ${u.status.padEnd(8)} ${(u.lastLogin?.slice(0, 10) ?? 'never').padEnd(11)} ${u.directory ?? ''}`,
  );
  ctx.print([
    `${all.length} users match (scan ${scanId})`,
    `${'USERNAME'.padEnd(22)} ${'SEAT'.padEnd(9)} ${'STATUS'.padEnd(8)} ${'LAST LOGIN'.padEnd(11)} DIRECTORY`,
    ...lines,
    ...(all.length > shown.length ? [`… and ${all.length - shown.length} more (--limit N, --json, or --csv FILE)`] : []),
  ]);
  return EXIT.done;
}
