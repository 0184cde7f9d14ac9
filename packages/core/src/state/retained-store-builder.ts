import { LoggedStoreBuilder } from './logged-store-builder.js';
import type { RestorableStateStore } from './state-store.js';

/**
 * Kafka Streams' `windowstore.changelog.additional.retention.ms` default: the changelog of a window
 * or session store keeps records one day longer than the store, so a restore still finds every
 * window the store keeps even when the clocks of producer and broker differ.
 */
export const CHANGELOG_ADDITIONAL_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * What window and session store builders share besides logging: the changelog topic configs
 * a store with retention needs (`cleanup.policy: compact,delete`, `retention.ms`: the store's
 * retention plus {@link CHANGELOG_ADDITIONAL_RETENTION_MS}), with the user's configs on top.
 *
 * @hidden Not public API, but a base of public classes, so it stays in the published `.d.ts`
 * (the build strips internal declarations: see docs/architecture.md#public-api-and-internals).
 */
export abstract class RetainedStoreBuilder<T extends RestorableStateStore> extends LoggedStoreBuilder<T> {
  protected constructor(
    name: string,
    persistent: boolean,
    /** How long the built stores keep windows or sessions. */
    readonly retentionMs: number,
  ) {
    super(name, persistent);
  }

  override get logConfig(): Readonly<Record<string, string>> {
    if (!this.loggingEnabled) return this.userConfig;
    return Object.freeze({
      'cleanup.policy': 'compact,delete',
      'retention.ms': String(this.retentionMs + CHANGELOG_ADDITIONAL_RETENTION_MS),
      ...this.userConfig,
    });
  }
}
