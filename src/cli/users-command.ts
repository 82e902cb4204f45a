/** `seatkeeper users`: search the newest scan; print a table, JSON, or stream RFC 4180 CSV to a file. */

import { open } from 'node:fs/promises';
import type { CommandContext } from './command-context.ts';
import { filterContradictions, listUsers, USER_COLUMNS, type FilterContradiction, type UserFilter, type UserListing } from '../app/list-users.ts';
import { writeCsv } from '../app/csv-format.ts';
import { escapeControl } from '../app/instance-check.ts';
import { InvalidInput } from '../domain/errors.ts';
import { EXIT } from './exit-codes.ts';

export interface UsersOptions extends Omit<UserFilter, 'licensed' | 'status'> {
  readonly instance?: string;
  /** Only deactivated accounts; `active`: only active ones. */
  readonly deactivated?: boolean;
  readonly active?: boolean;
  readonly licensed?: boolean;
  readonly unlicensed?: boolean;
  readonly csv?: string;
  readonly limit: number;
}

/** The filter the flags ask for; InvalidInput (exit 2) for flags that contradict each other, with what to drop. */
export function usersFilter(options: UsersOptions): UserFilter {
  const phrases: Record<FilterContradiction, string> = {
    'licensed-and-unlicensed': '--licensed and --unlicensed together match nobody: give one of them, or neither for both kinds',
    'never-logged-in-and-inactive-days':
      '--never-logged-in and --inactive-days N ask two things: --inactive-days N already lists those who never logged in ' +
      'with those whose last login is more than N days ago, --never-logged-in only the former; give one of them',
  };
  const problems = filterContradictions(options).map((c) => phrases[c]);
  if (options.deactivated === true && options.active === true) problems.push('--deactivated and --active together match nobody: give one of them, or neither for both');
  if (problems.length > 0) throw new InvalidInput('these users flags contradict each other', problems);
  const status = options.deactivated === true ? 'disabled' : options.active === true ? 'active' : undefined;
  const licensed = options.licensed === true ? true : options.unlicensed === true ? false : undefined;
  return {
    ...(options.inactiveDays !== undefined ? { inactiveDays: options.inactiveDays } : {}),
    ...(options.neverLoggedIn === true ? { neverLoggedIn: true } : {}),
    ...(options.directory !== undefined ? { directory: options.directory } : {}),
    ...(options.group !== undefined ? { group: options.group } : {}),
    ...(licensed !== undefined ? { licensed } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(options.createdBeforeDays !== undefined ? { createdBeforeDays: options.createdBeforeDays } : {}),
  };
}

/** Says that the scan predates runs whose steps the rows show (`how` says where), or nothing when no run came since. */
function sinceScanLines(listing: UserListing, how: string): string[] {
  const runs = listing.runsSinceScan;
  if (runs.length === 0) return [];
  const shown = runs.slice(0, 5).join(', ') + (runs.length > 5 ? ` and ${runs.length - 5} more` : '');
  return [`scan ${listing.scanId} predates ${runs.length === 1 ? 'run' : 'runs'} ${shown}: ${how}; scan again to read Confluence itself`];
}

const rowsShow = (count: number): string => `${count} ${count === 1 ? 'row shows' : 'rows show'} their steps as the journal records them (marked *)`;

export async function usersCommand(ctx: CommandContext, options: UsersOptions): Promise<number> {
  const filter = usersFilter(options);
  const instance = ctx.runtime.resolveInstance(options.instance);
  const listing = await listUsers({ store: ctx.runtime.store, now: ctx.runtime.clock.now() }, { instance, filter });
  const { scanId } = listing;
  if (options.csv !== undefined) {
    // Names, e-mail addresses and last logins: readable by the operator only, also when the file was there before
    // (the mode given to open applies only to a file it creates).
    const file = await open(options.csv, 'w', 0o600);
    try {
      await file.chmod(0o600);
    } catch (error) {
      await file.close();
      throw error;
    }
    const count = await writeCsv(listing.rows, USER_COLUMNS, file.createWriteStream());
    ctx.print([`${count} users from scan ${scanId} written to ${options.csv}`, ...sinceScanLines(listing, 'the rows show their steps, listed in column changesSinceScan')]);
    return EXIT.done;
  }
  const all = [...listing.rows];
  const changedRows = all.filter((u) => u.changesSinceScan.length > 0).length;
  if (ctx.json) {
    ctx.printJson({ scanId, scannedAt: listing.scannedAt, runsSinceScan: listing.runsSinceScan, count: all.length, users: all });
    return EXIT.done;
  }
  const shown = all.slice(0, options.limit);
  const lines = shown.map(
    (u) =>
      `${u.changesSinceScan.length > 0 ? '*' : ' '}${escapeControl(u.username).padEnd(22)} ${(u.licensed ? 'licensed' : '-').padEnd(9)} ${u.status.padEnd(8)} ${(u.lastLogin?.slice(0, 10) ?? 'never').padEnd(11)} ${escapeControl(u.directory ?? '')}`,
  );
  ctx.print([
    `${all.length} users match (scan ${scanId})`,
    ...sinceScanLines(listing, rowsShow(changedRows)),
    ` ${'USERNAME'.padEnd(22)} ${'SEAT'.padEnd(9)} ${'STATUS'.padEnd(8)} ${'LAST LOGIN'.padEnd(11)} DIRECTORY`,
    ...lines,
    ...(all.length > shown.length ? [`… and ${all.length - shown.length} more (--limit N, --json, or --csv FILE)`] : []),
  ]);
  return EXIT.done;
}
