import { StreamRecord, type KeyValueStore, type Processor, type ProcessorContext } from '@rivulet/core';
import type { Serde } from '@rivulet/serde';
import { deserializeSync, serializeSync } from '../join-bytes.js';
import { hash128 } from '../murmur3.js';
import { decodeResponse, sameHash } from '../subscription-wrappers.js';

/** What the left side of a foreign-key join needs to resolve responses. @internal */
export interface ResponseJoinOptions<K, V, VO, VR> {
  /** The join's name, for error messages. */
  readonly join: string;
  /** The subscription topic's short name: the serdes see the pseudo topics the sender's saw. */
  readonly topic: string;
  /** The left table's store. */
  readonly primaryStore: string;
  readonly primaryKeySerde: Serde<K>;
  readonly valueSerde: Serde<V>;
  readonly foreignValueSerde: Serde<VO>;
  readonly joiner: (value: V | null, otherValue: VO | null) => VR;
  readonly leftJoin: boolean;
}

/**
 * The left side of a foreign-key join resolving a response (Kafka Streams'
 * `SubscriptionResolverJoinProcessorSupplier`): the response is used only when the hash it carries
 * is the hash of the left row's current value (both null when the row is gone). A response computed
 * for an older value (the left row changed, or its foreign key did, while the subscription was on
 * its way) is stale and discarded: the response to the newer subscription is on its way. A used
 * response forwards the join result for the primary key, with the response's timestamp, or a
 * tombstone when the right value is null and this is an inner join (or the left row is gone).
 *
 * Discarded responses are not dropped records in the metrics' sense: nothing is lost, a newer
 * response supersedes them (Kafka Streams does not count them either).
 */
export class FkResponseJoin<K, V, VO, VR> implements Processor<Buffer, Buffer | null, K, VR | null> {
  private ctx!: ProcessorContext<K, VR | null>;
  private primary!: KeyValueStore<K, V>;
  private pkTopic = '';
  private valueTopic = '';
  private foreignTopic = '';

  constructor(private readonly options: ResponseJoinOptions<K, V, VO, VR>) {}

  init(context: ProcessorContext<K, VR | null>): void {
    this.ctx = context;
    this.primary = context.getStateStore<KeyValueStore<K, V>>(this.options.primaryStore);
    const topic = `${context.applicationId}-${this.options.topic}`;
    this.pkTopic = `${topic}-pk`;
    this.valueTopic = `${topic}-vh`;
    this.foreignTopic = `${topic}-rv`;
  }

  process(record: StreamRecord<Buffer, Buffer | null>): void {
    if (record.key === null || record.key === undefined || record.value === null || record.value === undefined) {
      this.ctx.reportDropped('null-key-or-value', 'a response without a key or value');
      return;
    }
    const { join, primaryKeySerde, valueSerde, foreignValueSerde } = this.options;
    const response = decodeResponse(record.value);
    const key = deserializeSync(join, 'key', primaryKeySerde, this.pkTopic, record.key);
    const current = this.primary.get(key) ?? null;
    const currentHash = current === null ? null : hash128(serializeSync(join, 'left value', valueSerde, this.valueTopic, current));
    if (!sameHash(response.hash, currentHash)) return;
    const foreign = response.foreignValue === null ? null : deserializeSync(join, 'right value', foreignValueSerde, this.foreignTopic, response.foreignValue);
    const result = foreign === null && (!this.options.leftJoin || current === null) ? null : this.options.joiner(current, foreign);
    this.ctx.forward(new StreamRecord<K, VR | null>(key, result, record.timestamp, record.headers));
  }
}
