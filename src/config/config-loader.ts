/** Reads seatkeeper.yaml: `${ENV}` interpolation, YAML parsing and validation, with every problem listed at once. */

import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { configSchema, type SeatkeeperConfig } from './config-schema.ts';
import { productsWithKey } from './connector-schemas.ts';
import { InvalidInput } from '../domain/errors.ts';

const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const PLACEHOLDER = /__SEATKEEPER_ENV_([A-Za-z_][A-Za-z0-9_]*?)__/g;

/**
 * `${NAME}` is not valid YAML everywhere (`{ token: ${X} }` opens a flow map), so references become plain-word
 * placeholders before parsing and are filled in on the parsed tree, where a secret's characters cannot break the YAML.
 */
export function protectEnvReferences(text: string): string {
  return text.replace(ENV_REFERENCE, (_, name: string) => `__SEATKEEPER_ENV_${name}__`);
}

/** Fills placeholders in every string of the tree; unknown names are collected as problems, not left in place. */
export function interpolate(value: unknown, env: NodeJS.ProcessEnv, path: string, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (_, name: string) => {
      const found = env[name];
      if (found === undefined) {
        problems.push(`${path || '(root)'}: environment variable ${name} is not set`);
        return '';
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, `${path}[${i}]`, problems));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolate(v, env, path ? `${path}.${k}` : k, problems)]),
    );
  }
  return value;
}

function describeIssue(issue: z.core.$ZodIssue, document: unknown): string {
  const path = issue.path.map(String).join('.') || '(root)';
  if (issue.code === 'unrecognized_keys' && issue.path.length === 2 && issue.path[0] === 'instances') {
    return `${path}: ${unknownInstanceKeys(issue.keys, productAt(document, String(issue.path[1])))}`;
  }
  return `${path}: ${issue.message}`;
}

/**
 * Keys an instance's product does not have, saying which product has each: a Confluence key such as licenseGroups
 * under a Jira instance is named as Confluence's, so no one reads it as applied to Jira.
 */
function unknownInstanceKeys(keys: readonly string[], product: string): string {
  const phrases = keys.map((key) => {
    const owners = productsWithKey(key);
    return owners.length === 0 ? `"${key}"` : `"${key}" (a ${owners.join(' and ')} key)`;
  });
  return `${product} instances have no key ${phrases.join(', ')}`;
}

/** The `product:` written for one instance of the parsed document, as text. */
function productAt(document: unknown, id: string): string {
  if (typeof document !== 'object' || document === null || !('instances' in document)) return 'this product\'s';
  const instances = document.instances;
  if (typeof instances !== 'object' || instances === null || !Object.hasOwn(instances, id)) return 'this product\'s';
  const instance: unknown = Object.getOwnPropertyDescriptor(instances, id)?.value;
  if (typeof instance !== 'object' || instance === null || !('product' in instance) || typeof instance.product !== 'string') return 'this product\'s';
  return instance.product;
}

/** Validates an already parsed document; throws InvalidInput listing every problem. */
export function parseConfig(document: unknown, env: NodeJS.ProcessEnv, source: string): SeatkeeperConfig {
  const problems: string[] = [];
  const interpolated = interpolate(document ?? {}, env, '', problems);
  // A value whose variable is unset is already reported; its emptiness is not a second problem.
  const unset = new Set(problems.map((p) => p.slice(0, p.indexOf(': environment variable'))));
  const result = configSchema.safeParse(interpolated);
  if (!result.success) {
    problems.push(...result.error.issues.filter((i) => !unset.has(i.path.map(String).join('.'))).map((issue) => describeIssue(issue, interpolated)));
  }
  if (problems.length > 0 || !result.success) {
    throw new InvalidInput(`${source} has ${problems.length} problem${problems.length === 1 ? '' : 's'}`, problems);
  }
  const config = result.data;
  return Object.freeze({
    ...config,
    instances: ownKeysOnly(config.instances),
    directories: ownKeysOnly(config.directories),
    policies: ownKeysOnly(config.policies),
  });
}

/**
 * The record without a prototype: instances, directories and policies are looked up by names from the command line
 * and from other keys (`via:`), and `config.policies['toString']` must be undefined, not Object.prototype's function.
 */
function ownKeysOnly<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  const own: Record<string, T> = Object.create(null);
  for (const [key, value] of Object.entries(record)) own[key] = value;
  return own;
}

/** Reads and validates a config file. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): SeatkeeperConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new InvalidInput(`cannot read the config file ${file}`, [`create it, or pass --config FILE`], { cause });
  }
  let document: unknown;
  try {
    document = parseYaml(protectEnvReferences(text));
  } catch (cause) {
    const where = cause instanceof YAMLParseError && cause.linePos ? ` at line ${cause.linePos[0].line}` : '';
    const message = cause instanceof Error ? cause.message.split('\n')[0] ?? '' : String(cause);
    throw new InvalidInput(`${file} is not valid YAML${where}`, [message], { cause });
  }
  return parseConfig(document, env, file);
}
