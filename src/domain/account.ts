/**
 * Who an account is, whatever the product: the id the product never changes (Confluence's user key, Jira's user key,
 * later a Cloud accountId) and, where the product has one, the username people type (which a rename changes). Store
 * keys, the journal, user memory and every write address an account by `accountId`; `username` is for display and for
 * the routes that want a name.
 */

export interface AccountRef {
  /** Stable for the account's life on its instance; never re-used for another person. */
  readonly accountId: string;
  /** The current username; null where the product has none (Cloud). Compared case-insensitively. */
  readonly username: string | null;
}

/** Prefix of an account id that could not be resolved from a store written before account ids (see migration 0009). */
export const UNRESOLVED_PREFIX = 'unresolved-name:';

/** The account id standing for a username whose key is not known yet; a later scan replaces it with the real id. */
export function unresolvedAccountId(username: string): string {
  return `${UNRESOLVED_PREFIX}${username.toLowerCase()}`;
}

export function isUnresolvedAccountId(accountId: string): boolean {
  return accountId.startsWith(UNRESOLVED_PREFIX);
}

/** "alice (key 8a7f…)" — how logs and notes name an account. */
export function describeAccount(account: AccountRef): string {
  return account.username === null ? `account ${account.accountId}` : account.username;
}
