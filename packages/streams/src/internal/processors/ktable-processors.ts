import type { KeyValueStore, Processor, ProcessorContext, StreamRecord } from '@rivulet/core';
import { forwardChange, oldValueOf } from '../table-change.js';
import { dropNullKey } from './drops.js';

/**
 * The source of a KTable: materializes the topic into its store (a null value deletes the key) and
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
      if (record.value === null || record.value === undefined) this.store.delete(record.key);
      else this.store.put(record.key, record.value);
    }
    forwardChange(this.ctx, record, record.value ?? null, old);
  }
}

/**
 * A derived KTable (filter, mapValues): computes the new value of each change, materializes it when
 * the table is named, and forwards it. A filtered-out or deleted row is forwarded as a tombstone.
 * The old value is the store's before the update when materialized, else the function of the
 * parent's old value (unknown when the parent's is).
 */
export class KTableTransform<K, V, VR> implements Processor<K, V | null, K, VR | null> {
  private ctx!: ProcessorContext<K, VR | null>;
  private store: KeyValueStore<K, VR> | undefined;

  constructor(
    private readonly fn: (key: K, value: V) => VR | null,
    private readonly storeName: string | undefined,
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
      if (next === null) this.store.delete(record.key);
      else this.store.put(record.key, next);
    } else {
      const parentOld = oldValueOf<V>(record);
      old = parentOld === undefined ? undefined : parentOld === null ? null : this.fn(record.key, parentOld);
    }
    forwardChange(this.ctx, record, next, old);
  }
}
