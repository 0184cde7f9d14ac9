import type { KeyValueStore, Processor, ProcessorContext, StreamRecord } from '@rivulet/core';
import { dropNullKey, dropNullValue } from './drops.js';

/**
 * A stream-table join: each stream record looks up the table's store by its key and, for an inner
 * join, is joined when the key is there; a left join joins every record, with null when the key is
 * absent. Table updates trigger nothing. As in Kafka Streams (KIP-962), a record with a null value
 * is dropped, and one with a null key is dropped by an inner join and joined with null by a left join.
 * Each drop is reported (reason `null-key-or-value`: counted and logged).
 */
export class StreamTableJoin<K, V, VT, VR> implements Processor<K, V, K, VR> {
  private ctx!: ProcessorContext<K, VR>;
  private store!: KeyValueStore<K, VT>;

  constructor(
    private readonly storeName: string,
    private readonly joiner: (value: V, tableValue: VT | null, key: K) => VR,
    private readonly left: boolean,
  ) {}

  init(context: ProcessorContext<K, VR>): void {
    this.ctx = context;
    this.store = context.getStateStore<KeyValueStore<K, VT>>(this.storeName);
  }

  process(record: StreamRecord<K, V>): void {
    const { key, value } = record;
    if (value === null || value === undefined) {
      dropNullValue(this.ctx);
      return;
    }
    if (key === null || key === undefined) {
      if (this.left) this.ctx.forward(record.withValue(this.joiner(value, null, key)));
      else dropNullKey(this.ctx);
      return;
    }
    const tableValue = this.store.get(key);
    if (tableValue !== undefined) this.ctx.forward(record.withValue(this.joiner(value, tableValue, key)));
    else if (this.left) this.ctx.forward(record.withValue(this.joiner(value, null, key)));
  }
}
