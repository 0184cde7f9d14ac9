import type { KeyValueStore, Processor, ProcessorContext, StreamRecord, VersionedKeyValueStore } from '@rivulet/core';
import type { JoinBufferSettings } from '../stream-table-join-buffer.js';
import { StreamTableJoinBuffer } from '../stream-table-join-buffer.js';
import { dropNullKey, dropNullValue } from './drops.js';

/**
 * A stream-table join: each stream record looks up the table's store by its key and, for an inner
 * join, is joined when the key is there; a left join joins every record, with null when the key is
 * absent. Table updates trigger nothing. As in Kafka Streams (KIP-962), a record with a null value
 * is dropped, and one with a null key is dropped by an inner join and joined with null by a left join.
 * Each drop is reported (reason `null-key-or-value`: counted and logged).
 *
 * Against a versioned table (KIP-914) the lookup is as of the stream record's timestamp: the record
 * joins with the table version valid when it happened, not the latest one, so a stream record
 * processed after newer table updates still meets the value of its time. A record older than the
 * table's history retention finds nothing (an inner join drops it, a left join joins it with null).
 * With a grace period (Kafka Streams' `Joined.withGracePeriod`, KIP-923; versioned tables only),
 * stream records first wait in a buffer until the join's stream time passes their timestamp plus
 * the grace period, then are joined in timestamp order, so table updates that come late (within
 * the grace period) are still seen; a record already older than that is joined at once (see
 * {@link StreamTableJoinBuffer}).
 */
export class StreamTableJoin<K, V, VT, VR> implements Processor<K, V, K, VR> {
  private ctx!: ProcessorContext<K, VR>;
  private store!: KeyValueStore<K, VT>;
  private versionedStore: VersionedKeyValueStore<K, VT> | undefined;
  private buffer: StreamTableJoinBuffer<K, V> | undefined;

  constructor(
    private readonly storeName: string,
    private readonly joiner: (value: V, tableValue: VT | null, key: K) => VR,
    private readonly left: boolean,
    /** The table's store is versioned: look up the version as of each record's timestamp. */
    private readonly versioned = false,
    /** The stream-side buffer of a join with a grace period. */
    private readonly grace?: JoinBufferSettings<K, V>,
  ) {}

  init(context: ProcessorContext<K, VR>): void {
    this.ctx = context;
    if (this.versioned) this.versionedStore = context.getStateStore<VersionedKeyValueStore<K, VT>>(this.storeName);
    else this.store = context.getStateStore<KeyValueStore<K, VT>>(this.storeName);
    if (this.grace !== undefined) {
      this.buffer = new StreamTableJoinBuffer(this.grace);
      this.buffer.init(context.getStateStore<KeyValueStore<Buffer, Buffer>>(this.grace.storeName));
    }
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
    const buffer = this.buffer;
    if (buffer === undefined) {
      this.join(record, key, value);
      return;
    }
    if (!buffer.add(record)) this.join(record, key, value);
    buffer.evict((due) => this.join(due, due.key, due.value));
  }

  private join(record: StreamRecord<K, V>, key: K, value: V): void {
    const versioned = this.versionedStore;
    const tableValue = versioned === undefined ? this.store.get(key) : versioned.get(key, record.timestamp)?.value;
    if (tableValue !== undefined) this.ctx.forward(record.withValue(this.joiner(value, tableValue, key)));
    else if (this.left) this.ctx.forward(record.withValue(this.joiner(value, null, key)));
  }
}
