import { PUT_RETURN_CODE_NOT_PUT, PUT_RETURN_CODE_VALID_TO_UNDEFINED } from '@rivulet/core';
import type { Processor, ProcessorContext, StreamRecord, VersionedKeyValueStore } from '@rivulet/core';
import { forwardChange } from '../table-change.js';
import { dropNullKey } from './drops.js';

/**
 * The source of a versioned KTable (KIP-914): puts each update into the table's versioned store at
 * the record's timestamp and forwards it downstream, a TableChange whose old value is the key's
 * latest value before it, as Kafka Streams' KTableSource does. An out-of-order update (older than
 * the key's latest version) goes into the history, where stream-table joins find it as of their
 * records' times, and is forwarded marked not latest (`isLatest` false): `toStream()` and the stream
 * operators see it, while the nodes with table semantics (table-table and foreign-key joins,
 * `groupBy`, `suppress`) skip it, since the table's latest value did not change (see
 * `isOutOfOrderVersion` in table-change.ts). Its old value is the key's latest value, which it leaves as it is:
 * the next in-order update's old value is still that latest value. An update older than the store's
 * history retention is not put and not forwarded, and is reported as dropped (reason `expired`).
 * Records with a null key are dropped and reported (reason `null-key-or-value`).
 */
export class VersionedKTableSource<K, V> implements Processor<K, V | null, K, V | null> {
  private ctx!: ProcessorContext<K, V | null>;
  private store!: VersionedKeyValueStore<K, V>;

  constructor(private readonly storeName: string) {}

  init(context: ProcessorContext<K, V | null>): void {
    this.ctx = context;
    this.store = context.getStateStore<VersionedKeyValueStore<K, V>>(this.storeName);
  }

  process(record: StreamRecord<K, V | null>): void {
    if (record.key === null || record.key === undefined) {
      dropNullKey(this.ctx);
      return;
    }
    const value = record.value ?? null;
    const latest = this.store.get(record.key);
    const validTo = this.store.put(record.key, value, record.timestamp);
    if (validTo === PUT_RETURN_CODE_NOT_PUT) {
      this.ctx.reportDropped('expired', 'a table update older than the versioned store\'s history retention');
      return;
    }
    const isLatest = validTo === PUT_RETURN_CODE_VALID_TO_UNDEFINED;
    forwardChange(this.ctx, record, value, latest === undefined ? null : latest.value, isLatest);
  }
}
