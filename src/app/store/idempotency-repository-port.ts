/** The store's port for idempotency keys of API write requests. */

/** A key as stored: the caller and body it is bound to, and the answer once there is one. */
export interface IdempotencyRecord {
  readonly caller: string;
  readonly key: string;
  readonly bodyHash: string;
  /** Null while the first request with the key is still being answered. */
  readonly response: { readonly statusCode: number; readonly body: unknown } | null;
  readonly expiresAt: string;
}

/** Idempotency keys, kept until they expire. */
export interface IdempotencyRepository {
  /**
   * Claims the key for the caller: `claimed` when it is new (or its old claim expired), else the record that stands.
   * Exactly one of concurrent claimers wins.
   */
  claim(input: { caller: string; key: string; bodyHash: string; at: Date; expiresAt: Date }): Promise<{ claimed: true } | { claimed: false; record: IdempotencyRecord }>;
  /** Stores the answer of a claimed key. */
  complete(input: { caller: string; key: string; statusCode: number; body: unknown }): Promise<void>;
  /** Gives a claim up (the request failed before it changed anything), so a retry can run. */
  release(caller: string, key: string): Promise<void>;
}
