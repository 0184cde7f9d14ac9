import { schemaRegistryClient } from './confluent-schema-registry-client.js';
import type { SchemaRegistryClientOptions } from './confluent-schema-registry-client.js';
import type { SchemaRegistryClient } from './schema-registry-client.js';
import type { SubjectNameStrategy } from './subject-name-strategy.js';

/** Options shared by {@link registryAvroSerde} and {@link registryJsonSerde}. */
export interface RegistrySerdeOptions {
  /**
   * The schema registry: a client (share one between serdes, so they share its cache; or a
   * `MockSchemaRegistry` in tests) or the options to make one ({@link schemaRegistryClient}).
   */
  registry: SchemaRegistryClient | SchemaRegistryClientOptions;
  /** Whether the serde writes record keys or values: it decides the `topic` subject name. Default `value`. */
  part?: 'key' | 'value';
  /** How the subject is named; default `topic` (`<topic>-value`). */
  subjectNameStrategy?: SubjectNameStrategy;
  /**
   * Register the serde's schema under its subject on first write (Confluent's
   * `auto.register.schemas`), getting its id; when false, the schema must already be registered
   * and is only looked up. Default true, or false with `useLatestVersion`.
   */
  autoRegister?: boolean;
  /**
   * Write with the subject's latest registered schema rather than the serde's own (Confluent's
   * `use.latest.version`): the values must fit it. Resolved once per topic, on first write.
   */
  useLatestVersion?: boolean;
}

/** @internal */
export interface ResolvedRegistryOptions {
  client: SchemaRegistryClient;
  part: 'key' | 'value';
  autoRegister: boolean;
  useLatestVersion: boolean;
}

function isClient(registry: unknown): registry is SchemaRegistryClient {
  const r = registry as Partial<SchemaRegistryClient>;
  return typeof r.getSchemaById === 'function' && typeof r.register === 'function';
}

/** @internal */
export function resolveRegistryOptions(factory: string, options: RegistrySerdeOptions): ResolvedRegistryOptions {
  if (typeof options !== 'object' || options === null || options.registry === undefined) {
    throw new TypeError(`${factory}: options.registry is required: a SchemaRegistryClient, or { url } to make one`);
  }
  const client = isClient(options.registry) ? options.registry : schemaRegistryClient(options.registry);
  const part = options.part ?? 'value';
  if (part !== 'key' && part !== 'value') {
    throw new TypeError(`${factory}: options.part must be 'key' or 'value', got ${JSON.stringify(part)}`);
  }
  for (const flag of ['autoRegister', 'useLatestVersion'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') {
      throw new TypeError(`${factory}: options.${flag} must be a boolean, got ${JSON.stringify(options[flag])}`);
    }
  }
  const useLatestVersion = options.useLatestVersion ?? false;
  if (useLatestVersion && options.autoRegister === true) {
    throw new TypeError(
      `${factory}: options.useLatestVersion writes with the subject's latest schema, which it does not register: leave options.autoRegister unset or false`,
    );
  }
  return { client, part, autoRegister: options.autoRegister ?? !useLatestVersion, useLatestVersion };
}
