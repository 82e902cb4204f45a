/** The Kysely types of the lifecycle tables (migration 0003-lifecycle): stage records and the notice journal. */

import type { Generated } from 'kysely';
import type { LifecycleStage, PlannedNotice } from '../domain/lifecycle.ts';

/** Where one user stands in one policy's lifecycle; one row per instance, policy and user. */
export interface LifecycleStagesTable {
  instance: string;
  policy: string;
  username: string;
  /** The account id (migration 0011); null until a scan matches a row from before it. */
  user_key: string | null;
  stage: LifecycleStage;
  entered_at: string;
  last_login_at_entry: string | null;
}

/** One notice e-mail: claimed before sending, settled after; unique per stage and period of inactivity. */
export interface NoticeJournalTable {
  id: Generated<number>;
  instance: string;
  policy: string;
  username: string;
  /** The account id (migration 0011); null until a scan matches the username. */
  user_key: string | null;
  stage: PlannedNotice['stage'];
  inactive_since: string;
  recipient: string;
  /** sha256 of the keep-access token (hex): a copy of the database does not hand out working links. */
  token_hash: string;
  run_id: string;
  claimed_at: string;
  sent_at: string | null;
  message_id: string | null;
  error: string | null;
}
