/** Test support: a fresh record key, as the key file would hold. */

import { randomBytes } from 'node:crypto';
import { RECORD_KEY_BYTES, RecordKey } from '../../src/domain/record-signature.ts';

/** A random record key for one test file's store. */
export function testRecordKey(): RecordKey {
  const key = RecordKey.fromBytes(randomBytes(RECORD_KEY_BYTES));
  if (key === null) throw new Error('RECORD_KEY_BYTES random bytes make a key');
  return key;
}
