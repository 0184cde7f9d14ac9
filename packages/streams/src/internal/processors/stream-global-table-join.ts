import type { KeyValueStore, Processor, ProcessorContext, StreamRecord } from '@rivulet/core';
import { dropNullValue } from './drops.js';

/** The log line of a record whose key selector gave no table key: a constant, so a drop builds no text. */
const NULL_TABLE_KEY = 'a null key from the key selector';

/**
 * A stream-GlobalKTable join: each stream record computes the table key with the key selector and
 * looks it up in the global store; an inner join forwards only the records that found a value, a
 * left join every record (with null when the table has none). Table updates trigger nothing. As in
 * Kafka Streams (KIP-962), a record with a null value is dropped, and one whose selected key is
 * null is dropped by an inner join and joined with null by a left join. Each drop is reported
 * (reason `null-key-or-value`). The record keeps its own key.
 */
export class StreamGlobalTableJoin<K, V, KG, VG, VR> implements Processor<K, V, K, VR> {
  private ctx!: ProcessorContext<K, VR>;
  private store!: KeyValueStore<KG, VG>;

  constructor(
    private readonly storeName: string,
    private readonly keySelector: (key: K, value: V) => KG,
    private readonly joiner: (value: V, tableValue: VG | null, key: K) => VR,
    private readonly left: boolean,
  ) {}

  init(context: ProcessorContext<K, VR>): void {
    this.ctx = context;
    // A global store: readable by every processor, no connection needed.
    this.store = context.getStateStore<KeyValueStore<KG, VG>>(this.storeName);
  }

  process(record: StreamRecord<K, V>): void {
    const { key, value } = record;
    if (value === null || value === undefined) {
      dropNullValue(this.ctx);
      return;
    }
    const tableKey = this.keySelector(key, value);
    if (tableKey === null || tableKey === undefined) {
      if (this.left) this.ctx.forward(record.withValue(this.joiner(value, null, key)));
      else this.ctx.reportDropped('null-key-or-value', NULL_TABLE_KEY);
      return;
    }
    const tableValue = this.store.get(tableKey);
    if (tableValue !== undefined && tableValue !== null) this.ctx.forward(record.withValue(this.joiner(value, tableValue, key)));
    else if (this.left) this.ctx.forward(record.withValue(this.joiner(value, null, key)));
  }
}
