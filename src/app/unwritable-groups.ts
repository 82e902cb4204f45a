/** Use case: forget that an instance refused to change a group, so plans propose its memberships again. */

import type { Store } from './store-port.ts';
import { InvalidInput } from '../domain/errors.ts';
import { escapeControl } from './instance-check.ts';

/** Forgets the group on the instance; InvalidInput naming the remembered groups when it is not one of them. */
export async function forgetUnwritableGroup(store: Pick<Store, 'unwritableGroups'>, input: { instance: string; group: string }): Promise<void> {
  if (await store.unwritableGroups.forget(input.instance, input.group)) return;
  const known = (await store.unwritableGroups.list(input.instance)).map((g) => JSON.stringify(escapeControl(g.group)));
  throw new InvalidInput(`group ${JSON.stringify(escapeControl(input.group))} is not remembered as not writable on ${input.instance}`, [
    known.length === 0 ? 'no group is remembered' : `remembered: ${known.join(', ')}`,
  ]);
}
