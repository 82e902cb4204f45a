/** The store's port for lifecycle records. */

import type { LifecycleRecord } from '../../domain/lifecycle.ts';

/** A lifecycle record with the account it belongs to: null for a record from before that was kept, matched by username. */
export type AccountLifecycleRecord = LifecycleRecord & { readonly userKey: string | null };

/** Where each user stands in each policy's staged lifecycle (domain/lifecycle.ts). */
export interface LifecycleRepository {
  /** Every record of an instance. */
  records(instance: string): Promise<AccountLifecycleRecord[]>;
  /** Records that a user entered a stage; entering the stage the user is already in keeps the first entry time. */
  enter(instance: string, record: LifecycleRecord & { readonly userKey?: string | null }): Promise<void>;
  /** Clears a record if it is still the one entered at `enteredAt`; returns whether it did. */
  clear(instance: string, policy: string, username: string, enteredAt: Date): Promise<boolean>;
}
