/** Which configured instance a request works on. */

import type { SeatkeeperConfig } from './config-schema.ts';
import { InvalidInput } from '../domain/errors.ts';

/** The instance named, or every configured one in config order (a command over all of them); InvalidInput when there is none. */
export function resolveInstances(config: SeatkeeperConfig, requested: string | undefined): string[] {
  if (requested !== undefined || Object.keys(config.instances).length <= 1) return [resolveInstance(config, requested)];
  return Object.keys(config.instances);
}

/** The instance named, or the only one configured; InvalidInput (with the ids to choose from) otherwise. */
export function resolveInstance(config: SeatkeeperConfig, requested: string | undefined): string {
  const ids = Object.keys(config.instances);
  if (requested !== undefined) {
    if (!Object.hasOwn(config.instances, requested)) throw new InvalidInput(`no instance "${requested}" in the config`, [`known instances: ${ids.join(', ') || 'none'}`]);
    return requested;
  }
  if (ids.length === 1 && ids[0] !== undefined) return ids[0];
  if (ids.length === 0) throw new InvalidInput('the config has no instances', ['add one under instances:']);
  throw new InvalidInput('several instances are configured', [], { next: { kind: 'choose-instance', instances: ids } });
}
