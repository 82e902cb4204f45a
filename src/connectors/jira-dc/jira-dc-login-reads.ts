/**
 * Last logins where only `GET /rest/api/2/user?key=` carries them (UserBean's `lastLoginTime`; the listings' UserJsonBean
 * has none, per the 10.3 spec): one request per account, which is the cost this file bounds and states.
 */

import { ConnectorError } from '../../app/connector-error.ts';
import type { LoginFact } from '../../app/instance-port.ts';
import type { JiraDcClient } from './jira-dc-client.ts';

/**
 * Per-user reads for last logins are bounded by this many accounts: beyond it the cost (one request per account) is
 * refused and the database source is asked for instead.
 */
export const MAX_PER_USER_LOGIN_READS = 50_000;

/** Login facts from one `GET /rest/api/2/user?key=` per account (UserBean has lastLoginTime; listings do not). */
export async function* readLoginsPerUser(
  client: JiraDcClient,
  accounts: readonly { readonly key: string; readonly name: string }[],
  options: { readonly concurrency: number; readonly target: string },
  signal?: AbortSignal,
): AsyncGenerator<LoginFact> {
  if (accounts.length > MAX_PER_USER_LOGIN_READS) {
    throw new ConnectorError(
      `reading last logins would take one request per account (${accounts.length} > ${MAX_PER_USER_LOGIN_READS}): set lastLogin: database with a read-only database: URL`,
      { target: options.target, fixable: true },
    );
  }
  // Facts wait until one account shows the field: if none does, the version has no lastLoginTime, and read as
  // "never logged in" that would make every account reclaimable.
  let seen = false;
  const held: LoginFact[] = [];
  const chunk = Math.max(1, options.concurrency) * 8;
  for (let start = 0; start < accounts.length; start += chunk) {
    const batch = accounts.slice(start, start + chunk);
    // The client's semaphore keeps `concurrency` requests in flight; a batch only bounds what is held in memory.
    const users = await Promise.all(batch.map((account) => client.user({ key: account.key }, signal)));
    const ready: LoginFact[] = [];
    for (const user of users) {
      if (user === null) continue; // deleted since the listing: no fact, the scan sees it gone next time
      if (user.lastLoginSent) seen = true;
      ready.push({ accountId: user.key, username: user.name, lastLogin: user.lastLoginTime, createdAt: null, directory: user.directory, email: user.emailAddress });
    }
    if (!seen) {
      held.push(...ready);
      continue;
    }
    yield* held.splice(0);
    yield* ready;
  }
  if (!seen && held.length > 0) {
    throw new ConnectorError(
      `Jira sent no lastLoginTime for any of ${held.length} accounts on GET /rest/api/2/user: this version does not have the field; set lastLogin: database with a read-only database: URL`,
      { target: options.target, fixable: true },
    );
  }
}
