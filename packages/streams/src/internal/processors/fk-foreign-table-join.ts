import { StreamRecord, type KeyValueStore, type Processor, type ProcessorContext } from '@rivulet/core';
import type { Serde } from '@rivulet/serde';
import { combinedKeyPrefix, hasPrefix, splitCombinedKey } from '../combined-key.js';
import { serializeSync } from '../join-bytes.js';
import { decodeSubscription, encodeResponse } from '../subscription-wrappers.js';
import { isOutOfOrderVersion } from '../table-change.js';
import { dropNullKey } from './drops.js';

/** What the right table's side of a foreign-key join needs. @internal */
export interface ForeignTableJoinOptions<KO, VO> {
  /** The join's name, for error messages. */
  readonly join: string;
  /** The subscription topic's short name (the serdes see `<applicationId>-<topic>-fk`). */
  readonly topic: string;
  readonly subscriptionStore: string;
  readonly foreignKeySerde: Serde<KO>;
  readonly foreignValueSerde: Serde<VO>;
}

/**
 * The right table's updates in a foreign-key join (Kafka Streams'
 * `ForeignTableJoinProcessorSupplier`): an update of a right row scans the subscription store for
 * every left row subscribed to its key (one range scan over the combined keys with the foreign key's
 * prefix) and answers each with the new right value (null for a deletion), keyed by the primary
 * key's bytes, with the update's timestamp. An update with a null key is dropped and reported
 * (`null-key-or-value`).
 */
export class FkForeignTableJoin<KO, VO> implements Processor<KO, VO | null, Buffer, Buffer> {
  private ctx!: ProcessorContext<Buffer, Buffer>;
  private subscriptions!: KeyValueStore<Buffer, Buffer>;
  private fkTopic = '';
  private valueTopic = '';

  constructor(private readonly options: ForeignTableJoinOptions<KO, VO>) {}

  init(context: ProcessorContext<Buffer, Buffer>): void {
    this.ctx = context;
    this.subscriptions = context.getStateStore<KeyValueStore<Buffer, Buffer>>(this.options.subscriptionStore);
    this.fkTopic = `${context.applicationId}-${this.options.topic}-fk`;
    this.valueTopic = `${context.applicationId}-${this.options.topic}-rv`;
  }

  process(record: StreamRecord<KO, VO | null>): void {
    if (record.key === null || record.key === undefined) {
      dropNullKey(this.ctx);
      return;
    }
    if (isOutOfOrderVersion(record)) return; // KIP-914: a versioned table's out-of-order update changes no join result
    const prefix = combinedKeyPrefix(serializeSync(this.options.join, 'foreign key', this.options.foreignKeySerde, this.fkTopic, record.key));
    const value = record.value ?? null;
    const foreignValue = value === null ? null : serializeSync(this.options.join, 'right value', this.options.foreignValueSerde, this.valueTopic, value);
    // Keys are in byte order: the subscriptions of this foreign key are one run from the prefix on.
    for (const entry of this.subscriptions.range(prefix)) {
      if (!hasPrefix(entry.key, prefix)) break;
      const subscription = decodeSubscription(entry.value);
      // Copies: the store's buffers are only valid while it is not written (a persistent store's
      // may point into its pages), and these go on to the record collector.
      const primaryKey = Buffer.from(splitCombinedKey(entry.key).primaryKey);
      const response = encodeResponse({ hash: subscription.hash, foreignValue, primaryPartition: subscription.primaryPartition });
      this.ctx.forward(new StreamRecord(primaryKey, response, record.timestamp, record.headers));
    }
  }
}
