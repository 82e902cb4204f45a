/** The store's port for Seatkeeper's memory of users. */

/** Seatkeeper's own memory of each user, kept across scans (Confluence forgets unlicensed users' logins). */
export interface UserMemory {
  readonly username: string;
  /** The account id the memory belongs to; null for memory from before it was recorded, matched by username. */
  readonly userKey: string | null;
  readonly firstSeen: Date;
  readonly lastLogin: Date | null;
  readonly lastLicensedAt: Date | null;
}

/** Seatkeeper's memory of users across scans. */
export interface UserMemoryRepository {
  /** Records what a scan saw: keeps the earliest first-seen and the latest last login; sets last-licensed when licensed. */
  observe(instance: string, facts: readonly { username: string; userKey?: string | null; seenAt: Date; lastLogin: Date | null; licensed: boolean }[]): Promise<void>;
  /** Memory for the given users (all of the instance when omitted), by username. */
  recall(instance: string, usernames?: readonly string[]): Promise<Map<string, UserMemory>>;
}
