import type { KeyValueStore, Processor, ProcessorContext, StreamRecord } from '@rivulet/core';
import { forwardChange } from '../table-change.js';
import { dropsNullKeyOrValue } from './drops.js';

/**
 * count, reduce and aggregate of a grouped stream: the running aggregate per key lives in a
 * key-value store (changelogged), and every update is forwarded downstream as the table's new value
 * (a TableChange with the aggregate before it).
 * Records with a null key or a null value are dropped, as in Kafka Streams, and reported as such
 * (reason `null-key-or-value`: counted and logged).
 */
export class StreamAggregate<K, V, VA> implements Processor<K, V, K, VA | null> {
  private ctx!: ProcessorContext<K, VA | null>;
  private store!: KeyValueStore<K, VA>;

  constructor(
    private readonly storeName: string,
    private readonly initializer: (() => VA) | undefined,
    private readonly aggregator: (key: K, value: V, aggregate: VA | undefined) => VA,
  ) {}

  init(context: ProcessorContext<K, VA | null>): void {
    this.ctx = context;
    this.store = context.getStateStore<KeyValueStore<K, VA>>(this.storeName);
  }

  process(record: StreamRecord<K, V>): void {
    if (dropsNullKeyOrValue(this.ctx, record.key, record.value)) return;
    const old = this.store.get(record.key);
    const current = old === undefined && this.initializer !== undefined ? this.initializer() : old;
    const next = this.aggregator(record.key, record.value, current);
    this.store.put(record.key, next);
    forwardChange(this.ctx, record, next, old ?? null);
  }
}
