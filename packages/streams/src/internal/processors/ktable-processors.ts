import type { KeyValueStore, Processor, ProcessorContext, StreamRecord } from '@rivulet/core';
import { forwardChange, isOutOfOrderVersion, oldValueOf } from '../table-change.js';
import { dropNullKey } from './drops.js';
import { writeRow } from './table-rows.js';

/**
 * The source of a KTable: materializes the topic into its store (a null value deletes the key; a
 * timestamped store keeps the record's timestamp as the row's) and
 * forwards each change downstream, with the row's old value read from the store before the update
 * (a TableChange). Records with a null key are dropped and reported (reason
 * `null-key-or-value`), as Kafka Streams' KTableSource does.
 */
export class KTableSource<K, V> implements Processor<K, V | null, K, V | null> {
  private ctx!: ProcessorContext<K, V | null>;
  private store: KeyValueStore<K, V> | undefined;

  constructor(private readonly storeName: string | undefined) {}

  init(context: ProcessorContext<K, V | null>): void {
    this.ctx = context;
    if (this.storeName !== undefined) this.store = context.getStateStore<KeyValueStore<K, V>>(this.storeName);
  }

  process(record: StreamRecord<K, V | null>): void {
    if (record.key === null || record.key === undefined) {
      dropNullKey(this.ctx);
      return;
    }
    let old: V | null | undefined = oldValueOf(record);
    if (this.store !== undefined) {
      old = this.store.get(record.key) ?? null;
      writeRow(this.store, record.key, record.value, record.timestamp);
    }
    forwardChange(this.ctx, record, record.value ?? null, old);
  }
}

/**
 * A derived KTable (filter, mapValues): computes the new value of each change, materializes it when
 * the table is named (in a timestamped store, with the update's timestamp), and forwards it. A
 * deleted row is forwarded as a tombstone; a filtered-out one only when it had a value before or
 * its old value is unknown (Kafka Streams' KTableFilter: a key that never passed the predicate
 * forwards nothing). The old value is the store's before the update when materialized, else the
 * function of the parent's old value (unknown when the parent's is).
 */
export class KTableTransform<K, V, VR> implements Processor<K, V | null, K, VR | null> {
  private ctx!: ProcessorContext<K, VR | null>;
  private store: KeyValueStore<K, VR> | undefined;

  constructor(
    private readonly fn: (key: K, value: V) => VR | null,
    private readonly storeName: string | undefined,
    /**
     * True for filter / filterNot: a tombstone is forwarded only when the row had a value before
     * (its old value is known and not null), as Kafka Streams' KTableFilter does; mapValues
     * forwards every tombstone.
     */
    private readonly skipsTombstonesOfAbsentRows = false,
  ) {}

  init(context: ProcessorContext<K, VR | null>): void {
    this.ctx = context;
    if (this.storeName !== undefined) this.store = context.getStateStore<KeyValueStore<K, VR>>(this.storeName);
  }

  process(record: StreamRecord<K, V | null>): void {
    const next = record.value === null || record.value === undefined ? null : this.fn(record.key, record.value);
    let old: VR | null | undefined;
    if (this.store !== undefined) {
      old = this.store.get(record.key) ?? null;
      if (next === null && old === null && this.skipsTombstonesOfAbsentRows) return;
      writeRow(this.store, record.key, next, record.timestamp);
    } else {
      const parentOld = oldValueOf<V>(record);
      old = parentOld === undefined ? undefined : parentOld === null ? null : this.fn(record.key, parentOld);
      if (next === null && old === null && this.skipsTombstonesOfAbsentRows) return;
    }
    // Not materialized, a versioned table's out-of-order update stays one (KIP-914); a store of its own takes it as its latest.
    forwardChange(this.ctx, record, next, old, this.store !== undefined || !isOutOfOrderVersion(record));
  }
}
