/** The store's port for following accounts across renames: what Seatkeeper remembers of a user moves with the account. */

/** One account seen under a new username: its memory, lifecycle stages and notices moved from `from` to `to`. */
export interface AccountRename {
  readonly userKey: string;
  readonly from: string;
  readonly to: string;
}

/** Follows accounts by their account id (user key) across renames. */
export interface AccountFollowRepository {
  /**
   * Given every account a scan listed (account id and username), moves the user memory, lifecycle stages and notice
   * rows recorded for an account id under another username to the username listed now, in one transaction, and gives
   * keyless rows (from before account ids were recorded) the id of the account listed under their username. Rows of
   * accounts not listed are left alone, except a row under a name another account now holds, which cannot stay there:
   * memory and stages of such a vanished account are dropped, notices (the evidence of who was warned) never are.
   */
  follow(instance: string, accounts: readonly { readonly userKey: string; readonly username: string }[]): Promise<{ renames: AccountRename[]; dropped: string[] }>;
}
