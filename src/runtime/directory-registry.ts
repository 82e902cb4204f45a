/**
 * Every organisation-directory kind with a connector, keyed by `kind`. The kinds the config accepts without a
 * connector (config/connector-schemas.ts PENDING_DIRECTORY_KINDS) have no entry: a policy reading one is pending, with
 * the reason config/policy-mapping.ts gives. Connecting a kind is its folder under connectors/directories/, its schema
 * in connector-schemas.ts (out of the pending list) and one entry here (the type below asks for it).
 */

import type { DirectoryConfig } from '../config/config-schema.ts';
import type { PENDING_DIRECTORY_KINDS } from '../config/connector-schemas.ts';
import type { OrgDirectory } from '../app/directory-port.ts';
import { InvalidInput } from '../domain/errors.ts';
import { CONNECTED_DIRECTORY_KINDS } from '../config/connector-schemas.ts';
import { createHttpDirectory } from '../connectors/directories/http/http-directory-connector.ts';

/** A directory kind that has a connector. */
export type ConnectedDirectoryKind = Exclude<DirectoryConfig['kind'], (typeof PENDING_DIRECTORY_KINDS)[number]>;

/** The settings of one connected kind's directories. */
export type DirectoryConfigOf<K extends ConnectedDirectoryKind> = Extract<DirectoryConfig, { kind: K }>;

/** One directory kind: how a configured directory of it is read. */
export interface DirectoryEntry<K extends ConnectedDirectoryKind> {
  /** The directory's connector; nothing is contacted until `people` is called. */
  readonly connect: (directoryId: string, config: DirectoryConfigOf<K>) => OrgDirectory;
}

/** The registry's type: one entry per connected kind. */
export type DirectoryRegistry = { readonly [K in ConnectedDirectoryKind]: DirectoryEntry<K> };

/** Every directory kind Seatkeeper reads. */
export const directoryRegistry: DirectoryRegistry = {
  http: { connect: (directoryId, config) => createHttpDirectory(directoryId, config) },
};

function directoryEntry<K extends ConnectedDirectoryKind>(kind: K): DirectoryEntry<K> {
  return directoryRegistry[kind];
}

function isConnected(config: DirectoryConfig): config is DirectoryConfigOf<ConnectedDirectoryKind> {
  return CONNECTED_DIRECTORY_KINDS.includes(config.kind);
}

/** The connector of one configured directory; InvalidInput when its kind has none yet. */
export function connectDirectory(directoryId: string, config: DirectoryConfig | undefined): OrgDirectory {
  if (config === undefined || !isConnected(config)) {
    throw new InvalidInput(`directory "${directoryId}" cannot be read yet`, [`only kind: ${CONNECTED_DIRECTORY_KINDS.join(', ')} directories are connected so far`]);
  }
  return directoryEntry(config.kind).connect(directoryId, config);
}
