/**
 * Every product an instance may be, keyed by `product`: its config schema, its connector factory, what it can do
 * before it has seen a live instance, and its `instance check` where it has one. Adding a product is its connector
 * folder, its schema in config/connector-schemas.ts and one entry here (the type below asks for it).
 */

import type { z } from 'zod';
import type { InstanceConfig } from '../config/config-schema.ts';
import type { InstanceConnector } from '../app/instance-port.ts';
import type { InstanceCapabilities } from '../domain/instance-capabilities.ts';
import type { InstanceCheckReport } from '../app/instance-check.ts';
import type { CheckCapture, RedactionVocabulary } from '../app/capture-redaction.ts';
import type { UnwritableGroup } from '../app/store/unwritable-group-repository-port.ts';
import type { CircuitEvent } from '../connectors/circuit-breaker.ts';
import { confluenceDcConfigSchema } from '../connectors/confluence-dc/confluence-dc-config.ts';
import { confluenceDcCapabilities, createConfluenceDcConnector } from '../connectors/confluence-dc/confluence-dc-connector.ts';
import { checkConfluenceDcInstance } from '../connectors/confluence-dc/confluence-dc-check.ts';
import { CONFLUENCE_REDACTION } from '../connectors/confluence-dc/confluence-dc-check-vocabulary.ts';
import { jiraDcConfigSchema } from '../connectors/jira-dc/jira-dc-config.ts';
import { createJiraDcConnector } from '../connectors/jira-dc/jira-dc-connector.ts';
import { checkJiraDcInstance } from '../connectors/jira-dc/jira-dc-check.ts';
import { JIRA_REDACTION } from '../connectors/jira-dc/jira-dc-check-vocabulary.ts';
import { InvalidInput } from '../domain/errors.ts';

/** A product's name, as `product:` says it. */
export type Product = InstanceConfig['product'];

/** The settings of one product's instances. */
export type InstanceConfigOf<P extends Product> = Extract<InstanceConfig, { product: P }>;

/** What a connector factory gets besides the instance's id and settings. */
export interface ConnectOptions {
  /** Sees the circuit breaker pause and resume requests. */
  readonly onCircuit?: (event: CircuitEvent) => void;
}

/** What `instance check` reads: the report, and every response read (unredacted; redactCaptures with the product's `vocabulary` makes them shareable). */
export interface InstanceCheckOutcome {
  readonly report: InstanceCheckReport;
  readonly captures: readonly CheckCapture[];
  readonly baseUrl: string;
  readonly vocabulary: RedactionVocabulary;
}

/** What `instance check` needs besides the instance: the store's memory of groups the instance refused to change. */
export interface InstanceCheckInput<P extends Product> {
  readonly instanceId: string;
  readonly config: InstanceConfigOf<P>;
  readonly unwritableGroups: readonly UnwritableGroup[];
  readonly signal?: AbortSignal;
}

/** One product: how its instances are configured, connected and checked. */
export interface InstanceEntry<P extends Product> {
  /** The zod schema of one instance of the product (its connector folder's `<name>-config.ts`). */
  readonly schema: z.ZodType<InstanceConfigOf<P>, unknown>;
  /** The connector for one configured instance; nothing is contacted until a method is called. */
  readonly connect: (instanceId: string, config: InstanceConfigOf<P>, options: ConnectOptions) => InstanceConnector;
  /** What the product's connector can do before it has read the instance's version (the safe reading). */
  readonly capabilities: (config: InstanceConfigOf<P>) => InstanceCapabilities;
  /** Tests each assumption against a live instance with reads only; absent where the product has no check yet. */
  readonly check?: (input: InstanceCheckInput<P>, options: ConnectOptions) => Promise<InstanceCheckOutcome>;
  /** The product's words for capture redaction: which route words, keys and values are kept, and the stand-in origin. */
  readonly vocabulary: RedactionVocabulary;
}

/** The registry's type: one entry per product, so a product in the config schema without an entry does not compile. */
export type InstanceRegistry = { readonly [P in Product]: InstanceEntry<P> };

/** Every product Seatkeeper connects to. */
export const instanceRegistry: InstanceRegistry = {
  'confluence-dc': {
    schema: confluenceDcConfigSchema,
    connect: (instanceId, config, options) => createConfluenceDcConnector(instanceId, config, options),
    // Before the version is read, the cautious reading: no individual grants (9.3), no profile updates (10.0).
    capabilities: (config) => confluenceDcCapabilities(config.lastLogin, null),
    check: (input, options) => checkConfluenceDcInstance(input, options),
    vocabulary: CONFLUENCE_REDACTION,
  },
  'jira-dc': {
    schema: jiraDcConfigSchema,
    connect: (instanceId, config, options) => createJiraDcConnector(instanceId, config, options),
    // The connector's own reading before probe: nothing is contacted to build it, and it is the cautious one (per-user
    // login reads until a listing shows lastLoginTime, member lists that may be flattened until the database shows
    // cwd_membership), so the registry cannot drift from what a connector says.
    capabilities: (config) => createJiraDcConnector('capabilities', config).capabilities,
    check: (input, options) => checkJiraDcInstance(input, options),
    vocabulary: JIRA_REDACTION,
  },
};

function isProduct(name: string): name is Product {
  return Object.hasOwn(instanceRegistry, name);
}

/** Every product in the registry, in the order it lists them. */
const PRODUCT_NAMES: readonly Product[] = Object.keys(instanceRegistry).filter(isProduct);

/** The entry of a product; generic so that its factory takes exactly that product's settings. */
export function instanceEntry<P extends Product>(product: P): InstanceEntry<P> {
  return instanceRegistry[product];
}

/** The connector of one configured instance, from its product's entry. */
export function connectInstance<P extends Product>(instanceId: string, config: InstanceConfigOf<P> & { product: P }, options: ConnectOptions = {}): InstanceConnector {
  return instanceEntry(config.product).connect(instanceId, config, options);
}

/** The products whose instances `instance check` can test. */
export function checkableProducts(): Product[] {
  return PRODUCT_NAMES.filter((product) => instanceRegistry[product].check !== undefined);
}

/**
 * Checks one instance with its product's check; InvalidInput when the product has none yet. Generic for the same
 * reason as connectInstance.
 */
export async function checkInstance<P extends Product>(
  input: InstanceCheckInput<P> & { readonly config: { readonly product: P } },
  options: ConnectOptions = {},
): Promise<InstanceCheckOutcome> {
  const check = instanceEntry(input.config.product).check;
  if (check === undefined) throw new InvalidInput(`instance ${input.instanceId} (product ${input.config.product}) has no check yet`);
  return check(input, options);
}
