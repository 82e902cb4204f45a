/** The store's port for API sign-in sessions. */

/** A session as stored: its id only as a sha256 hash. */
export interface SessionRecord {
  readonly idHash: string;
  /** The admin account's name, as the account spells it. */
  readonly admin: string;
  /** Sent back in the X-CSRF-Token header of every cookie-authenticated write. */
  readonly csrfToken: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly idleExpiresAt: string;
  readonly absoluteExpiresAt: string;
}

/** Sign-in sessions. */
export interface SessionRepository {
  create(session: { idHash: string; admin: string; csrfToken: string; at: Date; idleExpiresAt: Date; absoluteExpiresAt: Date; address: string | null }): Promise<SessionRecord>;
  get(idHash: string): Promise<SessionRecord | null>;
  /** Moves the idle expiry on after a request (never past the absolute one, which the caller has judged). */
  touch(idHash: string, at: Date, idleExpiresAt: Date): Promise<void>;
  /** Ends one session. */
  remove(idHash: string): Promise<void>;
  /** Ends every session whose expiry is at or before `at`; returns how many. */
  removeExpired(at: Date): Promise<number>;
}
