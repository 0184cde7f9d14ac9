import type { DefaultSerdes } from './default-serdes.js';
import type { RestorableStateStore } from './state-store.js';
import type { StoreBuilder } from './store-builder.js';

const NO_CONFIG: Readonly<Record<string, string>> = Object.freeze({});

/**
 * What every store builder shares: whether writes go to a changelog topic and with which topic
 * configs (checked when given), and the check that a supplier hands each task an engine of its own,
 * named as the store.
 *
 * @hidden Not public API, but a base of public classes, so it stays in the published `.d.ts`
 * (the build strips internal declarations: see docs/architecture.md#public-api-and-internals).
 */
export abstract class LoggedStoreBuilder<T extends RestorableStateStore> implements StoreBuilder<T> {
  private logging = true;
  /** The user's changelog topic configs; empty when logging is off. */
  protected userConfig: Readonly<Record<string, string>> = NO_CONFIG;
  private readonly built = new WeakSet<object>();

  protected constructor(
    /** The store's name, unique in the topology; it also names the changelog topic. */
    readonly name: string,
    /** True for a store on disk (lmdb), false for one in memory. */
    readonly persistent: boolean,
  ) {}

  get loggingEnabled(): boolean {
    return this.logging;
  }

  /** The changelog topic's configs: the user's, for a key-value store. */
  get logConfig(): Readonly<Record<string, string>> {
    return this.userConfig;
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
