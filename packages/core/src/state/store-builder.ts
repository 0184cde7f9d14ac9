import type { DefaultSerdes } from './default-serdes.js';
import type { RestorableStateStore } from './state-store.js';

/**
 * Describes a state store of a topology and builds one instance of it per task. The runtime reads
 * `name`, `persistent`, `loggingEnabled` and `logConfig` to create the changelog topic
 * (`<applicationId>-<name>-changelog`, compacted, with `logConfig` on top) and calls `build()` once
 * for every task that uses the store, with the app's default serdes for the serdes it was not given.
 */
export interface StoreBuilder<T extends RestorableStateStore = RestorableStateStore> {
  /** The store's name, unique in the topology; it also names the changelog topic. */
  readonly name: string;
  /** True for a store on disk (lmdb), false for one in memory. */
  readonly persistent: boolean;
  /** Whether writes go to a changelog topic; on by default. */
  readonly loggingEnabled: boolean;
  /** Topic configs for the changelog topic, e.g. `{ 'min.insync.replicas': '2' }`; empty by default. */
  readonly logConfig: Readonly<Record<string, string>>;
  /** Logs writes to the changelog, created with these topic configs. */
  withLoggingEnabled(topicConfig?: Record<string, string>): this;
  /** No changelog: the store starts empty after a restart or a move to another instance. */
  withLoggingDisabled(): this;
  /**
   * The serdes this builder was not given, which the app's `defaultKeySerde` / `defaultValueSerde`
   * must supply: the app checks this at construction. Absent or empty: the builder has all it needs.
   */
  readonly missingSerdes?: readonly ('key' | 'value')[];
  /** A new, unopened store instance; each task gets its own. `defaults` fill the serdes it was not given. */
  build(defaults?: DefaultSerdes): T;
}

/**
 * The parts (`key`, `value`) a store builder has no serde for.
 *
 * @internal
 */
export function missingParts(key: unknown, value: unknown): readonly ('key' | 'value')[] {
  if (key !== undefined && value !== undefined) return [];
  return [...(key === undefined ? (['key'] as const) : []), ...(value === undefined ? (['value'] as const) : [])];
}
