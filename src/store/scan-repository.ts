/**
 * Scans: a header row plus the users, memberships and nesting of one snapshot, written in batches. A scan belongs to
 * the mode it was started in: a rehearsal's (possibly future-dated) scans are invisible to real commands, so they never
 * count as "a newer scan" against a real plan, and a rehearsal sees only its own.
 */

import type { Kysely, Selectable, Transaction } from 'kysely';
import { Conflict, InvalidInput, NotFound } from '../domain/errors.ts';
import type { AccountStatus, ApplicationSnapshot, GroupNesting, InstanceSnapshot, LicenseUsage, Membership, PermissionGrants, UserSnapshot } from '../domain/snapshot.ts';
import type { ScanRecord, ScanRepository, ScanResult, ScanStart, ScanStatus } from '../app/store/scan-repository-port.ts';
import { LEGACY_CONFLUENCE_CAPABILITIES, type InstanceCapabilities } from '../domain/instance-capabilities.ts';
import type { Database, ScansTable } from './store-tables.ts';
import type { StoreContext } from './store-context.ts';
import { chunk, fromIso, fromIsoOrNull, newId, toIso, toIsoOrNull } from './store-codec.ts';
import { bulkInsert } from './bulk-insert.ts';
import { legacyApplication } from '../domain/applications.ts';
import {
  directoriesSchema,
  groupNamesSchema,
  instanceCapabilitiesSchema,
  applicationsSchema,
  licenseUsageSchema,
  parseStoredJson,
  permissionGrantsSchema,
} from './store-json-schema.ts';

type CountColumn = 'user_count' | 'membership_count' | 'nesting_count';

/** Rows read per statement when a snapshot is loaded. */
const LOAD_SLICE = 20_000;

// Column order of the hand-compiled inserts (bulk-insert.ts); the tuples below follow it.
const USER_COLUMNS = [
  'scan_seq', 'ord', 'username', 'user_key', 'display_name', 'email', 'status', 'directory', 'last_login', 'login_known', 'created_at', 'first_seen',
] as const;
const MEMBERSHIP_COLUMNS = ['scan_seq', 'ord', 'group_name', 'username'] as const;
const NESTING_COLUMNS = ['scan_seq', 'ord', 'parent', 'child'] as const;

/** ScanRepository over Kysely: works on SQLite and PostgreSQL alike. */
export class SqlScanRepository implements ScanRepository {
  constructor(private readonly context: StoreContext) {}

  async start(input: ScanStart): Promise<string> {
    const id = newId('scan');
    await this.context.db
      .insertInto('scans')
      .values({
        id,
        instance: input.instance,
        started_at: toIso(input.startedAt),
        finished_at: null,
        status: 'running',
        error: null,
        connected_as: input.connectedAs,
        last_login_source: input.lastLoginSource === 'database' ? 'database' : 'rest',
        grants_json: null,
        license_json: null,
        directories_json: null,
        read_only_groups_json: null,
        groups_json: null,
        warnings_json: null,
        capabilities_json: JSON.stringify(input.capabilities),
        applications_json: null,
        rehearsal: this.context.rehearsal,
      })
      .execute();
    return id;
  }

  async addUsers(scanId: string, users: readonly UserSnapshot[]): Promise<void> {
    await this.append(scanId, 'user_count', users, USER_COLUMNS.length, (trx, scanSeq, ord, batch) =>
      bulkInsert(
        trx,
        this.context.dialect,
        'scan_users',
        USER_COLUMNS,
        batch.map((user, index) => [
          scanSeq,
          ord + index,
          user.username,
          user.userKey,
          user.displayName,
          user.email,
          user.status,
          user.directory,
          toIsoOrNull(user.lastLogin),
          user.loginKnown ? 1 : 0,
          toIsoOrNull(user.createdAt),
          toIso(user.firstSeen),
        ]),
      ),
    );
  }

  async addMemberships(scanId: string, memberships: readonly Membership[]): Promise<void> {
    await this.append(scanId, 'membership_count', memberships, MEMBERSHIP_COLUMNS.length, (trx, scanSeq, ord, batch) =>
      bulkInsert(trx, this.context.dialect, 'scan_memberships', MEMBERSHIP_COLUMNS, batch.map((row, index) => [scanSeq, ord + index, row.group, row.username])),
    );
  }

  async addNesting(scanId: string, nesting: readonly GroupNesting[]): Promise<void> {
    await this.append(scanId, 'nesting_count', nesting, NESTING_COLUMNS.length, (trx, scanSeq, ord, batch) =>
      bulkInsert(trx, this.context.dialect, 'scan_nesting', NESTING_COLUMNS, batch.map((row, index) => [scanSeq, ord + index, row.parent, row.child])),
    );
  }

  async finish(scanId: string, result: ScanResult): Promise<void> {
    const updated = await this.context.db
      .updateTable('scans')
      .set({
        finished_at: toIso(result.finishedAt),
        status: result.status,
        error: result.error,
        grants_json: JSON.stringify(result.grants),
        license_json: JSON.stringify(result.license),
        applications_json: JSON.stringify(result.applications),
        directories_json: JSON.stringify(result.directories),
        read_only_groups_json: JSON.stringify(result.readOnlyGroups),
        groups_json: JSON.stringify(result.groups),
        warnings_json: JSON.stringify(result.warnings),
      })
      .where('id', '=', scanId)
      .where('status', '=', 'running')
      .where('rehearsal', '=', this.context.rehearsal)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) throw await this.notRunning(this.context.db, scanId);
  }

  async get(scanId: string): Promise<ScanRecord | null> {
    const row = await this.context.db.selectFrom('scans').selectAll().where('id', '=', scanId).where('rehearsal', '=', this.context.rehearsal).executeTakeFirst();
    return row === undefined ? null : toRecord(row);
  }

  async latest(instance: string, options?: { status?: ScanStatus }): Promise<ScanRecord | null> {
    const [record] = await this.newest(instance, 1, options?.status);
    return record ?? null;
  }

  async recent(instance: string, limit: number): Promise<ScanRecord[]> {
    return this.newest(instance, limit);
  }

  async accountNamed(scanId: string, username: string): Promise<{ username: string; userKey: string } | null> {
    const { db } = this.context;
    const header = await db.selectFrom('scans').select('seq').where('id', '=', scanId).where('rehearsal', '=', this.context.rehearsal).executeTakeFirst();
    if (header === undefined) return null;
    // lower() folds ASCII only on SQLite: the final comparison is JavaScript's, over the rows either spelling finds.
    const rows = await db
      .selectFrom('scan_users')
      .select(['username', 'user_key'])
      .where('scan_seq', '=', header.seq)
      .where((eb) => eb.or([eb('username', '=', username), eb(eb.fn('lower', ['username']), '=', username.toLowerCase())]))
      .orderBy('ord')
      .execute();
    const exact = rows.find((row) => row.username === username);
    const found = exact ?? rows.find((row) => row.username.toLowerCase() === username.toLowerCase());
    return found === undefined ? null : { username: found.username, userKey: found.user_key };
  }

  async loadSnapshot(scanId: string): Promise<InstanceSnapshot> {
    const { db } = this.context;
    const header = await db.selectFrom('scans').selectAll().where('id', '=', scanId).where('rehearsal', '=', this.context.rehearsal).executeTakeFirst();
    if (header === undefined) throw new NotFound(`Scan ${scanId} does not exist.`);
    if (header.status === 'running') throw new Conflict(`Scan ${scanId} is still running; only a finished scan can be loaded.`);
    const what = `scan ${scanId}`;
    const grants = parseStoredJson(permissionGrantsSchema, requireJson(header.grants_json, what), `grants of ${what}`);
    const license = parseStoredJson(licenseUsageSchema, requireJson(header.license_json, what), `licence of ${what}`);
    const applications = applicationsOf(header, grants, license);
    const directories = parseStoredJson(directoriesSchema, requireJson(header.directories_json, what), `directories of ${what}`);
    const groups = parseStoredJson(groupNamesSchema, requireJson(header.groups_json, what), `groups of ${what}`);
    const readOnlyGroups = parseStoredJson(groupNamesSchema, requireJson(header.read_only_groups_json, what), `read-only groups of ${what}`);

    // Read in slices of `ord` (the primary key's second column), so the driver's rows of one slice are garbage before
    // the next is read, instead of every raw row of a 200k-user scan living beside the snapshot built from it. Values
    // that repeat across rows come back as one string or Date each: group names, the users' own names in memberships,
    // statuses, directories and first-seen instants (most users were first seen by the same scan).
    const seq = header.seq;
    const intern = interner<string>();
    const internStatus = interner<AccountStatus>();
    const dates = new Map<string, Date>();
    const sharedDate = (iso: string): Date => {
      const known = dates.get(iso);
      if (known !== undefined) return known;
      const date = fromIso(iso);
      dates.set(iso, date);
      return date;
    };
    const users: UserSnapshot[] = [];
    const names = new Map<string, string>();
    for (let after = -1; ; ) {
      const rows = await db
        .selectFrom('scan_users')
        .select(['ord', 'username', 'user_key', 'display_name', 'email', 'status', 'directory', 'last_login', 'login_known', 'created_at', 'first_seen'])
        .where('scan_seq', '=', seq)
        .where('ord', '>', after)
        .orderBy('ord')
        .limit(LOAD_SLICE)
        .execute();
      for (const row of rows) {
        names.set(row.username, row.username);
        users.push({
          username: row.username,
          userKey: row.user_key,
          displayName: row.display_name,
          email: row.email,
          status: internStatus(row.status),
          directory: row.directory === null ? null : intern(row.directory),
          lastLogin: fromIsoOrNull(row.last_login),
          loginKnown: row.login_known === 1,
          createdAt: row.created_at === null ? null : sharedDate(row.created_at),
          firstSeen: sharedDate(row.first_seen),
        });
      }
      if (rows.length < LOAD_SLICE) break;
      after = rows[rows.length - 1]?.ord ?? after;
    }
    dates.clear();
    const memberships: Membership[] = [];
    for (let after = -1; ; ) {
      const rows = await db
        .selectFrom('scan_memberships')
        .select(['ord', 'group_name', 'username'])
        .where('scan_seq', '=', seq)
        .where('ord', '>', after)
        .orderBy('ord')
        .limit(LOAD_SLICE)
        .execute();
      for (const row of rows) memberships.push({ group: intern(row.group_name), username: names.get(row.username) ?? row.username });
      if (rows.length < LOAD_SLICE) break;
      after = rows[rows.length - 1]?.ord ?? after;
    }
    names.clear();
    const nesting = await db.selectFrom('scan_nesting').select(['parent', 'child']).where('scan_seq', '=', seq).orderBy('ord').execute();

    return {
      instance: header.instance,
      scanId: header.id,
      // The moment the scan began: anything that happened after it may be missing from the snapshot.
      takenAt: fromIso(header.started_at),
      connectedAs: header.connected_as,
      lastLoginSource: lastLoginSourceOf(header),
      capabilities: capabilitiesOf(header),
      users,
      groups,
      readOnlyGroups,
      memberships,
      nesting,
      applications,
      grants,
      license,
      directories,
    };
  }

  private async newest(instance: string, limit: number, status?: ScanStatus): Promise<ScanRecord[]> {
    if (!Number.isInteger(limit) || limit < 0) throw new InvalidInput(`A scan list limit must be a whole number ≥ 0, not ${limit}.`);
    let query = this.context.db.selectFrom('scans').selectAll().where('instance', '=', instance).where('rehearsal', '=', this.context.rehearsal);
    if (status !== undefined) query = query.where('status', '=', status);
    // `seq` breaks ties between scans started in the same millisecond: the later insert is newer.
    const rows = await query.orderBy('started_at', 'desc').orderBy('seq', 'desc').limit(limit).execute();
    return rows.map(toRecord);
  }

  /**
   * Appends one batch in one transaction. The header's row count is bumped first, which both numbers
   * the new rows and locks the header, so concurrent appends to one scan never share an `ord`.
   */
  private async append<T>(
    scanId: string,
    counter: CountColumn,
    rows: readonly T[],
    columnsPerRow: number,
    write: (trx: Transaction<Database>, scanSeq: number, firstOrd: number, batch: readonly T[]) => Promise<unknown>,
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.context.db.transaction().execute(async (trx) => {
      const header = await trx
        .updateTable('scans')
        .set((eb) => ({ [counter]: eb(counter, '+', rows.length) }))
        .where('id', '=', scanId)
        .where('status', '=', 'running')
        .where('rehearsal', '=', this.context.rehearsal)
        .returning(['seq', counter])
        .executeTakeFirst();
      if (header === undefined) throw await this.notRunning(trx, scanId);
      let ord = header[counter] - rows.length;
      for (const batch of chunk(rows, columnsPerRow, this.context.maxParameters)) {
        await write(trx, header.seq, ord, batch);
        ord += batch.length;
      }
    });
  }

  private async notRunning(db: Kysely<Database>, scanId: string): Promise<Error> {
    const row = await db.selectFrom('scans').select('status').where('id', '=', scanId).where('rehearsal', '=', this.context.rehearsal).executeTakeFirst();
    return row === undefined
      ? new NotFound(`Scan ${scanId} does not exist.`)
      : new Conflict(`Scan ${scanId} is ${row.status}; rows can only be added to a running scan, and it can finish only once.`);
  }
}

/** A scan's capabilities; one stored before they were recorded was a Confluence DC scan, read as Confluence DC was then. */
function capabilitiesOf(row: Pick<Selectable<ScansTable>, 'id' | 'capabilities_json'>): InstanceCapabilities {
  if (row.capabilities_json === null) return LEGACY_CONFLUENCE_CAPABILITIES;
  return parseStoredJson(instanceCapabilitiesSchema, row.capabilities_json, `capabilities of scan ${row.id}`);
}

/** The column holds two words; a REST source read one user at a time is told by the capabilities. */
function lastLoginSourceOf(row: Pick<Selectable<ScansTable>, 'id' | 'capabilities_json' | 'last_login_source'>): InstanceCapabilities['lastLogin'] {
  return row.last_login_source === 'rest' && capabilitiesOf(row).lastLogin === 'rest-per-user' ? 'rest-per-user' : row.last_login_source;
}

/** One copy of each distinct value: a value seen before comes back as the string first seen. */
function interner<T extends string>(): (text: T) => T {
  const known = new Map<T, T>();
  return (text) => {
    const first = known.get(text);
    if (first !== undefined) return first;
    known.set(text, text);
    return text;
  };
}

function requireJson(text: string | null, what: string): string {
  if (text === null) throw new Error(`Stored ${what} is finished but has no header data.`);
  return text;
}

/**
 * A scan's applications; one stored before they were recorded (migration 0010) was a Confluence scan, read as its one
 * `confluence` application from the stored grants. A running scan has none yet.
 */
function applicationsOf(
  row: Pick<Selectable<ScansTable>, 'id' | 'applications_json'>,
  grants: PermissionGrants | null,
  license: LicenseUsage,
): ApplicationSnapshot[] {
  if (row.applications_json !== null) return parseStoredJson(applicationsSchema, row.applications_json, `applications of scan ${row.id}`);
  return grants === null ? [] : [legacyApplication(grants, license)];
}

function toRecord(row: Selectable<ScansTable>): ScanRecord {
  const what = `scan ${row.id}`;
  const license: LicenseUsage = row.license_json === null ? { used: null, max: null } : parseStoredJson(licenseUsageSchema, row.license_json, `licence of ${what}`);
  const grants = row.grants_json === null ? null : parseStoredJson(permissionGrantsSchema, row.grants_json, `grants of ${what}`);
  return {
    id: row.id,
    instance: row.instance,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    status: row.status,
    error: row.error,
    userCount: row.user_count,
    membershipCount: row.membership_count,
    connectedAs: row.connected_as,
    lastLoginSource: lastLoginSourceOf(row),
    capabilities: capabilitiesOf(row),
    // A running scan has not read the licence yet.
    license,
    applications: applicationsOf(row, grants, license),
    // Scans written before warnings were kept have none.
    warnings: row.warnings_json === null ? [] : parseStoredJson(groupNamesSchema, row.warnings_json, `warnings of ${what}`),
  };
}
