import type { DefaultSerdes } from '../topology/default-serdes.js';
import type { RestorableStateStore } from './state-store.js';
import type { StoreBuilder } from './store-builder.js';

const NO_CONFIG: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Kafka Streams' `windowstore.changelog.additional.retention.ms` default: the changelog of a window
 * or session store keeps records one day longer than the store, so a restore still finds every
 * window the store keeps even when the clocks of producer and broker differ.
 */
export const CHANGELOG_ADDITIONAL_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * What window and session store builders share: logging settings, and the changelog topic configs
 * a store with retention needs (`cleanup.policy: compact,delete`, `retention.ms`: the store's
 * retention plus {@link CHANGELOG_ADDITIONAL_RETENTION_MS}), with the user's configs on top.
 *
 * @internal
 */
export abstract class RetainedStoreBuilder<T extends RestorableStateStore> implements StoreBuilder<T> {
  private logging = true;
  private userConfig: Readonly<Record<string, string>> = NO_CONFIG;
  private readonly built = new WeakSet<object>();

  protected constructor(
    /** The store's name, unique in the topology; it also names the changelog topic. */
    readonly name: string,
    /** True for a store on disk (lmdb), false for one in memory. */
    readonly persistent: boolean,
    /** How long the built stores keep windows or sessions. */
    readonly retentionMs: number,
  ) {}

  get loggingEnabled(): boolean {
    return this.logging;
  }

  get logConfig(): Readonly<Record<string, string>> {
    if (!this.logging) return NO_CONFIG;
    return Object.freeze({
      'cleanup.policy': 'compact,delete',
      'retention.ms': String(this.retentionMs + CHANGELOG_ADDITIONAL_RETENTION_MS),
      ...this.userConfig,
    });
  }

  withLoggingEnabled(topicConfig: Record<string, string> = {}): this {
    for (const [key, value] of Object.entries(topicConfig)) {
      if (key.length === 0 || typeof value !== 'string') {
        throw new TypeError(
          `state store '${this.name}': changelog topic config ${JSON.stringify(key)} must map to a string, got ${JSON.stringify(value)}`,
        );
      }
    }
    this.logging = true;
    this.userConfig = Object.freeze({ ...topicConfig });
    return this;
  }

  withLoggingDisabled(): this {
    this.logging = false;
    this.userConfig = NO_CONFIG;
    return this;
  }

  abstract build(defaults?: DefaultSerdes): T;

  /** Refuses an engine that is misnamed or was handed out before (two tasks would share state). */
  protected checkEngine(engine: { readonly name: string }): void {
    if (engine.name !== this.name) throw new TypeError(`state store supplier '${this.name}' built a store named '${engine.name}'`);
    if (this.built.has(engine)) {
      throw new TypeError(`state store supplier '${this.name}' returned the same store twice: each task needs its own instance`);
    }
    this.built.add(engine);
  }
}
