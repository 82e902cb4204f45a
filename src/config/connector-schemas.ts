/**
 * The config schema of every product an instance may be and every kind of organisation directory: the lists the
 * `instances:` and `directories:` unions of config-schema.ts are built from. Each connector folder owns its
 * `<name>-config.ts`; adding a product or a directory kind is its folder, one line here and one line in the runtime's
 * registry (src/runtime/instance-registry.ts, src/runtime/directory-registry.ts).
 */

import { z } from 'zod';
import { confluenceDcConfigSchema } from '../connectors/confluence-dc/confluence-dc-config.ts';
import { jiraDcConfigSchema } from '../connectors/jira-dc/jira-dc-config.ts';
import { httpDirectoryConfigSchema } from '../connectors/directories/http/http-directory-config.ts';

/** One schema per product, each with a literal `product`. */
export const INSTANCE_SCHEMAS = [confluenceDcConfigSchema, jiraDcConfigSchema] as const;

/** Products on the way, named where a config asks for one that is not here yet. */
export const PRODUCTS_TO_COME = 'Confluence Cloud and Jira Cloud come later';

/** Directory kinds the config accepts (their settings unchecked) but no connector reads yet. */
export const PENDING_DIRECTORY_KINDS = ['ldap', 'okta', 'entra', 'google', 'scim', 'crowd'] as const;

/** The kinds in PENDING_DIRECTORY_KINDS, loosely: checked once their connector comes. */
const pendingDirectorySchema = z.looseObject({ kind: z.enum(PENDING_DIRECTORY_KINDS) });

/** One strict schema per connected directory kind, each with a literal `kind`; the pending kinds last. */
export const DIRECTORY_SCHEMAS = [httpDirectoryConfigSchema, pendingDirectorySchema] as const;

/** The products an instance may be, from INSTANCE_SCHEMAS. */
export const PRODUCTS: readonly string[] = INSTANCE_SCHEMAS.map((schema) => schema.shape.product.value);

/** The products whose instances have this key (e.g. licenseGroups: confluence-dc only). */
export function productsWithKey(key: string): string[] {
  return INSTANCE_SCHEMAS.filter((schema) => Object.hasOwn(schema.shape, key)).map((schema) => schema.shape.product.value);
}

/** The directory kinds with a connector, from DIRECTORY_SCHEMAS. */
export const CONNECTED_DIRECTORY_KINDS: readonly string[] = DIRECTORY_SCHEMAS.flatMap((schema) =>
  schema.shape.kind instanceof z.ZodLiteral ? [...schema.shape.kind.values].map(String) : [],
);

/** Whether a directory of this kind can be read now (its connector exists), rather than only accepted by the config. */
export function isConnectedDirectoryKind(kind: string): boolean {
  return CONNECTED_DIRECTORY_KINDS.includes(kind);
}
