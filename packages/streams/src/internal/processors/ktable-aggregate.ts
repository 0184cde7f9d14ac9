import type { KeyValueStore, Processor, ProcessorContext, StreamRecord } from '@rivulet/core';
import type { Change } from '../change-serde.js';
import { forwardChange } from '../table-change.js';
import { dropNullKey } from './drops.js';
import { newerTimestamp, readRow, writeRow } from './table-rows.js';

/**
 * The second half of KTable.groupBy: count, reduce and aggregate of a grouped table (Kafka Streams'
 * `KTableAggregate` / `KTableReduce`). Each update from the repartition topic first subtracts the
 * old row's value from the group's aggregate (when there is one), then adds the new row's value
 * (starting from `initializer()`, or from the value itself for reduce). The aggregate is kept in a
 * changelogged timestamped store and forwarded with its previous value, stamped with the newer of
 * the update's timestamp and the aggregate's (Kafka Streams' rule, for the subtraction and the
 * addition alike). An aggregate that becomes null or undefined (a reduce subtractor may return
 * one) deletes the group's row.
 */
export class KTableAggregate<K, V, VA> implements Processor<K, Change<V>, K, VA | null> {
  private ctx!: ProcessorContext<K, VA | null>;
  private store!: KeyValueStore<K, VA>;

  constructor(
    private readonly storeName: string,
    /** The start of a group's aggregate; undefined for reduce, which starts from the first value. */
    private readonly initializer: (() => VA) | undefined,
    private readonly adder: (key: K, value: V, aggregate: VA | undefined) => VA,
    private readonly subtractor: (key: K, value: V, aggregate: VA) => VA | null,
  ) {}

  init(context: ProcessorContext<K, VA | null>): void {
    this.ctx = context;
    this.store = context.getStateStore<KeyValueStore<K, VA>>(this.storeName);
  }

  process(record: StreamRecord<K, Change<V>>): void {
    const { key, value: change } = record;
    if (key === null || key === undefined) {
      dropNullKey(this.ctx);
      return;
    }
    const row = readRow(this.store, key);
    const old = row?.value;
    let next: VA | null | undefined = old;
    // Subtract first: when both values are of this group, the adder sees the aggregate without the old row.
    if (change.oldValue !== null && next !== undefined && next !== null) next = this.subtractor(key, change.oldValue, next);
    if (change.newValue !== null) {
      const start = next === undefined || next === null ? (this.initializer === undefined ? undefined : this.initializer()) : next;
      next = this.adder(key, change.newValue, start);
    }
    // Stamped with the newer of the update's timestamp and the aggregate's, as Kafka Streams does.
    const timestamp = newerTimestamp(record.timestamp, row);
    writeRow(this.store, key, next, timestamp);
    forwardChange(this.ctx, timestamp === record.timestamp ? record : record.withTimestamp(timestamp), next ?? null, old ?? null);
  }
}
