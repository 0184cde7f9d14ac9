import type { KeyValueStore, Processor, ProcessorContext, StreamRecord } from '@rivulet/core';
import { forwardChange } from '../table-change.js';
import { dropsNullKeyOrValue } from './drops.js';
import { newerTimestamp, readRow, writeRow } from './table-rows.js';

/**
 * count, reduce and aggregate of a grouped stream: the running aggregate per key lives in a
 * timestamped key-value store (changelogged), and every update is forwarded downstream as the
 * table's new value (a TableChange with the aggregate before it), stamped, as in Kafka Streams, with
 * the newer of the record's timestamp and the aggregate's (the newest record aggregated).
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
    const row = readRow(this.store, record.key);
    const old = row?.value;
    const current = old === undefined && this.initializer !== undefined ? this.initializer() : old;
    const next = this.aggregator(record.key, record.value, current);
    // Stamped with the newest record of the aggregate, as Kafka Streams does.
    const timestamp = newerTimestamp(record.timestamp, row);
    writeRow(this.store, record.key, next, timestamp);
    forwardChange(this.ctx, timestamp === record.timestamp ? record : record.withTimestamp(timestamp), next, old ?? null);
  }
}
